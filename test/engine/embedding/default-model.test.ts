import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDefaultModel,
  DEFAULT_MANIFEST_PATH,
  DEFAULT_MODEL_CUT_LAYER,
  DEFAULT_MODEL_FILE,
} from '../../../src/engine/embedding/build-default-model.ts';
import { sha256Hex } from '../../../src/engine/embedding/file-hash.ts';
import { BUNDLED_MODEL_ID } from '../../../src/engine/embedding/model-catalog.ts';
import {
  encodeOnnxModel,
  kerasToOnnx,
  type KerasModelTopology,
  type KerasWeight,
} from '../../../src/engine/embedding/keras-to-onnx.ts';
import { readModelManifest } from '../../../src/engine/embedding/model-manifest.ts';
import { loadNsfwjsMobilenetV2 } from '../../../src/engine/embedding/nsfwjs-weights.ts';
import { seededRandom } from '../../fixtures/synthetic-photos.ts';

const SIZE = 224;
const TOLERANCE = 1e-4;

/** Random 8-bit images scaled the way nsfwjs feeds them (/255), as NHWC. */
function randomImages(count: number, h: number, w: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(count * h * w * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256) / 255;
  return out;
}

function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + k]!;
      }
    }
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function runOnnx(modelPath: string, nhwc: Float32Array, dims: [number, number, number, number]) {
  const [n, h, w, c] = dims;
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
  try {
    const result = await session.run({
      input: new ort.Tensor('float32', nhwcToNchw(nhwc, n, h, w, c), [n, c, h, w]),
    });
    const embedding = result['embedding'];
    if (embedding === undefined) throw new Error('no embedding output');
    return { dims: [...embedding.dims], data: embedding.data as Float32Array };
  } finally {
    await session.release();
  }
}

/** Keras-side reference: the tfjs model cut at `layer`, then averaged over H and W. */
function pooledReference(
  model: tf.LayersModel,
  layer: string,
  nhwc: Float32Array,
  dims: number[],
): Float32Array {
  const cut = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
  return tf.tidy(() => {
    const features = cut.predict(tf.tensor4d(nhwc, dims as [number, number, number, number])) as tf.Tensor;
    return features.mean([1, 2]).dataSync() as Float32Array;
  });
}

let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lookalike-default-model-'));
  await tf.setBackend('cpu');
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('default model manifest', () => {
  it('validates against the manifest schema and describes the converted model', () => {
    const { manifest, modelPath } = readModelManifest(DEFAULT_MANIFEST_PATH);
    expect(manifest.id).toBe(BUNDLED_MODEL_ID);
    expect(manifest.file).toBe(DEFAULT_MODEL_FILE);
    expect(path.basename(modelPath)).toBe(DEFAULT_MODEL_FILE);
    expect(manifest.input).toMatchObject({
      name: 'input',
      layout: 'nchw',
      dtype: 'float32',
      size: [224, 224],
    });
    // nsfwjs feeds the network pixel / 255 (core.js `infer`), nothing else.
    expect(manifest.input.mean).toEqual([0, 0, 0]);
    expect(manifest.input.std).toEqual([255, 255, 255]);
    expect(manifest.output).toEqual({ name: 'embedding', dim: 576 });
    expect(manifest.source).toContain(DEFAULT_MODEL_CUT_LAYER);
  });
});

describe('buildDefaultModel', () => {
  it('is byte-for-byte reproducible and matches the manifest hash', () => {
    const first = buildDefaultModel(path.join(tmp, 'a'));
    const second = buildDefaultModel(path.join(tmp, 'b'));
    expect(sha256Hex(readFileSync(first.path))).toBe(first.sha256);
    expect(sha256Hex(readFileSync(second.path))).toBe(first.sha256);
    expect(first.sha256).toBe(readModelManifest(DEFAULT_MANIFEST_PATH).manifest.sha256);
  });

  it('refuses to write a model whose hash differs from the expected one', () => {
    const dir = path.join(tmp, 'mismatch');
    expect(() => buildDefaultModel(dir, '0'.repeat(64))).toThrow(/does not match/);
    expect(() => readFileSync(path.join(dir, DEFAULT_MODEL_FILE))).toThrow();
  });
});

