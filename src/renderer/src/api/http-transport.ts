import type { ApiTransport, ConnectionState } from '../../../shared/api-adapter.ts';
import {
  apiEventNames,
  apiMethods,
  type ApiEventName,
  type ApiEvents,
} from '../../../shared/api-contract.ts';
import { ApiError, apiErrorFromBody } from '../../../shared/api-errors.ts';
import { imageQueryString } from '../../../shared/image-url.ts';

type Listener = (payload: unknown) => void;

const RECONNECT_MS = 2000;

/**
 * The contract over the loopback HTTP bridge (src/server): methods are `POST /api/<method>`
 * (JSON, or the raw bytes for upload methods), events arrive by Server-Sent Events, and pictures
 * are plain URLs. The token goes in a header, or in the query where the browser cannot set one.
 */
export function createHttpTransport(token: string): ApiTransport {
  const listeners = new Map<ApiEventName, Set<Listener>>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'connecting';
  let source: EventSource | undefined;
  let reconnect: ReturnType<typeof setTimeout> | undefined;

  function setConnection(state: ConnectionState): void {
    if (state === connection) return;
    connection = state;
    for (const l of connectionListeners) l(state);
  }

  async function post(method: string, init: RequestInit): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`api/${method}`, init);
    } catch {
      setConnection('lost');
      throw new ApiError('unavailable', 'Lookalike cannot be reached. Is `lookalike serve` still running?');
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const error = apiErrorFromBody(body, `The server answered ${res.status} ${res.statusText}`);
      if (error.code === 'unauthorized') setConnection('unauthorized');
      throw error;
    }
    return body;
  }

  function connect(): void {
    reconnect = undefined;
    const es = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
    source = es;
    es.onopen = () => setConnection('open');
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED) {
        setConnection('lost');
        return;
      }
      // Closed for good (an HTTP error, or the server went away): find out which, then retry.
      es.close();
      fetch('api/indexingState', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      })
        .then((res) => setConnection(res.status === 401 ? 'unauthorized' : 'lost'))
        .catch(() => setConnection('lost'))
        .finally(() => {
          if (connection !== 'unauthorized' && source === es) reconnect = setTimeout(connect, RECONNECT_MS);
        });
    };
    for (const name of apiEventNames) {
      es.addEventListener(name, (e) => {
        const payload = JSON.parse((e as MessageEvent<string>).data) as unknown;
        for (const l of listeners.get(name) ?? []) l(payload);
      });
    }
  }

  return {
    capabilities: { transport: 'http', canRevealInOS: false, canPickFolder: false },

    invoke(method, request) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (apiMethods[method].body === 'bytes') {
        const { bytes, ...params } = request as { bytes: Uint8Array<ArrayBuffer> };
        headers['content-type'] = 'application/octet-stream';
        headers['x-lookalike-params'] = encodeURIComponent(JSON.stringify(params));
        return post(method, { method: 'POST', headers, body: bytes });
      }
      headers['content-type'] = 'application/json';
      return post(method, { method: 'POST', headers, body: JSON.stringify(request) });
    },

    subscribe<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener);
      if (!source && !reconnect) connect();
      return () => set.delete(listener as Listener);
    },

    onConnectionChange(listener) {
      connectionListeners.add(listener);
      listener(connection);
      return () => connectionListeners.delete(listener);
    },

    imageUrl(ref, size) {
      return `api/image?${imageQueryString(ref, size)}&token=${encodeURIComponent(token)}`;
    },
  };
}
