/**
 * Builds the bundled default embedding model from nsfwjs's MobileNetV2, offline and reproducibly:
 *   node src/engine/embedding/build-default-model.ts              # build, verify against manifest
 *   node src/engine/embedding/build-default-model.ts --print-sha  # print the hash, write nothing
 * The manifest's sha256 pins the output, so a changed converter or nsfwjs release cannot slip a
 * different model into the app unnoticed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from './file-hash.ts';
import { encodeOnnxModel, kerasToOnnx } from './keras-to-onnx.ts';
import { BUNDLED_MODEL_ID } from './model-catalog.ts';
import { readModelManifest } from './model-manifest.ts';
import { loadNsfwjsMobilenetV2 } from './nsfwjs-weights.ts';

export const DEFAULT_MODEL_FILE = `${BUNDLED_MODEL_ID}.onnx`;
export const DEFAULT_MODEL_CUT_LAYER = 'block_13_expand_relu';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEFAULT_MODELS_DIR = path.join(repoRoot, 'resources', 'models');
export const DEFAULT_MANIFEST_PATH = path.join(DEFAULT_MODELS_DIR, `${BUNDLED_MODEL_ID}.json`);

export interface BuiltModel {
  bytes: Uint8Array;
  sha256: string;
}

/** Converts in memory; touches no files. */
export function convertDefaultModel(): BuiltModel {
  const nsfwjs = loadNsfwjsMobilenetV2();
  const model = kerasToOnnx(nsfwjs.modelTopology, nsfwjs.weights, {
    cutLayer: DEFAULT_MODEL_CUT_LAYER,
    inputName: 'input',
    outputName: 'embedding',
    docString:
      `MobileNetV2 from nsfwjs@${nsfwjs.version} (MIT), cut at ${DEFAULT_MODEL_CUT_LAYER} + global ` +
      'average pool. Input: RGB / 255, NCHW. Output: raw pooled features.',
    metadata: [
      ['source', `nsfwjs@${nsfwjs.version} dist/models/mobilenet_v2`],
      ['license', 'MIT'],
      ['cut_layer', DEFAULT_MODEL_CUT_LAYER],
    ],
  });
  const bytes = encodeOnnxModel(model);
  return { bytes, sha256: sha256Hex(bytes) };
}

/**
 * Converts and writes `<outDir>/mobilenet-v2-nsfwjs-b13.onnx` atomically. With `expectedSha256`,
 * a mismatching model throws before anything is written.
 */
export function buildDefaultModel(outDir: string, expectedSha256?: string): BuiltModel & { path: string } {
  const built = convertDefaultModel();
  if (expectedSha256 !== undefined && built.sha256 !== expectedSha256) {
    throw new Error(
      `Converted model sha256 ${built.sha256} does not match the manifest's ${expectedSha256}. ` +
        'If the converter or nsfwjs changed on purpose, run with --print-sha and update the manifest.',
    );
  }
  mkdirSync(outDir, { recursive: true });
  const target = path.join(outDir, DEFAULT_MODEL_FILE);
  // Same-directory temp file so rename is atomic: a crash never leaves a truncated model behind.
  const temp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, built.bytes);
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  return { ...built, path: target };
}

function main(args: string[]): number {
  if (args.includes('--print-sha')) {
    console.log(convertDefaultModel().sha256);
    return 0;
  }
  const { manifest, modelPath } = readModelManifest(DEFAULT_MANIFEST_PATH);
  if (manifest.file !== DEFAULT_MODEL_FILE) {
    console.error(
      `${DEFAULT_MANIFEST_PATH} names ${manifest.file}, but this script builds ${DEFAULT_MODEL_FILE}`,
    );
    return 1;
  }
  if (existsSync(modelPath) && sha256Hex(readFileSync(modelPath)) === manifest.sha256) {
    console.log(`${path.relative(repoRoot, modelPath)} is up to date (sha256 ${manifest.sha256})`);
    return 0;
  }
  try {
    const built = buildDefaultModel(path.dirname(modelPath), manifest.sha256);
    console.log(
      `Wrote ${path.relative(repoRoot, built.path)} (${built.bytes.length} bytes, sha256 ${built.sha256})`,
    );
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    return 1;
  }
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
