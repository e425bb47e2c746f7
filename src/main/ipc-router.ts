import { access } from 'node:fs/promises';
import path from 'node:path';
import { ipcMain as electronIpcMain, type IpcMain, type IpcMainInvokeEvent } from 'electron';
import { describeSchemaError } from '../shared/api-adapter.ts';
import { apiMethods, isApiMethod, pathSchema } from '../shared/api-contract.ts';
import { ApiError } from '../shared/api-errors.ts';
import { IPC_CHANNELS, type IpcReply } from '../shared/desktop-ipc.ts';
import type { EngineHostSupervisor } from './engine-host-supervisor.ts';

/** What the router needs of the engine host (an EngineHostSupervisor). */
export type RouterHost = Pick<
  EngineHostSupervisor,
  'call' | 'isInsideLibrary' | 'onEvent' | 'state' | 'onStateChange' | 'retry'
>;

/** The sender's identity as Electron reports it on an invoke. */
export type SenderInfo = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

export interface IpcRouterOptions {
  host: RouterHost;
  /** Our windows' webContents: the only senders answered and the receivers of events. */
  windows: () => ReadonlyArray<EventTarget & { id: number }>;
  /** The dev server's URL while developing (ELECTRON_RENDERER_URL); pages from file:// otherwise. */
  devServerUrl?: string | undefined;
  showItemInFolder: (path: string) => void;
  /** Opens a file with its default app; resolves to '' or, as shell.openPath does, an error message. */
  openPath: (path: string) => Promise<string>;
  /** Starts dragging a file out of the sender's window (webContents.startDrag). */
  startDrag: (sender: SenderInfo['sender'], path: string) => Promise<void>;
  /** Shows the native folder picker for the sender's window. */
  pickFolder: (sender: SenderInfo['sender']) => Promise<string | null>;
  /** Shows the native picker for a model file (.onnx, .tflite) for the sender's window. */
  pickModelFile?: (sender: SenderInfo['sender']) => Promise<string | null>;
  ipcMain?: Pick<IpcMain, 'handle' | 'removeHandler'>;
  log?: (message: string, err?: unknown) => void;
}

/** A page of ours: the top frame of one of our windows, loaded from file:// or the dev server. */
export function isTrustedSender(
  event: SenderInfo,
  windowIds: ReadonlySet<number>,
  devServerUrl?: string,
): boolean {
  if (!windowIds.has(event.sender.id)) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  if (url.protocol === 'file:') return true;
  if (!devServerUrl) return false;
  try {
    return url.origin === new URL(devServerUrl).origin;
  } catch {
    return false;
  }
}

function failure(err: unknown, log: (message: string, err?: unknown) => void): IpcReply<never> {
  if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } };
  log('an IPC call failed', err);
  return { ok: false, error: { code: 'internal', message: 'Something went wrong inside Lookalike' } };
}

/**
 * The main process's IPC: checks who is calling and that the call fits the contract before
 * anything reaches the engine host, and forwards the host's events to our windows.
 * Returns a function that removes the handlers and stops forwarding.
 */
export function registerIpcRouter(options: IpcRouterOptions): () => void {
  const ipc = options.ipcMain ?? electronIpcMain;
  const log = options.log ?? ((m, e) => console.error(`lookalike: ${m}`, e ?? ''));
  const { host } = options;

  function guarded<A extends unknown[]>(
    handler: (event: IpcMainInvokeEvent, ...args: A) => Promise<unknown>,
  ): (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<IpcReply> {
    return async (event, ...args) => {
      try {
        const ids = new Set(options.windows().map((w) => w.id));
        if (!isTrustedSender(event, ids, options.devServerUrl)) {
          throw new ApiError('forbidden', 'Only the Lookalike window may call the engine');
        }
        return { ok: true, result: await handler(event, ...(args as A)) };
      } catch (err) {
        return failure(err, log);
      }
    };
  }

  ipc.handle(
    IPC_CHANNELS.call,
    guarded(async (_event, method: unknown, payload: unknown) => {
      if (typeof method !== 'string' || !isApiMethod(method)) {
        throw new ApiError('not-found', `There is no API method "${String(method)}"`);
      }
      const parsed = apiMethods[method].request.safeParse(payload ?? {});
      if (!parsed.success) {
        throw new ApiError('bad-request', `Invalid ${method} request: ${describeSchemaError(parsed.error)}`);
      }
      return host.call(method, parsed.data);
    }),
  );

  /** A path from the window, checked against the contract and then by the engine: library files only. */
  async function libraryPath(raw: unknown, what: string): Promise<string> {
    const parsed = pathSchema.safeParse(raw);
    if (!parsed.success) throw new ApiError('bad-request', describeSchemaError(parsed.error));
    // The OS gets the very path the engine approved: absolute, with any `..` resolved.
    const file = path.isAbsolute(parsed.data) ? path.resolve(parsed.data) : null;
    if (file !== null && (await host.isInsideLibrary(file))) return file;
    // The usual reason is a result deleted since the search: say so rather than "not allowed".
    if (
      file !== null &&
      !(await access(file).then(
        () => true,
        () => false,
      ))
    ) {
      throw new ApiError('not-found', `${file} is no longer there (deleted or moved?)`);
    }
    throw new ApiError('forbidden', `Only photos and folders of the library can be ${what}: ${parsed.data}`);
  }

  ipc.handle(
    IPC_CHANNELS.reveal,
    guarded(async (_event, raw: unknown) => {
      options.showItemInFolder(await libraryPath(raw, 'shown'));
      return null;
    }),
  );

  ipc.handle(
    IPC_CHANNELS.openPath,
    guarded(async (_event, raw: unknown) => {
      const file = await libraryPath(raw, 'opened');
      const problem = await options.openPath(file);
      if (problem) throw new ApiError('unavailable', `Could not open ${file}: ${problem}`);
      return null;
    }),
  );

  ipc.handle(
    IPC_CHANNELS.startDrag,
    guarded(async (event, raw: unknown) => {
      await options.startDrag(event.sender, await libraryPath(raw, 'dragged out'));
      return null;
    }),
  );

  ipc.handle(
    IPC_CHANNELS.engineState,
    guarded(async () => host.state),
  );

  ipc.handle(
    IPC_CHANNELS.restartEngine,
    guarded(async () => {
      host.retry();
      return null;
    }),
  );

  ipc.handle(
    IPC_CHANNELS.pickFolder,
    guarded(async (event) => options.pickFolder(event.sender)),
  );

  ipc.handle(
    IPC_CHANNELS.pickModelFile,
    guarded(async (event) => (options.pickModelFile ? options.pickModelFile(event.sender) : null)),
  );

  const broadcast = (channel: string, ...args: unknown[]): void => {
    for (const target of options.windows()) if (!target.isDestroyed()) target.send(channel, ...args);
  };
  const stopEvents = host.onEvent((message) => broadcast(IPC_CHANNELS.event, message.event, message.data));
  const stopStates = host.onStateChange((state) => broadcast(IPC_CHANNELS.engineStateChanged, state));

  return () => {
    stopEvents();
    stopStates();
    for (const channel of [
      IPC_CHANNELS.call,
      IPC_CHANNELS.reveal,
      IPC_CHANNELS.openPath,
      IPC_CHANNELS.startDrag,
      IPC_CHANNELS.pickFolder,
      IPC_CHANNELS.pickModelFile,
      IPC_CHANNELS.engineState,
      IPC_CHANNELS.restartEngine,
    ]) {
      ipc.removeHandler(channel);
    }
  };
}
