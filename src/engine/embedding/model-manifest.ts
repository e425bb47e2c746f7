import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * A model is this manifest plus an ONNX file. Everything the ingest pipeline needs to turn pixels
 * into the model's input, and the model's output into a unit vector, is described here so that
 * another ONNX model plugs in without code changes.
 */
export const modelManifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string(),
  /** ONNX file name, relative to the manifest's folder. */
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.object({
    name: z.string(),
    /** nchw: [batch, channels, height, width]; nhwc: [batch, height, width, channels]. */
    layout: z.enum(['nchw', 'nhwc']),
    dtype: z.enum(['float32', 'uint8']),
    /** [width, height] in pixels. */
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    /** squash: stretch the whole image to size; center-crop: cover then crop the middle. */
    resize: z.enum(['squash', 'center-crop']),
    /** Per-channel (R, G, B) on the 0..255 scale: value = (pixel - mean) / std. Ignored for uint8. */
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
  }),
  output: z.object({
    name: z.string(),
    dim: z.number().int().positive(),
  }),
  /** Applied in order to each output row; the result is what is stored and searched. */
  postprocess: z.array(z.enum(['signed-sqrt', 'l2'])),
  license: z.string().optional(),
  source: z.string().optional(),
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export interface LoadedManifest {
  manifest: ModelManifest;
  /** Absolute path of the ONNX file. */
  modelPath: string;
}

export function readModelManifest(manifestPath: string): LoadedManifest {
  const raw: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const manifest = modelManifestSchema.parse(raw);
  return { manifest, modelPath: path.resolve(path.dirname(manifestPath), manifest.file) };
}
