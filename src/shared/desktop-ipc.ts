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
} as const;

/** The custom scheme windows load pictures from: `lookalike-image://image/?path=…&size=thumb`. */
export const IMAGE_SCHEME = 'lookalike-image';
export const IMAGE_HOST = 'image';
