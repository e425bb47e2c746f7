import type { IncomingMessage } from 'node:http';
import { ApiError } from '../shared/api-errors.ts';

function tooLarge(limit: number): ApiError {
  return new ApiError(
    'too-large',
    `The request is larger than the ${Math.round(limit / (1024 * 1024))} MB this app accepts`,
  );
}

/**
 * Reads a request body, refusing more than `limit` bytes: early from Content-Length when it says
 * so, otherwise as soon as the stream passes the limit (the rest is never buffered).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError('bad-request', 'Send the request as JSON (Content-Type: application/json)');
  }
  const body = await readBody(req, limit);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ApiError('bad-request', 'The request body is not valid JSON');
  }
}
