import { protocol as electronProtocol, type Protocol } from 'electron';
import { ApiError, type ApiErrorCode } from '../shared/api-errors.ts';
import type { HostImage } from '../shared/engine-host-protocol.ts';
import { IMAGE_HOST, IMAGE_SCHEME } from '../shared/desktop-ipc.ts';
import { imageQueryString, parseImageQuery } from '../shared/image-url.ts';

/** What the handler needs of the engine host. */
export interface ImageSource {
  image(query: string): Promise<HostImage>;
}

const STATUS: Partial<Record<ApiErrorCode, number>> = {
  'bad-request': 400,
  forbidden: 403,
  'not-found': 404,
  'unsupported-image': 415,
  unavailable: 503,
};

function problem(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * `lookalike-image://image/?path=…&size=thumb`: parsed with the same parser as the HTTP bridge
 * (400 when malformed), answered by the engine host, which refuses anything outside the library (403).
 */
export function createImageHandler(
  source: ImageSource,
  log: (message: string, err?: unknown) => void = (m, e) => console.error(`lookalike: ${m}`, e ?? ''),
): (request: Request) => Promise<Response> {
  return async (request) => {
    let query: string;
    try {
      const url = new URL(request.url);
      if (url.protocol !== `${IMAGE_SCHEME}:` || url.hostname !== IMAGE_HOST) {
        throw new ApiError('bad-request', `Pictures are at ${IMAGE_SCHEME}://${IMAGE_HOST}/?…`);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return problem(405, 'Only GET here');
      }
      const parsed = parseImageQuery(url.searchParams);
      query = imageQueryString(parsed.ref, parsed.size);
    } catch (err) {
      return problem(400, err instanceof Error ? err.message : 'Malformed image URL');
    }
    try {
      const image = await source.image(query);
      if (request.headers.get('if-none-match') === image.etag) {
        return new Response(null, { status: 304, headers: { etag: image.etag } });
      }
      return new Response(image.bytes as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: {
          'content-type': image.contentType,
          'content-length': String(image.bytes.byteLength),
          'cache-control': 'private, no-cache',
          etag: image.etag,
        },
      });
    } catch (err) {
      if (err instanceof ApiError) return problem(STATUS[err.code] ?? 500, err.message);
      log('an image request failed', err);
      return problem(500, 'Something went wrong inside Lookalike');
    }
  };
}

/** Must run before the app is ready: lets the scheme work like https for <img> and fetch. */
export function registerImageScheme(
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged'> = electronProtocol,
): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: IMAGE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function registerImageProtocol(
  source: ImageSource,
  protocol: Pick<Protocol, 'handle'> = electronProtocol,
): void {
  protocol.handle(IMAGE_SCHEME, createImageHandler(source));
}
