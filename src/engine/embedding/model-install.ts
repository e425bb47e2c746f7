import { copyFile, mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type LoadedManifest,
  type ModelDescription,
  type ModelManifest,
  type ModelOrigin,
  parseModelManifest,
} from './model-manifest.ts';
import { sha256Hex, sha256OfFile } from './file-hash.ts';
import { ModelInstallError } from './model-install-error.ts';
import { checkModelRuns } from './model-run-check.ts';
import { convertTfliteModel, isTfliteModel, TfliteModelError } from './tflite/tflite-to-onnx.ts';

export { type InstallRefusal, ModelInstallError } from './model-install-error.ts';

export type InstallPhase = 'verifying' | 'converting' | 'checking' | 'installing';

export interface InstallFileOptions {
  /** The models folder: the model ends up in `<dir>/<id>/`. */
  dir: string;
  /** The file as given: an ONNX model, or a TensorFlow Lite one (converted here). */
  sourcePath: string;
  /** How to describe the model: needed for ONNX; for TFLite it names it (tensors come from the file). */
  description?: Partial<ModelDescription>;
  origin: ModelOrigin;
  /** The model already installed (or bundled) under an id, if any. */
  existing: (id: string) => LoadedManifest | undefined;
  /** For a TensorFlow Lite file: how its features are best fed and post-processed (measured per model). */
  convert?: TfliteTuning;
  onPhase?: (phase: InstallPhase) => void;
  now?: () => number;
}

export interface TfliteTuning {
  resize?: ModelManifest['input']['resize'];
  postprocess?: ModelManifest['postprocess'];
  rerank?: boolean;
}

export const MODEL_FILE_NAME = 'model.onnx';
export const MANIFEST_FILE_NAME = 'manifest.json';
/** Temporary folders of installs in progress start with this; anything left over is a killed install. */
export const INSTALL_TEMP_PREFIX = '.install-';

/** A model file that cannot be read, said in words (not an fs error code). */
function unreadable(file: string, err: NodeJS.ErrnoException): ModelInstallError {
  const why =
    err.code === 'ENOENT'
      ? 'there is no such file'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : err.code === 'EISDIR'
          ? 'it is a folder, not a file'
          : (err.code ?? err.message);
  return new ModelInstallError('unreadable', `Cannot read ${file}: ${why}`);
}

/**
 * Installs a model atomically: everything is written and checked in a temporary folder inside the
 * models folder (so the final rename stays on one file system), and only a model that loads, runs
 * and gives the promised dimension is renamed into place. Returns the installed model; installing
 * the same file under the same id again returns the one already there.
 */
export async function installModelFile(o: InstallFileOptions): Promise<LoadedManifest> {
  const size = await stat(o.sourcePath).then(
    (s) => {
      if (!s.isFile()) throw new ModelInstallError('unreadable', `${o.sourcePath} is not a file`);
      return s.size;
    },
    (err: NodeJS.ErrnoException) => {
      throw unreadable(o.sourcePath, err);
    },
  );
  if (size === 0) throw new ModelInstallError('truncated', `${o.sourcePath} is empty (0 bytes)`);
  const header = await readHeader(o.sourcePath).catch((err: NodeJS.ErrnoException) => {
    throw unreadable(o.sourcePath, err);
  });

  let temp: string;
  try {
    await mkdir(o.dir, { recursive: true });
    temp = await mkdtemp(path.join(o.dir, INSTALL_TEMP_PREFIX));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      throw new ModelInstallError(
        'unwritable',
        `A file is in the way of the models folder ${o.dir}; move it elsewhere and try again.`,
      );
    }
    throw storageError(o.dir, err);
  }
  try {
    return await installInto(temp, o, isTfliteModel(header), size);
  } catch (err) {
    throw storageError(o.dir, err);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Errors of the models folder's disk (full, read-only, no permission) as a refusal saying so. */
function storageError(dir: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code || !['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM'].includes(code)) return err;
  const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full' : `it cannot be written (${code})`;
  return new ModelInstallError(
    'unwritable',
    `The model cannot be installed in ${dir}: ${why}. Nothing was installed.`,
  );
}

/** TensorFlow Lite files are converted in memory; the MobileNet family is a few megabytes. */
const MAX_TFLITE_BYTES = 512 * 1024 * 1024;

