import type { ServerResponse } from 'node:http';
import { ApiError, type ApiErrorCode } from '../shared/api-errors.ts';

/** The API's error codes as HTTP statuses. */
export function httpStatusFor(code: ApiErrorCode): number {
  switch (code) {
    case 'bad-request':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'too-large':
      return 413;
    case 'unsupported-image':
      return 422;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}

/**
 * How long the app itself took to answer (a standard header the browser's developer tools and
 * resource timing show), apart from the time on the network and in the queue before it.
 */
export function setServerTiming(res: ServerResponse, startedAt: number): void {
  res.setHeader('server-timing', `app;dur=${(performance.now() - startedAt).toFixed(1)}`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, httpStatusFor(error.code), error.toBody());
}

export function sendApiError(res: ServerResponse, code: ApiErrorCode, message: string): void {
  sendError(res, new ApiError(code, message));
}
