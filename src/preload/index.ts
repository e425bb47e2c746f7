import { contextBridge, ipcRenderer } from 'electron';
import type { ApiTransport, ConnectionState } from '../shared/api-adapter.ts';
import type { ApiEventName, ApiEvents } from '../shared/api-contract.ts';
import { apiErrorFromBody } from '../shared/api-errors.ts';
import { IMAGE_HOST, IMAGE_SCHEME, IPC_CHANNELS, type IpcReply } from '../shared/desktop-ipc.ts';
import { imageQueryString } from '../shared/image-query-string.ts';

// The renderer's only window onto the app: an ApiTransport (see api-adapter.ts) over three IPC
// channels and the image protocol. Nothing else (no Node, no ipcRenderer) is ever exposed, and
// this file loads no libraries (a sandboxed preload cannot).

async function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, ...args)) as IpcReply;
  if (reply.ok) return reply.result;
  throw apiErrorFromBody({ error: reply.error }, 'The Lookalike engine failed');
}

type Listener = (payload: never) => void;
const listeners = new Map<ApiEventName, Set<Listener>>();
ipcRenderer.on(IPC_CHANNELS.event, (_event, name: ApiEventName, data: unknown) => {
  for (const listener of listeners.get(name) ?? []) (listener as (p: unknown) => void)(data);
});

const transport: ApiTransport = {
  capabilities: { transport: 'electron', canRevealInOS: true, canPickFolder: true },
  invoke: (method, request) => invoke(IPC_CHANNELS.call, method, request),
  subscribe<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => {
      set.delete(listener as Listener);
    };
  },
  onConnectionChange(listener: (state: ConnectionState) => void) {
    // The engine is a local process: the connection is open for the window's lifetime.
    queueMicrotask(() => listener('open'));
    return () => {};
  },
  imageUrl: (ref, size) => `${IMAGE_SCHEME}://${IMAGE_HOST}/?${imageQueryString(ref, size)}`,
  shell: {
    revealInOS: async (path) => {
      await invoke(IPC_CHANNELS.reveal, path);
    },
    pickFolder: async () => (await invoke(IPC_CHANNELS.pickFolder)) as string | null,
  },
};

contextBridge.exposeInMainWorld('lookalike', transport);
