import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The page may run only its own scripts and styles, talk only to this server, and show only
 * its own pictures (plus blob:/data: for in-page previews). No framing, no forms elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

/** 32 random bytes, URL-safe: printed once at start, needed by every API request. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;

export function isValidTokenFormat(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The token from `Authorization: Bearer …`, `X-Lookalike-Token`, or `?token=` (for <img> and EventSource). */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const header = req.headers['x-lookalike-token'];
  if (typeof header === 'string') return header;
  return url.searchParams.get('token') ?? undefined;
}

/** Constant-time comparison of the presented token with the server's. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Only requests addressed to this loopback server by name (defeats DNS rebinding), and, when a
 * browser says where a request comes from, only from this server's own pages (defeats other
 * sites' pages posting to it).
 */
export function isTrustedOrigin(req: IncomingMessage, port: number): boolean {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!allowedHosts.includes((req.headers.host ?? '').toLowerCase())) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return allowedHosts.some((h) => origin.toLowerCase() === `http://${h}`);
}
