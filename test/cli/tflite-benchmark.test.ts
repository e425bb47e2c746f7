import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { runTfliteBenchmark } from '../../src/cli/tflite-benchmark.ts';
import { makeTempDir, sceneSvg } from '../fixtures/synthetic-photos.ts';
import {
  TINY_TFLITE_DIM,
  TINY_TFLITE_FEATURES,
  tinyTfliteClassifier,
} from '../fixtures/tiny-tflite-model.ts';

describe('lookalike bench tflite', () => {
  const tmp = makeTempDir('lookalike-tflite-bench-');
  afterAll(() => tmp.cleanup());

  it('compares both quantization modes with the integer kernels on decoded photos', async () => {
    const modelPath = path.join(tmp.dir, 'tiny.tflite');
    writeFileSync(modelPath, tinyTfliteClassifier());
    const photos = path.join(tmp.dir, 'photos');
    mkdirSync(photos);
    for (const seed of [1, 2, 3]) {
      await sharp(Buffer.from(sceneSvg(seed)))
        .jpeg()
        .toFile(path.join(photos, `scene-${seed}.jpg`));
    }
    const report = await runTfliteBenchmark({ tflitePath: modelPath, photosDir: photos, photos: 2 });
    expect(report.features).toBe(TINY_TFLITE_FEATURES);
    expect(report.dim).toBe(TINY_TFLITE_DIM);
    expect(report.photos).toBe(2);
    expect(report.modes.map((m) => m.mode)).toEqual(['float', 'qdq']);
    for (const m of report.modes) {
      expect(m.cosine.min).toBeGreaterThan(0.99);
      expect(m.cosine.median).toBeGreaterThanOrEqual(m.cosine.min);
      expect(m.maxSteps).toBeLessThanOrEqual(4);
      expect(Number.isFinite(m.convertMs)).toBe(true);
    }
    expect(report.text).toMatch(/^mode\s+convert\s+ONNX size\s+cosine min/m);
    expect(report.text).toMatch(/^qdq\s+\d+ ms/m);
  });
});