describe('parity with tfjs', () => {
  it('matches the Keras model cut at block_13_expand_relu within 1e-4', async () => {
    const built = buildDefaultModel(path.join(tmp, 'parity'));
    const nsfwjs = loadNsfwjsMobilenetV2();
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: nsfwjs.modelTopology,
        weightSpecs: nsfwjs.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
        weightData: nsfwjs.weightData.slice().buffer,
      }),
    );
    const images = randomImages(2, SIZE, SIZE, 20240611);

    const onnx = await runOnnx(built.path, images, [2, SIZE, SIZE, 3]);
    const reference = pooledReference(model, DEFAULT_MODEL_CUT_LAYER, images, [2, SIZE, SIZE, 3]);
    model.dispose();

    expect(onnx.dims).toEqual([2, 576]);
    // Guard against a trivially equal pair (e.g. both all zeros).
    expect(Math.max(...reference)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(onnx.data, reference)).toBeLessThan(TOLERANCE);
  });

  it("pads like TensorFlow for 'same' strided, depthwise-multiplier and explicit-pad layers", async () => {
    // The nsfwjs graph only uses stride-2 convs after ZeroPadding2D; exercise the other paths on a
    // tiny odd-sized functional model, where an off-by-one in asymmetric padding would show.
    const rand = seededRandom(7);
    const input = tf.input({ shape: [11, 13, 3], name: 'in' });
    let x = tf.layers
      .conv2d({ name: 'c1', filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: true })
      .apply(input);
    x = tf.layers.batchNormalization({ name: 'bn1', epsilon: 1e-3 }).apply(x);
    x = tf.layers.reLU({ name: 'r1', maxValue: 6 }).apply(x);
    x = tf.layers
      .depthwiseConv2d({ name: 'd1', kernelSize: [3, 2], strides: 2, padding: 'same', depthMultiplier: 2 })
      .apply(x);
    x = tf.layers
      .zeroPadding2d({
        name: 'p1',
        padding: [
          [1, 0],
          [2, 1],
        ],
      })
      .apply(x);
    x = tf.layers.activation({ name: 'a1', activation: 'relu' }).apply(x);
    x = tf.layers
      .conv2d({ name: 'c2', filters: 5, kernelSize: 2, padding: 'valid', activation: 'relu' })
      .apply(x);
    const model = tf.model({ inputs: input, outputs: x as tf.SymbolicTensor });
    for (const w of model.weights) {
      const values = w.read();
      const positive = w.originalName.endsWith('moving_variance');
      w.write(
        tf.tensor(
          Float32Array.from({ length: values.size }, () => (positive ? 0.5 + rand() : rand() * 2 - 1)),
          values.shape,
        ),
      );
    }

    const weights = new Map<string, KerasWeight>(
      model.weights.map((w) => [
        w.originalName,
        { shape: [...w.shape] as number[], values: w.read().dataSync() as Float32Array },
      ]),
    );
    const topology = { model_config: model.toJSON(null, false) } as unknown as KerasModelTopology;
    const images = randomImages(2, 11, 13, 99);
    const reference = pooledReference(model, 'c2', images, [2, 11, 13, 3]);
    for (const foldBatchNorm of [true, false]) {
      const file = path.join(tmp, `tiny-fold-${foldBatchNorm}.onnx`);
      writeFileSync(file, encodeOnnxModel(kerasToOnnx(topology, weights, { cutLayer: 'c2', foldBatchNorm })));
      const onnx = await runOnnx(file, images, [2, 11, 13, 3]);
      expect(onnx.dims).toEqual([2, 5]);
      expect(maxAbsDiff(onnx.data, reference)).toBeLessThan(1e-5);
    }
    model.dispose();
  });
});
