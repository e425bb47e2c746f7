import path from 'node:path';
import { dispatchApiCall } from '../shared/api-adapter.ts';
import { apiEventNames, type ApiEventSource, type LookalikeApiHandlers } from '../shared/api-contract.ts';
import { ApiError } from '../shared/api-errors.ts';
import {
  type HostImage,
  type HostMessage,
  type HostReply,
  type HostRequest,
  hostRequestSchema,
} from '../shared/engine-host-protocol.ts';
import { type ImageRequest, parseImageQuery } from '../shared/image-url.ts';

/** What the engine host serves: the LibraryService plus the two checks only the engine can make. */
export interface HostBackend {
  handlers: LookalikeApiHandlers & ApiEventSource;
  image(request: ImageRequest): Promise<HostImage>;
  isInsideLibrary(absolutePath: string): Promise<boolean>;
  /** Stops background work and closes the library (called once, on 'close'). */
  close(): Promise<void>;
}

export interface HostDispatcher {
  /** Handles one message from the main process; never throws (errors are answered). */
  handle(raw: unknown): Promise<void>;
  /** Stops forwarding events. */
  dispose(): void;
}

function errorReply(id: number, err: unknown, log: (message: string, err?: unknown) => void): HostReply {
  if (err instanceof ApiError) return { type: 'reply', id, ok: false, error: err.toBody().error };
  log('an engine host request failed', err);
  return {
    type: 'reply',
    id,
    ok: false,
    error: { code: 'internal', message: 'Something went wrong inside Lookalike' },
  };
}

/**
 * The engine utility process's message handling, free of Electron: validates each request,
 * runs it against the backend and answers `{ type: 'reply', id, ok, result | error }`; the
 * service's events go out as `{ type: 'event', event, data }`.
 */
export function createHostDispatcher(
  backend: HostBackend,
  send: (message: HostMessage) => void,
  log: (message: string, err?: unknown) => void = (m, e) => console.error(`lookalike: ${m}`, e ?? ''),
): HostDispatcher {
  const unsubscribe = apiEventNames.map((event) =>
    backend.handlers.subscribe(event, (data) => send({ type: 'event', event, data })),
  );

  async function run(request: HostRequest): Promise<unknown> {
    switch (request.type) {
      case 'call':
        return dispatchApiCall(backend.handlers, request.method, request.payload);
      case 'image': {
        const image = await backend.image(parseImageQuery(new URLSearchParams(request.query)));
        return { bytes: image.bytes, contentType: image.contentType, etag: image.etag } satisfies HostImage;
      }
      case 'inside':
        return path.isAbsolute(request.path) && (await backend.isInsideLibrary(path.resolve(request.path)));
      case 'close':
        for (const off of unsubscribe) off();
        await backend.close();
        return { closed: true };
    }
  }

  return {
    async handle(raw) {
      const parsed = hostRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { id?: unknown } | null)?.id;
        if (typeof id === 'number') {
          send({
            type: 'reply',
            id,
            ok: false,
            error: { code: 'bad-request', message: 'The engine host got a malformed request' },
          });
        } else log('ignored a malformed message without an id');
        return;
      }
      const request = parsed.data;
      try {
        send({ type: 'reply', id: request.id, ok: true, result: await run(request) });
      } catch (err) {
        send(errorReply(request.id, err, log));
      }
    },
    dispose() {
      for (const off of unsubscribe) off();
    },
  };
}
