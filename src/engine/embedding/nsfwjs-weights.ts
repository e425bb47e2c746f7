import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { KerasModelTopology, KerasWeight } from './keras-to-onnx.ts';

const require = createRequire(import.meta.url);

/** The converted model's hash depends on these exact weights, so refuse any other release. */
export const NSFWJS_VERSION = '4.4.0';

export interface KerasWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export type KerasWeightsManifest = { paths: string[]; weights: KerasWeightSpec[] }[];

export interface NsfwjsModel {
  version: string;
  modelTopology: KerasModelTopology;
  weightsManifest: KerasWeightsManifest;
  /** The concatenated weight file, exactly as tfjs would fetch it. */
  weightData: Uint8Array;
  /** Dequantized weights by their Keras name (e.g. `Conv1/kernel`). */
  weights: Map<string, KerasWeight>;
}

interface NsfwjsModelModule {
  modelTopology: KerasModelTopology;
  weightsManifest: KerasWeightsManifest;
}

function nsfwjsRoot(): string {
  // The package's `exports` map hides dist/models, so resolve its entry point and walk up to the
  // package root; requiring an absolute path bypasses `exports`.
  let dir = path.dirname(require.resolve('nsfwjs'));
  while (!existsSync(path.join(dir, 'package.json')) || !isNsfwjsPackage(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Could not locate the nsfwjs package root');
    dir = parent;
  }
  return dir;
}

function isNsfwjsPackage(dir: string): boolean {
  const pkg = require(path.join(dir, 'package.json')) as { name?: string };
  return pkg.name === 'nsfwjs';
}

/**
 * Dequantizes the way tfjs-core's io_utils decodeWeights does (`q * scale + min` in double
 * precision, stored as float32), so the ONNX weights equal what tfjs runs.
 */
export function decodeKerasWeights(
  specs: readonly KerasWeightSpec[],
  data: Uint8Array,
): Map<string, KerasWeight> {
  const out = new Map<string, KerasWeight>();
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    const q = spec.quantization;
    if (spec.dtype !== 'float32') throw new Error(`Weight ${spec.name}: unsupported dtype ${spec.dtype}`);
    if (q === undefined) {
      const view = new DataView(data.buffer, data.byteOffset + offset, size * 4);
      for (let i = 0; i < size; i++) values[i] = view.getFloat32(i * 4, true);
      offset += size * 4;
    } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      if (q.min === undefined || q.scale === undefined) {
        throw new Error(`Weight ${spec.name}: ${q.dtype} quantization without min/scale`);
      }
      const bytesPer = q.dtype === 'uint8' ? 1 : 2;
      const view = new DataView(data.buffer, data.byteOffset + offset, size * bytesPer);
      for (let i = 0; i < size; i++) {
        const v = bytesPer === 1 ? view.getUint8(i) : view.getUint16(i * 2, true);
        values[i] = v * q.scale + q.min;
      }
      offset += size * bytesPer;
    } else {
      throw new Error(`Weight ${spec.name}: unsupported quantization ${q.dtype}`);
    }
    if (offset > data.length) throw new Error(`Weight data ends inside ${spec.name}`);
    out.set(spec.name, { shape: [...spec.shape], values });
  }
  if (offset !== data.length) {
    throw new Error(`Weight data has ${data.length - offset} unexpected trailing bytes`);
  }
  return out;
}

/** Loads nsfwjs's bundled Keras MobileNetV2 (model JSON + base64 weight shard) from node_modules. */
export function loadNsfwjsMobilenetV2(): NsfwjsModel {
  const root = nsfwjsRoot();
  const { version } = require(path.join(root, 'package.json')) as { version: string };
  if (version !== NSFWJS_VERSION) {
    throw new Error(`Expected nsfwjs@${NSFWJS_VERSION}, found ${version}`);
  }
  const dir = path.join(root, 'dist', 'models', 'mobilenet_v2');
  const model = require(path.join(dir, 'model.min.js')) as NsfwjsModelModule;
  const shard = require(path.join(dir, 'group1-shard1of1.min.js')) as unknown;
  if (typeof shard !== 'string') throw new Error('nsfwjs weight shard is not a base64 string');
  if (model.weightsManifest.length !== 1 || model.weightsManifest[0]?.paths.length !== 1) {
    throw new Error('Expected the nsfwjs MobileNetV2 weights in a single shard');
  }
  const buf = Buffer.from(shard, 'base64');
  const weightData = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const specs = model.weightsManifest.flatMap((group) => group.weights);
  return {
    version,
    modelTopology: model.modelTopology,
    weightsManifest: model.weightsManifest,
    weightData,
    weights: decodeKerasWeights(specs, weightData),
  };
}
