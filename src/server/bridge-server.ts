import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LibraryService } from '../engine/service/library-service.ts';
import { dispatchApiCall } from '../shared/api-adapter.ts';
import { apiMethods, isApiMethod } from '../shared/api-contract.ts';
import { ApiError } from '../shared/api-errors.ts';
import { parseImageQuery } from '../shared/image-url.ts';
import { EventStreams } from './event-stream.ts';
import { sendApiError, sendError, sendJson, setServerTiming } from './http-responses.ts';
import {
  isTrustedOrigin,
  newAccessToken,
  presentedToken,
  setSecurityHeaders,
  tokenMatches,
} from './http-security.ts';
import { readBody, readJsonBody } from './request-body.ts';
import { serveStaticFile } from './static-files.ts';

export interface BridgeServerOptions {
  service: LibraryService;
  /** The built renderer (out/renderer); null serves the API only. */
  rendererDir: string | null;
  /** 0 picks a free port. */
  port?: number;
  /** Generated when not given. */
  token?: string;
  /** Largest query image accepted (default 64 MB). */
  maxUploadBytes?: number;
  log?: (message: string, err?: unknown) => void;
}

export interface BridgeServer {
  /** The page to open, token included. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 1024 * 1024;
export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** Parameters of a bytes method travel in this header, as URI-encoded JSON (the body is the bytes). */
export const PARAMS_HEADER = 'x-lookalike-params';

/**
 * The loopback HTTP bridge: the contract's methods as `POST /api/<method>`, its events as
 * Server-Sent Events at `/api/events`, pictures at `/api/image`, and the built renderer at `/`.
 * Bound to 127.0.0.1 only; every API request needs the token.
 */
export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
  const { service } = options;
  const token = options.token ?? newAccessToken();
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const log =
    options.log ??
    ((message, err) =>
      console.error(`lookalike: ${message}`, err instanceof Error ? (err.stack ?? err.message) : ''));
  const events = new EventStreams(service);
  let port = 0;

  async function callMethod(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isApiMethod(name)) return sendApiError(res, 'not-found', `There is no API method "${name}"`);
    let request: unknown;
    if (apiMethods[name].body === 'bytes') {
      let params: unknown = {};
      const header = req.headers[PARAMS_HEADER];
      if (typeof header === 'string' && header !== '') {
        try {
          params = JSON.parse(decodeURIComponent(header));
        } catch {
          throw new ApiError('bad-request', `The ${PARAMS_HEADER} header is not URI-encoded JSON`);
        }
      }
      if (typeof params !== 'object' || params === null || Array.isArray(params)) {
        throw new ApiError('bad-request', `The ${PARAMS_HEADER} header must hold a JSON object`);
      }
      request = { ...params, bytes: new Uint8Array(await readBody(req, maxUpload)) };
    } else {
      request = await readJsonBody(req, MAX_JSON_BYTES);
    }
    const started = performance.now();
    const result = await dispatchApiCall(service, name, request);
    setServerTiming(res, started);
    sendJson(res, 200, result);
  }

  async function sendImage(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const query = parseImageQuery(url.searchParams, ['token']);
    // The page drops requests for thumbnails it no longer shows (scrolled past, results replaced).
    const abandoned = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abandoned.abort();
    });
    let image;
    try {
      image = await service.image(query, abandoned.signal);
    } catch (err) {
      if (abandoned.signal.aborted) return;
      throw err;
    }
    setServerTiming(res, started);
    const headers = {
      etag: image.etag,
      'cache-control': 'private, no-cache',
      'x-thumbnail-cache': image.cache,
    };
    if (req.headers['if-none-match'] === image.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': image.contentType,
      'content-length': image.bytes.length,
    });
    res.end(image.bytes);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!tokenMatches(presentedToken(req, url), token)) {
      return sendApiError(
        res,
        'unauthorized',
        'A valid access token is needed: open the link that `lookalike serve` printed',
      );
    }
    const route = url.pathname.slice('/api/'.length);
    if (req.method === 'GET' && route === 'events') {
      events.open(res, [['indexing', await service.indexingState()]]);
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && route === 'image') return sendImage(req, res, url);
    if (req.method === 'POST' && /^[A-Za-z]+$/.test(route)) return callMethod(route, req, res);
    return sendApiError(res, 'not-found', `Nothing at ${req.method} ${url.pathname}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    if (!isTrustedOrigin(req, port)) {
      return sendApiError(
        res,
        'forbidden',
        `Requests must be addressed to http://127.0.0.1:${port} from its own pages`,
      );
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, new ApiError('bad-request', 'Only GET here').toBody());
    }
    if (options.rendererDir && (await serveStaticFile(options.rendererDir, url.pathname, res))) return;
    if (url.pathname === '/' && !options.rendererDir) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The Lookalike page is not built: run `npm run build`, then restart `lookalike serve`.\n');
      return;
    }
    sendApiError(res, 'not-found', `Nothing at ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const error =
        err instanceof ApiError ? err : new ApiError('internal', 'Something went wrong inside Lookalike');
      if (!(err instanceof ApiError)) log(`${req.method} ${req.url?.split('?')[0]} failed`, err);
      if (error.code === 'too-large') {
        // Answer at once; let the rest of the upload drain briefly, then drop the connection.
        res.setHeader('connection', 'close');
        req.resume();
        setTimeout(() => req.socket.destroy(), 5000).unref();
      }
      sendError(res, error);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    port,
    token,
    close: async () => {
      events.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
