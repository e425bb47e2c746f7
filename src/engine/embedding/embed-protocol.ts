import type { ModelManifest } from './model-manifest.ts';
import type { ProviderAttempt } from './execution-provider.ts';

/** Messages between the engine and the inference worker thread. */
export interface EmbedWorkerData {
  manifest: ModelManifest;
  modelPath: string;
  device: string;
  threads: number;
}

export type WorkerRequest = { type: 'embed'; id: number; images: Uint8Array[] } | { type: 'close' };

export type WorkerReply =
  | { type: 'ready'; provider: string; fallbacks: ProviderAttempt[] }
  | { type: 'failed'; message: string }
  | { type: 'embedded'; id: number; vectors: Float32Array[]; ms: number }
  | { type: 'error'; id: number; message: string };
