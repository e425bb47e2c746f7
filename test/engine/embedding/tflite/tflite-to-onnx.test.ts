import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { modelManifestSchema } from '../../../../src/engine/embedding/model-manifest.ts';
import { packInputSync } from '../../../../src/engine/embedding/model-tensor.ts';
import { findCutPoint } from '../../../../src/engine/embedding/tflite/tflite-cut-point.ts';
import {
  dequantize,
  runTfliteReference,
} from '../../../../src/engine/embedding/tflite/tflite-reference-interpreter.ts';
import { readTfliteModel } from '../../../../src/engine/embedding/tflite/tflite-reader.ts';
import { BuiltinOperator, TensorType } from '../../../../src/engine/embedding/tflite/tflite-schema.ts';
import {
  convertTfliteModel,
  isTfliteModel,
  TfliteModelError,
  type QuantizationMode,
} from '../../../../src/engine/embedding/tflite/tflite-to-onnx.ts';
import { seededRandom } from '../../../fixtures/synthetic-photos.ts';
import { tinyOnnxModel } from '../../../fixtures/tiny-onnx-model.ts';
import {
  TINY_TFLITE_DIM,
  TINY_TFLITE_FEATURES,
  tinyTfliteClassifier,
} from '../../../fixtures/tiny-tflite-model.ts';
import { cosine } from '../../../fixtures/vector-library.ts';

const SIZE = 16;

