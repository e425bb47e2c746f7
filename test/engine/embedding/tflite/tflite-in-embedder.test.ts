import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Embedder } from '../../../../src/engine/embedding/embedder.ts';
import { findCutPoint } from '../../../../src/engine/embedding/tflite/tflite-cut-point.ts';
import { readTfliteModel } from '../../../../src/engine/embedding/tflite/tflite-reader.ts';
import {
  dequantize,
  runTfliteReference,
} from '../../../../src/engine/embedding/tflite/tflite-reference-interpreter.ts';
import { convertTfliteModel } from '../../../../src/engine/embedding/tflite/tflite-to-onnx.ts';
import { makeTempDir, seededRandom } from '../../../fixtures/synthetic-photos.ts';
import { TINY_TFLITE_DIM, tinyTfliteClassifier } from '../../../fixtures/tiny-tflite-model.ts';
import { cosine, normalize } from '../../../fixtures/vector-library.ts';

describe('a converted TensorFlow Lite model in the embedder', () => {
  it('turns pixels into the L2-normalised features of the TensorFlow Lite model, as its manifest says', async () => {
    const tmp = makeTempDir('lookalike-tflite-embedder-');
    try {
      const bytes = tinyTfliteClassifier();
      const { onnx, manifest } = convertTfliteModel(bytes);
      const modelPath = path.join(tmp.dir, 'tiny.onnx');
      writeFileSync(modelPath, onnx);
      const embedder = await Embedder.start({
        manifest: {
          ...manifest,
          id: 'tiny-tflite',
          file: 'tiny.onnx',
          sha256: createHash('sha256').update(onnx).digest('hex'),
        },
        modelPath,
        workerUrl: new URL('../../../../src/engine/embedding/embed-worker.ts', import.meta.url),
        device: 'cpu',
        threads: 1,
      });
      try {
        const model = readTfliteModel(bytes);
        const cut = findCutPoint(model);
        const q = model.tensors[cut.tensor]!.quantization!;
        const rnd = seededRandom(31);
        // Pixels at the model's size, as the decoder hands them over (RGB, HWC).
        const [w, h] = manifest.input.size;
        const images = Array.from({ length: 3 }, () =>
          Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rnd() * 256)),
        );
        const vectors = await embedder.embed(images);
        expect(vectors).toHaveLength(3);
        images.forEach((image, i) => {
          const features = dequantize(runTfliteReference(model, cut.tensor, image), {
            scale: q.scale[0]!,
            zeroPoint: q.zeroPoint[0]!,
          });
          const v = vectors[i]!;
          expect(v).toHaveLength(TINY_TFLITE_DIM);
          expect(Math.hypot(...v)).toBeCloseTo(1, 5);
          expect(cosine(v, normalize(features))).toBeGreaterThan(0.999);
        });
      } finally {
        await embedder.dispose();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
