import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runModelsBenchmark } from '../../src/cli/models-benchmark.ts';
import type { LoadedManifest } from '../../src/engine/embedding/model-manifest.ts';
import { convertTfliteModel } from '../../src/engine/embedding/tflite/tflite-to-onnx.ts';
import { makeTempDir } from '../fixtures/synthetic-photos.ts';
import { tinyOnnxModel } from '../fixtures/tiny-onnx-model.ts';
import { tinyTfliteClassifier } from '../fixtures/tiny-tflite-model.ts';

describe('lookalike bench models', () => {
  const tmp = makeTempDir('lookalike-models-bench-');
  afterAll(() => tmp.cleanup());

  function install(
    id: string,
    onnx: Uint8Array,
    manifest: Omit<LoadedManifest['manifest'], 'id' | 'file' | 'sha256'>,
  ): LoadedManifest {
    const modelPath = path.join(tmp.dir, `${id}.onnx`);
    writeFileSync(modelPath, onnx);
    return { manifest: { ...manifest, id, file: `${id}.onnx`, sha256: '0'.repeat(64) }, modelPath };
  }

  it('measures every model on every available provider and batch size, and says why a provider is missing', async () => {
    const tiny = tinyOnnxModel();
    const converted = convertTfliteModel(tinyTfliteClassifier());
    const models = [
      install('tiny-onnx', tiny.bytes, tiny.description),
      install('tiny-tflite', converted.onnx, converted.manifest),
    ];
    const report = await runModelsBenchmark({
      models,
      providers: ['cpu', 'no-such-provider'],
      batches: [1, 3],
      threads: 1,
      seconds: 0.05,
    });
    expect(report.rows.map((r) => `${r.model}/${r.provider}/${r.batch}`)).toEqual([
      'tiny-onnx/cpu/1',
      'tiny-onnx/cpu/3',
      'tiny-tflite/cpu/1',
      'tiny-tflite/cpu/3',
    ]);
    for (const row of report.rows) {
      expect(row.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(report.unavailable.map((u) => [u.model, u.provider])).toEqual([
      ['tiny-onnx', 'no-such-provider'],
      ['tiny-tflite', 'no-such-provider'],
    ]);
    expect(report.unavailable[0]!.reason).toMatch(/not included in this onnxruntime build/);
    const lines = report.text.split('\n');
    expect(lines.find((l) => l.startsWith('model'))).toMatch(/provider\s+batch 1\s+batch 3$/);
    expect(
      lines.filter((l) => /^tiny-(onnx|tflite)\s+cpu\s+[\d.]+ \([\d.]+\)\s+[\d.]+ \([\d.]+\)$/.test(l)),
    ).toHaveLength(2);
    // Missing for every model, so said once.
    expect(lines.filter((l) => l.startsWith('no-such-provider: not available'))).toHaveLength(1);
  });
});
