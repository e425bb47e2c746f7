import { contextBridge, ipcRenderer } from 'electron';
import type { ApiTransport, ConnectionState } from '../shared/api-adapter.ts';
import type { ApiEventName, ApiEvents } from '../shared/api-contract.ts';
import { apiErrorFromBody } from '../shared/api-errors.ts';
import {
  type EngineConnection,
  IMAGE_HOST,
  IMAGE_SCHEME,
  IPC_CHANNELS,
  type IpcReply,
} from '../shared/desktop-ipc.ts';
import { imageQueryString } from '../shared/image-query-string.ts';

// The renderer's only window onto the app: an ApiTransport (see api-adapter.ts) over the IPC
// channels of desktop-ipc.ts and the image protocol. Nothing else (no Node, no ipcRenderer) is ever exposed, and
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

/** The engine utility process's state, as the window's connection. */
function connectionOf(engine: EngineConnection): ConnectionState {
  switch (engine.state) {
    case 'open':
      return 'open';
    case 'connecting':
    case 'closed': // the app is quitting: nothing to tell
      return 'connecting';
    case 'restarting':
      return 'restarting';
    case 'failed':
      return 'failed';
  }
}

const connectionListeners = new Set<(state: ConnectionState) => void>();
let connection: ConnectionState = 'connecting';
function setConnection(state: ConnectionState): void {
  if (state === connection) return;
  connection = state;
  for (const listener of connectionListeners) listener(state);
}
ipcRenderer.on(IPC_CHANNELS.engineStateChanged, (_event, state: EngineConnection) =>
  setConnection(connectionOf(state)),
);
void invoke(IPC_CHANNELS.engineState).then(
  (state) => setConnection(connectionOf(state as EngineConnection)),
  () => setConnection('failed'),
);

const transport: ApiTransport = {
  capabilities: { transport: 'electron', canRevealInOS: true, canPickFolder: true, canPickModelFile: true },
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
    connectionListeners.add(listener);
    listener(connection);
    return () => {
      connectionListeners.delete(listener);
    };
  },
  imageUrl: (ref, size) => `${IMAGE_SCHEME}://${IMAGE_HOST}/?${imageQueryString(ref, size)}`,
  shell: {
    revealInOS: async (path) => {
      await invoke(IPC_CHANNELS.reveal, path);
    },
    pickFolder: async () => (await invoke(IPC_CHANNELS.pickFolder)) as string | null,
    pickModelFile: async () => (await invoke(IPC_CHANNELS.pickModelFile)) as string | null,
    openInOS: async (path) => {
      await invoke(IPC_CHANNELS.openPath, path);
    },
    startDrag: async (path) => {
      await invoke(IPC_CHANNELS.startDrag, path);
    },
    restartEngine: async () => {
      await invoke(IPC_CHANNELS.restartEngine);
    },
  },
};

contextBridge.exposeInMainWorld('lookalike', transport);
