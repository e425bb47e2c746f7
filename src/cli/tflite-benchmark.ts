import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { packInputSync } from '../engine/embedding/model-tensor.ts';
import { findCutPoint } from '../engine/embedding/tflite/tflite-cut-point.ts';
import { readTfliteModel } from '../engine/embedding/tflite/tflite-reader.ts';
import { dequantize, runTfliteReference } from '../engine/embedding/tflite/tflite-reference-interpreter.ts';
import { convertTfliteModel, type QuantizationMode } from '../engine/embedding/tflite/tflite-to-onnx.ts';
import { decodeForModel } from '../engine/imaging/image-decoder.ts';
import { isImageName } from '../engine/library/folder-scanner.ts';

export interface TfliteModeReport {
  mode: QuantizationMode;
  /** Best of three conversions, in milliseconds. */
  convertMs: number;
  onnxBytes: number;
  cosine: { min: number; median: number };
  /** Largest and mean absolute difference of the features, in real units and in quantization steps. */
  maxAbs: number;
  meanAbs: number;
  maxSteps: number;
}

export interface TfliteBenchmarkReport {
  model: string;
  features: string;
  dim: number;
  photos: number;
  modes: TfliteModeReport[];
  text: string;
}

/**
 * How closely the converted ONNX model reproduces the TensorFlow Lite model's own integer
 * arithmetic on real photos (decoded exactly as the app decodes them), for each way of carrying
 * quantization into ONNX, and how long conversion takes.
 */
export async function runTfliteBenchmark(opts: {
  tflitePath: string;
  photosDir: string;
  photos: number;
  log?: (line: string) => void;
}): Promise<TfliteBenchmarkReport> {
  const log = opts.log ?? (() => undefined);
  const bytes = new Uint8Array(readFileSync(opts.tflitePath));
  const model = readTfliteModel(bytes);
  const cut = findCutPoint(model);
  const features = model.tensors[cut.tensor]!;
  const q = { scale: features.quantization!.scale[0]!, zeroPoint: features.quantization!.zeroPoint[0] ?? 0 };

  const all = readdirSync(opts.photosDir).filter(isImageName).sort();
  if (all.length === 0) throw new Error(`${opts.photosDir} has no photos`);
  const step = Math.max(1, Math.floor(all.length / opts.photos));
  const files = all.filter((_, i) => i % step === 0).slice(0, opts.photos);

  const converted = (['float', 'qdq'] as const).map((mode) => {
    let best = Infinity;
    let result = convertTfliteModel(bytes, { quantization: mode });
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      result = convertTfliteModel(bytes, { quantization: mode });
      best = Math.min(best, performance.now() - t);
    }
    return { mode, result, convertMs: best };
  });
  const input = converted[0]!.result.manifest.input;
  const sessions = await Promise.all(
    converted.map((c) =>
      ort.InferenceSession.create(c.result.onnx, { intraOpNumThreads: os.availableParallelism() }),
    ),
  );

  const stats = converted.map(() => ({ cosines: [] as number[], maxAbs: 0, sumAbs: 0, count: 0 }));
  for (const file of files) {
    const { rgb } = await decodeForModel(readFileSync(path.join(opts.photosDir, file)), input);
    const reference = dequantize(runTfliteReference(model, cut.tensor, rgb), q);
    const [w, h] = input.size;
    const feeds = { [input.name]: new ort.Tensor('float32', packInputSync([rgb], input), [1, 3, h, w]) };
    for (let m = 0; m < sessions.length; m++) {
      const out = await sessions[m]!.run(feeds);
      const got = out[converted[m]!.result.manifest.output.name]!.data as Float32Array;
      const s = stats[m]!;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < got.length; i++) {
        const d = Math.abs(got[i]! - reference[i]!);
        s.maxAbs = Math.max(s.maxAbs, d);
        s.sumAbs += d;
        dot += got[i]! * reference[i]!;
        na += got[i]! ** 2;
        nb += reference[i]! ** 2;
      }
      s.count += got.length;
      s.cosines.push(na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : na === nb ? 1 : 0);
    }
    log(
      `${file}: ${stats.map((s, m) => `${converted[m]!.mode} cosine ${s.cosines.at(-1)!.toFixed(5)}`).join(', ')}`,
    );
  }
  await Promise.all(sessions.map((s) => s.release()));

  const modes: TfliteModeReport[] = converted.map((c, m) => {
    const s = stats[m]!;
    const sorted = [...s.cosines].sort((a, b) => a - b);
    return {
      mode: c.mode,
      convertMs: c.convertMs,
      onnxBytes: c.result.onnx.length,
      cosine: { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]! },
      maxAbs: s.maxAbs,
      meanAbs: s.sumAbs / s.count,
      maxSteps: s.maxAbs / q.scale,
    };
  });
  const columns: [string, number][] = [
    ['mode', 6],
    ['convert', 7],
    ['ONNX size', 9],
    ['cosine min', 10],
    ['cosine median', 13],
    ['max |diff|', 18],
    ['mean |diff|', 11],
  ];
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(columns[i]![1]) : c.padStart(columns[i]![1]))).join('  ');
  const rows = modes.map((r) =>
    line([
      r.mode,
      `${r.convertMs.toFixed(0)} ms`,
      `${(r.onnxBytes / 2 ** 20).toFixed(1)} MB`,
      r.cosine.min.toFixed(5),
      r.cosine.median.toFixed(5),
      `${r.maxAbs.toFixed(3)} (${r.maxSteps.toFixed(0)} steps)`,
      r.meanAbs.toFixed(4),
    ]),
  );
  const header = line(columns.map(([name]) => name));
  const text = [
    `${path.basename(opts.tflitePath)}: features "${features.name}" (${cut.path.length} operators, ${features.shape.slice(1).reduce((a, b) => a * b, 1)}-d, step ${q.scale.toPrecision(4)})`,
    `against TensorFlow Lite's integer kernels on ${files.length} photos from ${opts.photosDir}:`,
    header,
    ...rows,
  ].join('\n');
  return {
    model: path.basename(opts.tflitePath),
    features: features.name,
    dim: converted[0]!.result.manifest.output.dim,
    photos: files.length,
    modes,
    text,
  };
}