async function installInto(
  temp: string,
  o: InstallFileOptions,
  tflite: boolean,
  size: number,
): Promise<LoadedManifest> {
  const modelPath = path.join(temp, MODEL_FILE_NAME);
  o.onPhase?.('verifying');
  let description: Partial<ModelDescription>;
  let sourceFile: ModelManifest['sourceFile'];
  /** The installed model.onnx. */
  let written: { sha256: string; bytes: number };
  if (tflite) {
    if (size > MAX_TFLITE_BYTES) {
      throw new ModelInstallError(
        'unloadable',
        `${path.basename(o.sourcePath)} is a ${(size / 2 ** 20).toFixed(0)} MB TensorFlow Lite file; only image classifiers up to ${MAX_TFLITE_BYTES / 2 ** 20} MB are converted.`,
      );
    }
    const bytes = await readFile(o.sourcePath);
    const sha = sha256Hex(bytes);
    checkExpected(o.sourcePath, bytes.length, sha, o.description);
    o.onPhase?.('converting');
    const converted = convertTflite(bytes, o.sourcePath, o.convert);
    await writeFile(modelPath, converted.onnx);
    written = { sha256: sha256Hex(converted.onnx), bytes: converted.onnx.length };
    description = { ...converted.description, ...textFields(o.description) };
    sourceFile = { sha256: sha, bytes: bytes.length };
  } else {
    if (!o.description?.input || !o.description.output || !o.description.postprocess) {
      throw new ModelInstallError(
        'needs-manifest',
        `${path.basename(o.sourcePath)} needs a manifest saying how to feed it and read its output ` +
          '(lookalike models add <file.onnx> --manifest <manifest.json>; see docs/models.md)',
      );
    }
    await copyFile(o.sourcePath, modelPath);
    written = { sha256: await sha256OfFile(modelPath), bytes: (await stat(modelPath)).size };
    checkExpected(o.sourcePath, written.bytes, written.sha256, o.description);
    description = o.description;
  }
  const id = description.id ?? idFromFileName(o.sourcePath);

  const { sha256, bytes } = written;
  const manifest = parseModelManifest(
    {
      ...description,
      id,
      name: description.name ?? id,
      file: MODEL_FILE_NAME,
      sha256,
      bytes,
      ...(sourceFile ? { sourceFile } : {}),
      origin: o.origin,
      installedAt: (o.now ?? Date.now)(),
    },
    `for ${path.basename(o.sourcePath)}`,
  );
  const already = o.existing(manifest.id);
  if (already) return sameOrRefuse(already, manifest);

  o.onPhase?.('checking');
  manifest.speed = await checkModelRuns(modelPath, manifest);

  o.onPhase?.('installing');
  await writeFile(path.join(temp, MANIFEST_FILE_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  const target = path.join(o.dir, manifest.id);
  try {
    await rename(temp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM') throw err;
    // Another install of the same id won the race.
    const winner = o.existing(manifest.id);
    if (winner) return sameOrRefuse(winner, manifest);
    throw new ModelInstallError(
      'id-taken',
      `The folder ${target} is in the way; move it elsewhere and try again.`,
    );
  }
  return { manifest, modelPath: path.join(target, MODEL_FILE_NAME) };
}

function sameOrRefuse(already: LoadedManifest, manifest: ModelManifest): LoadedManifest {
  if (already.manifest.sha256 === manifest.sha256) return already;
  throw new ModelInstallError(
    'id-taken',
    `A different model is already installed as "${manifest.id}"; give this one another id in its manifest, ` +
      `or remove that one first (lookalike models remove ${manifest.id}).`,
  );
}

function checkExpected(
  file: string,
  size: number,
  sha: string,
  d: Partial<ModelDescription> | undefined,
): void {
  const name = path.basename(file);
  if (d?.bytes !== undefined && size < d.bytes) {
    throw new ModelInstallError(
      'truncated',
      `${name} is truncated: it has ${size} bytes of the ${d.bytes} expected. Download or copy it again.`,
    );
  }
  if (d?.sha256 !== undefined && sha !== d.sha256) {
    throw new ModelInstallError(
      'wrong-hash',
      `${name} is not the expected file: its sha256 is ${sha}, expected ${d.sha256}.`,
    );
  }
}

function textFields(d: Partial<ModelDescription> | undefined): Partial<ModelDescription> {
  const out: Partial<ModelDescription> = {};
  for (const key of ['id', 'name', 'license', 'source', 'notes'] as const) {
    if (d?.[key] !== undefined) out[key] = d[key];
  }
  return out;
}

/** A valid id from a file name: "MobileNet_V2 (1).onnx" → "mobilenet_v2-1". */
export function idFromFileName(file: string): string {
  const stem = path.basename(file).replace(/\.[^.]*$/, '');
  const slug = stem
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
  return slug || 'model';
}

function convertTflite(
  bytes: Uint8Array,
  file: string,
  tuning: TfliteTuning = {},
): { onnx: Uint8Array; description: Partial<ModelDescription> } {
  try {
    const converted = convertTfliteModel(bytes, {
      ...(tuning.resize ? { resize: tuning.resize } : {}),
      ...(tuning.postprocess ? { postprocess: tuning.postprocess } : {}),
    });
    return {
      onnx: converted.onnx,
      description: {
        ...converted.manifest,
        ...(tuning.rerank !== undefined ? { rerank: tuning.rerank } : {}),
      },
    };
  } catch (err) {
    if (!(err instanceof TfliteModelError)) throw err;
    throw new ModelInstallError(
      err.kind === 'corrupt' ? 'truncated' : 'unloadable',
      `${path.basename(file)} cannot be converted from TensorFlow Lite: ${err.message}`,
    );
  }
}

async function readHeader(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await handle.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
