import { type ApiTransport, createApiClient, type LookalikeClient } from '../../../shared/api-adapter.ts';
import { createHttpTransport } from './http-transport.ts';
import { takeSessionToken } from './session-token.ts';

declare global {
  interface Window {
    /** The desktop app's preload exposes its IPC transport here; a browser has none. */
    lookalike?: unknown;
  }
}

function isTransport(value: unknown): value is ApiTransport {
  const t = value as Partial<ApiTransport> | undefined;
  return (
    typeof t?.invoke === 'function' && typeof t.subscribe === 'function' && typeof t.imageUrl === 'function'
  );
}

export type ClientConnection = { client: LookalikeClient } | { problem: 'no-token' | 'no-transport' };

/** The desktop app's IPC transport when present, otherwise the loopback HTTP bridge. */
export function connectClient(): ClientConnection {
  if (window.lookalike !== undefined) {
    return isTransport(window.lookalike)
      ? { client: createApiClient(window.lookalike) }
      : { problem: 'no-transport' };
  }
  const token = takeSessionToken();
  if (!token) return { problem: 'no-token' };
  return { client: createApiClient(createHttpTransport(token)) };
}
