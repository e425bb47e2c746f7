import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const sha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hexadecimal digits (a sha256)');
const rgb = (what: string) =>
  z.tuple([z.number(), z.number(), z.number()], {
    error: `${what} must be three numbers, for the R, G and B channels`,
  });

/** Where an installed model came from: shipped with the app, the catalog, or a person's own file. */
const modelOriginSchema = z.enum(['bundled', 'catalog', 'file']);
export type ModelOrigin = z.infer<typeof modelOriginSchema>;

/** What a model needs to turn pixels into its input tensor. */
const modelInputSchema = z.object({
  name: z.string().min(1, 'the input tensor needs a name (as in the ONNX graph)'),
  /** nchw: [batch, channels, height, width]; nhwc: [batch, height, width, channels]. */
  layout: z.enum(['nchw', 'nhwc'], { error: 'layout must be "nchw" or "nhwc"' }),
  dtype: z.enum(['float32', 'uint8'], { error: 'dtype must be "float32" or "uint8"' }),
  /** [width, height] in pixels. */
  size: z.tuple([z.number().int().min(8).max(4096), z.number().int().min(8).max(4096)], {
    error: 'size must be [width, height], whole numbers of pixels between 8 and 4096',
  }),
  /** squash: stretch the whole image to size; center-crop: cover then crop the middle. */
  resize: z.enum(['squash', 'center-crop'], { error: 'resize must be "squash" or "center-crop"' }),
  /** Per-channel (R, G, B) on the 0..255 scale: value = (pixel - mean) / std. Ignored for uint8. */
  mean: rgb('mean'),
  std: rgb('std').refine((s) => s.every((v) => v !== 0 && Number.isFinite(v)), 'std cannot contain 0'),
});

const modelOutputSchema = z.object({
  name: z.string().min(1, 'the output tensor needs a name (as in the ONNX graph)'),
  dim: z.number().int().min(2).max(65_536),
});

/**
 * The fields a person writes to describe a model (`lookalike models add file.onnx --manifest
 * m.json`): everything but the installed file's name, which the installer chooses. A hash or size
 * given here is that of the file handed to the installer.
 */
export const modelDescriptionSchema = z.object({
  id: z
    .string()
    .max(64, 'id is at most 64 characters')
    .regex(
      /^[a-z0-9][a-z0-9._-]*$/,
      'id must start with a lower-case letter or digit and hold only a-z, 0-9, ".", "_" and "-"',
    ),
  name: z.string().min(1, 'the model needs a name people can read'),
  input: modelInputSchema,
  output: modelOutputSchema,
  /** Applied in order to each output row; the result is what is stored and searched. */
  postprocess: z.array(
    z.enum(['signed-sqrt', 'l2'], { error: 'postprocess steps are "signed-sqrt" or "l2"' }),
  ),
  license: z.string().optional(),
  /** Where the weights come from (a URL, a package, an export recipe). */
  source: z.string().optional(),
  /** What the model is good and bad at, in plain words (shown next to it in Settings). */
  notes: z.string().optional(),
  /**
   * Whether searches re-rank by neighbourhood expansion by default (search/neighbour-expansion.ts).
   * It pays off only where similarities spread out enough to tell neighbours apart, so it is a
   * measured choice per model (BENCHMARKS.md, "Re-ranking"); off when absent.
   */
  rerank: z.boolean().optional(),
  /** sha256 of the file the person gives, when known: the install refuses any other file. */
  sha256: sha256Schema.optional(),
  /** Size in bytes of the file the person gives, when known: a shorter one is reported as truncated. */
  bytes: z.number().int().positive().optional(),
});
export type ModelDescription = z.infer<typeof modelDescriptionSchema>;

/**
 * A model is this manifest plus an ONNX file. Everything the ingest pipeline needs to turn pixels
 * into the model's input, and the model's output into a unit vector, is described here so that
 * another ONNX model plugs in without code changes.
 */
export const modelManifestSchema = modelDescriptionSchema.extend({
  /** ONNX file name, in the manifest's folder. */
  file: z
    .string()
    .min(1)
    .refine((f) => path.basename(f) === f && f !== '.' && f !== '..', 'file must be a plain file name'),
  /** sha256 of the ONNX file: checked every time the model is loaded. */
  sha256: sha256Schema,
  /** Size of the ONNX file in bytes. */
  bytes: z.number().int().positive().optional(),
  /** The file the person gave or downloaded, when the ONNX file was converted from it. */
  sourceFile: z.object({ sha256: sha256Schema, bytes: z.number().int().positive() }).optional(),
  origin: modelOriginSchema.optional(),
  /** When it was installed (ms since the epoch). */
  installedAt: z.number().int().nonnegative().optional(),
  /** Embedding speed measured when it was installed, on that computer. */
  speed: z
    .object({
      imagesPerSecond: z.number().positive(),
      provider: z.string(),
      threads: z.number().int().positive(),
      batch: z.number().int().positive(),
    })
    .optional(),
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelSpeed = NonNullable<ModelManifest['speed']>;

export interface LoadedManifest {
  manifest: ModelManifest;
  /** Absolute path of the ONNX file. */
  modelPath: string;
}

/** A manifest that does not fit the schema or cannot be read; the message says what to fix. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Validates a parsed manifest; `where` names it in the message (a file path). */
export function parseModelManifest(raw: unknown, where: string): ModelManifest {
  return parseWith(modelManifestSchema, raw, where);
}

/** Validates a person's model description (a manifest without file and sha256). */
export function parseModelDescription(raw: unknown, where: string): ModelDescription {
  return parseWith(modelDescriptionSchema, raw, where);
}

function parseWith<S extends z.ZodType>(schema: S, raw: unknown, where: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.map(
    (i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`,
  );
  throw new ManifestError(`The model manifest ${where} is not valid:\n  ${problems.join('\n  ')}`);
}

/** Reads a JSON file, saying which file and why when it cannot. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ManifestError(`Cannot read the model manifest ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // JSON.parse quotes the start of the text: say where it breaks, not what the file holds.
    const where = / at position .*$/.exec((err as Error).message)?.[0] ?? '';
    throw new ManifestError(`The model manifest ${file} is not valid JSON${where}.`);
  }
}

export function readModelManifest(manifestPath: string): LoadedManifest {
  const manifest = parseModelManifest(readJsonFile(manifestPath), manifestPath);
  return { manifest, modelPath: path.resolve(path.dirname(manifestPath), manifest.file) };
}
