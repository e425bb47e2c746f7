import { z } from 'zod';
import { modelIdSchema } from './library-api.ts';

/**
 * The models part of the API: what is installed and what the catalog offers, installing one
 * (downloaded from the catalog, or a file on this computer) and removing one.
 */

/** A model as Settings and `lookalike models list --json` show it. */
export interface ModelInfo {
  id: string;
  name: string;
  /** installed: on this computer (the bundled one always is); available: in the catalog, not installed. */
  status: 'installed' | 'available';
  /** Where an installed model came from; null for an available one. */
  origin: 'bundled' | 'catalog' | 'file' | null;
  /** How an available model is installed: downloaded by the app, or added from a file the person has. */
  install: 'download' | 'file' | null;
  /** Installed: the ONNX file's size. Available: the download's size, or a typical export's. */
  bytes: number;
  /** The vector length; null for a catalog model whose dimension is known only after conversion. */
  dim: number | null;
  license: string | null;
  source: string | null;
  notes: string | null;
  recommended: boolean;
  /** The model answering this library's searches. */
  active: boolean;
  /** Measured embedding speed on this computer, when known. */
  imagesPerSecond: number | null;
  /** Where to read how to get a model the app does not download (a docs page). */
  docs: string | null;
  /** ms since the epoch; null when not installed, 0 for the bundled model. */
  installedAt: number | null;
}

export const installModelSchema = z.union([
  z.strictObject({ catalogId: modelIdSchema }),
  z.strictObject({
    /** An ONNX or TensorFlow Lite file on this computer (absolute path). */
    path: z
      .string()
      .trim()
      .min(1, 'a path is needed')
      .max(4096)
      .refine((p) => /\.(onnx|tflite)$/i.test(p), 'a model file ends in .onnx or .tflite'),
    /** For an ONNX file: the catalog model it is (uses its manifest)… */
    catalogId: modelIdSchema.optional(),
    /** …or its own manifest, a JSON file on this computer (docs/models.md). */
    manifestPath: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .refine((p) => /\.json$/i.test(p), 'a manifest file ends in .json')
      .optional(),
  }),
]);

export const removeModelSchema = z.strictObject({ id: modelIdSchema });

/** An install to stop, named as its `modelInstall` events name it (a catalog id, or the file's path). */
export const cancelModelInstallSchema = z.strictObject({ request: z.string().trim().min(1).max(4096) });

/** Pushed while a model installs: downloading (with bytes), then the checks, then done or failed. */
export interface ModelInstallEvent {
  /** The catalog id, or the file's path, as the request gave it. */
  request: string;
  phase: 'downloading' | 'verifying' | 'converting' | 'checking' | 'installing' | 'done' | 'failed';
  receivedBytes?: number;
  totalBytes?: number | null;
  bytesPerSecond?: number;
  /** The installed model's id (done). */
  id?: string;
  /** Why it failed (failed). */
  message?: string;
}