async function runOnnx(
  onnx: Uint8Array,
  data: Float32Array | Uint8Array,
  batch: number,
  size: number,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', data, [batch, 3, size, size]) });
    return out['embedding']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function expectRefused(bytes: Uint8Array, kind: TfliteModelError['kind'], message: RegExp): void {
  let caught: unknown;
  try {
    convertTfliteModel(bytes);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TfliteModelError);
  expect((caught as TfliteModelError).kind).toBe(kind);
  expect((caught as Error).message).toMatch(message);
}

describe('TensorFlow Lite → ONNX (a synthetic MobileNet-shaped model)', () => {
  const bytes = tinyTfliteClassifier();

  it('recognises TensorFlow Lite files by their identifier', () => {
    expect(isTfliteModel(bytes)).toBe(true);
    expect(isTfliteModel(tinyOnnxModel().bytes)).toBe(false);
    expect(isTfliteModel(new Uint8Array([1, 2, 3]))).toBe(false);
  });

  it('cuts at the classifier input and describes the model in a valid manifest', () => {
    const { manifest, report } = convertTfliteModel(bytes, { name: 'Tiny' });
    expect(report.featuresTensor).toBe(TINY_TFLITE_FEATURES);
    expect(report.featuresDim).toBe(TINY_TFLITE_DIM);
    expect(report.pool).toBe('AVERAGE_POOL_2D (operator 6)');
    expect(report.classifier).toBe('CONV_2D (operator 7)');
    expect(report.converted).toEqual({ CONV_2D: 3, DEPTHWISE_CONV_2D: 1, ADD: 1, AVERAGE_POOL_2D: 2 });
    expect(report.dropped).toEqual({ CONV_2D: 1, RESHAPE: 1, SOFTMAX: 1 });
    expect(report.perChannel).toBe(true);
    // The input quantization (scale 1/128, zero point 128) becomes mean/std on the 0..255 scale.
    expect(manifest.input).toEqual({
      name: 'input',
      layout: 'nchw',
      dtype: 'float32',
      size: [SIZE, SIZE],
      resize: 'center-crop',
      mean: [128, 128, 128],
      std: [128, 128, 128],
    });
    expect(manifest.output).toEqual({ name: 'embedding', dim: TINY_TFLITE_DIM });
    expect(manifest.name).toBe('Tiny');
    expect(manifest.postprocess).toEqual(['l2']);
    const full = modelManifestSchema.parse({
      ...manifest,
      id: 'tiny',
      file: 'model.onnx',
      sha256: 'a'.repeat(64),
    });
    expect(full.output.dim).toBe(TINY_TFLITE_DIM);
  });

  it('is reproducible byte for byte', () => {
    expect(convertTfliteModel(bytes).onnx).toEqual(convertTfliteModel(bytes).onnx);
    expect(convertTfliteModel(bytes, { quantization: 'qdq' }).onnx).toEqual(
      convertTfliteModel(bytes, { quantization: 'qdq' }).onnx,
    );
  });

  // Tolerances in units of the features' quantization step (6/255).
  const tolerance: Record<QuantizationMode, { maxSteps: number; cosine: number }> = {
    float: { maxSteps: 4, cosine: 0.999 },
    qdq: { maxSteps: 2, cosine: 0.9995 },
  };
  for (const head of ['conv', 'reshape-fc'] as const) {
    for (const mode of ['float', 'qdq'] as const) {
      it(`matches TensorFlow Lite's integer arithmetic (${head} classifier, ${mode})`, async () => {
        const file = tinyTfliteClassifier({ head });
        const model = readTfliteModel(file);
        const cut = findCutPoint(model);
        const q = model.tensors[cut.tensor]!.quantization!;
        const step = q.scale[0]!;
        const { onnx, manifest } = convertTfliteModel(file, { quantization: mode });
        const rnd = seededRandom(21);
        const images = Array.from({ length: 6 }, () =>
          Uint8Array.from({ length: SIZE * SIZE * 3 }, () => Math.floor(rnd() * 256)),
        );
        // All six as one batch: the batch dimension is dynamic and rows stay independent.
        const out = await runOnnx(onnx, packInputSync(images, manifest.input), images.length, SIZE);
        let spread = 0;
        images.forEach((image, i) => {
          const ref = dequantize(runTfliteReference(model, cut.tensor, image), {
            scale: step,
            zeroPoint: q.zeroPoint[0]!,
          });
          const got = out.slice(i * TINY_TFLITE_DIM, (i + 1) * TINY_TFLITE_DIM);
          for (let k = 0; k < TINY_TFLITE_DIM; k++) {
            expect(Math.abs(got[k]! - ref[k]!) / step).toBeLessThanOrEqual(tolerance[mode].maxSteps);
          }
          expect(cosine(got, ref)).toBeGreaterThan(tolerance[mode].cosine);
          spread += new Set(ref).size;
        });
        // The features vary (the comparison is not between two saturated vectors).
        expect(spread / images.length).toBeGreaterThan(8);
      });
    }
  }

  it('cuts at the input of a FULLY_CONNECTED classifier, through a RESHAPE', () => {
    const { report, manifest } = convertTfliteModel(tinyTfliteClassifier({ head: 'reshape-fc' }));
    expect(report.featuresTensor).toBe(`${TINY_TFLITE_FEATURES}/flat`);
    expect(report.classifier).toBe('FULLY_CONNECTED (operator 8)');
    expect(report.converted).toEqual({
      CONV_2D: 3,
      DEPTHWISE_CONV_2D: 1,
      ADD: 1,
      AVERAGE_POOL_2D: 2,
      RESHAPE: 1,
    });
    expect(report.dropped).toEqual({ FULLY_CONNECTED: 1, SOFTMAX: 1 });
    expect(manifest.output.dim).toBe(TINY_TFLITE_DIM);
  });
});

describe('TensorFlow Lite files that cannot be converted', () => {
  const bytes = tinyTfliteClassifier();

  it('refuses a truncated file at any length', () => {
    const rnd = seededRandom(4);
    for (let i = 0; i < 60; i++) {
      const cut = 8 + Math.floor(rnd() * (bytes.length - 9));
      expectRefused(bytes.subarray(0, cut), 'corrupt', /truncated or corrupt/);
    }
    expectRefused(bytes.subarray(0, 5), 'not-tflite', /too short/);
  });

  it('never fails on a damaged file with anything but a reason', () => {
    // Random bytes changed anywhere: either still a convertible model (weights carry no checksum;
    // the installer's sha256 covers that) or refused as corrupt or unsupported.
    const rnd = seededRandom(8);
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const damaged = bytes.slice();
      for (let k = 0; k < 3; k++)
        damaged[8 + Math.floor(rnd() * (damaged.length - 8))] = Math.floor(rnd() * 256);
      try {
        convertTfliteModel(damaged);
        seen.add('converted');
      } catch (err) {
        expect(err).toBeInstanceOf(TfliteModelError);
        seen.add((err as TfliteModelError).kind);
      }
    }
    expect([...seen].sort()).toEqual(['converted', 'corrupt', 'unsupported']);
  });

  it('refuses a file with damaged offsets', () => {
    const damaged = bytes.slice();
    new DataView(damaged.buffer).setUint32(0, bytes.length + 1000, true);
    expectRefused(damaged, 'corrupt', /outside the/);
  });

  it('refuses a file that is not TensorFlow Lite', () => {
    const renamed = bytes.slice();
    renamed.set(new TextEncoder().encode('ONNX'), 4);
    expectRefused(renamed, 'not-tflite', /not a TensorFlow Lite model/);
    expectRefused(tinyOnnxModel().bytes, 'not-tflite', /not a TensorFlow Lite model/);
  });

  it('names an unsupported operator on the way to the features', () => {
    const withMaxPool = tinyTfliteClassifier({ replaceOperator: { at: 4, code: 17 } });
    expectRefused(withMaxPool, 'unsupported', /operator 4 \(MAX_POOL_2D\) is not supported/);
    const withMul = tinyTfliteClassifier({ replaceOperator: { at: 3, code: 18 } });
    expectRefused(withMul, 'unsupported', /operator 3 \(MUL\)/);
  });

  it('ignores unsupported operators after the features', () => {
    const logisticHead = tinyTfliteClassifier({ replaceOperator: { at: 9, code: 14 } });
    const { report } = convertTfliteModel(logisticHead);
    expect(report.dropped).toEqual({ CONV_2D: 1, RESHAPE: 1, LOGISTIC: 1 });
  });

  it('refuses a model that is not uint8-quantized', () => {
    const int8 = tinyTfliteClassifier({ inputType: TensorType.INT8 });
    expectRefused(int8, 'unsupported', /is INT8; only uint8-quantized models are supported/);
    const float = tinyTfliteClassifier({ inputType: TensorType.FLOAT32 });
    expectRefused(float, 'unsupported', /is FLOAT32/);
  });

  it('refuses a model without a pooling layer', () => {
    expectRefused(tinyTfliteClassifier({ withoutPool: true }), 'unsupported', /no AVERAGE_POOL_2D/);
  });

  it('refuses other schema versions', () => {
    expect(readTfliteModel(bytes).version).toBe(3);
    expectRefused(tinyTfliteClassifier({ version: 2 }), 'unsupported', /schema version 2/);
  });

  it('reads operator codes from either opcode field', () => {
    // The fixture writes CONV_2D only in deprecated_builtin_code and DEPTHWISE_CONV_2D only in
    // builtin_code, as files from older and newer converters do.
    const codes = readTfliteModel(bytes).operators.map((o) => o.code);
    expect(codes.slice(0, 2)).toEqual([BuiltinOperator.CONV_2D, BuiltinOperator.DEPTHWISE_CONV_2D]);
  });
});
