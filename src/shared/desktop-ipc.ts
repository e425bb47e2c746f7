import type { ApiErrorCode } from './api-errors.ts';

// The desktop app's IPC between preload and main. No runtime imports: the sandboxed preload
// bundles this file and may load no libraries.

/** What the main process's IPC handlers answer the preload: a result, or an error it rebuilds as ApiError. */
export type IpcReply<T = unknown> =
  { ok: true; result: T } | { ok: false; error: { code: ApiErrorCode; message: string } };

/** The IPC channels between preload and main. */
export const IPC_CHANNELS = {
  call: 'lookalike:call',
  event: 'lookalike:event',
  reveal: 'lookalike:reveal',
  pickFolder: 'lookalike:pick-folder',
  /** The native picker for a model file (.onnx, .tflite). */
  pickModelFile: 'lookalike:pick-model-file',
  /** Opens a library photo with the system's default app for its type. */
  openPath: 'lookalike:open-path',
  /** Starts dragging a library photo out of the window, to other apps (as a file). */
  startDrag: 'lookalike:start-drag',
  /** The engine's state now (invoke), and every change of it (main → window). */
  engineState: 'lookalike:engine-state',
  engineStateChanged: 'lookalike:engine-state-changed',
  /** After the engine was given up on: start it again. */
  restartEngine: 'lookalike:restart-engine',
} as const;

/**
 * The engine utility process as the main process sees it: running, waiting to be restarted after
 * it died, or given up on after dying soon after every start.
 */
export type EngineConnection =
  | { state: 'connecting' | 'open' | 'closed' }
  | { state: 'restarting'; attempt: number; delayMs: number }
  | { state: 'failed'; message: string };

/** The custom scheme windows load pictures from: `lookalike-image://image/?path=…&size=thumb`. */
export const IMAGE_SCHEME = 'lookalike-image';
export const IMAGE_HOST = 'image';
