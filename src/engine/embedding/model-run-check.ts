import os from 'node:os';
import ort from 'onnxruntime-node';
import { ModelInstallError } from './model-install-error.ts';
import type { ModelManifest, ModelSpeed } from './model-manifest.ts';
import { packInputSync } from './model-tensor.ts';

/** Pictures per run when the engine indexes (the ingest batch size), and so when speed is measured. */
const SPEED_BATCH = 8;

/**
 * Loads the model with ONNX Runtime and runs it on generated pictures: the file must be a model,
 * take the manifest's input, give one finite vector of the manifest's dimension per picture, and
 * take several pictures at once (the engine embeds in batches). Returns the speed it measured on
 * this computer's CPU.
 */
export async function checkModelRuns(modelPath: string, manifest: ModelManifest): Promise<ModelSpeed> {
  const threads = Math.max(1, Math.floor(os.availableParallelism() / 2));
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
  } catch (err) {
    throw new ModelInstallError(
      'unloadable',
      `The file is not a model ONNX Runtime can load (it may be truncated, damaged or another format): ${firstLine(err)}`,
    );
  }
  try {
    const { input, output } = manifest;
    if (!session.inputNames.includes(input.name)) {
      throw new ModelInstallError(
        'unloadable',
        `The model has no input named "${input.name}" (its inputs: ${session.inputNames.join(', ')}); fix input.name in the manifest.`,
      );
    }
    if (!session.outputNames.includes(output.name)) {
      throw new ModelInstallError(
        'unloadable',
        `The model has no output named "${output.name}" (its outputs: ${session.outputNames.join(', ')}); fix output.name in the manifest.`,
      );
    }
    const [w, h] = input.size;
    const run = async (batch: number): Promise<ort.Tensor> => {
      const pictures = Array.from({ length: batch }, (_, i) => testPicture(w, h, i));
      const dims = input.layout === 'nchw' ? [batch, 3, h, w] : [batch, h, w, 3];
      const tensor = new ort.Tensor(input.dtype, packInputSync(pictures, input), dims);
      const result = await session.run({ [input.name]: tensor }, [output.name]);
      return result[output.name]!;
    };

    let out: ort.Tensor;
    try {
      out = await run(1);
    } catch (err) {
      throw new ModelInstallError(
        'unloadable',
        `The model does not run on a ${w}×${h} ${input.dtype} ${input.layout.toUpperCase()} picture as the manifest describes: ${firstLine(err)}`,
      );
    }
    if (out.type !== 'float32') {
      throw new ModelInstallError(
        'unloadable',
        `The model's output "${output.name}" is ${out.type}, not float32.`,
      );
    }
    const values = out.data as Float32Array;
    if (values.length !== output.dim) {
      throw new ModelInstallError(
        'wrong-dimension',
        `The model gives ${values.length} numbers per picture (shape [${out.dims.join(', ')}]), but the manifest says output.dim is ${output.dim}.`,
      );
    }
    if (!values.every(Number.isFinite)) {
      throw new ModelInstallError('unloadable', `The model's output contains NaN or infinite values.`);
    }

    const started = performance.now();
    let batched: ort.Tensor | undefined;
    try {
      batched = await run(SPEED_BATCH);
    } catch {
      // Reported below: a fixed batch dimension is the usual cause.
    }
    if (batched?.data.length !== SPEED_BATCH * output.dim) {
      throw new ModelInstallError(
        'unloadable',
        `The model takes only one picture at a time (its batch dimension is fixed), but Lookalike embeds ${SPEED_BATCH} at once; export it with a dynamic batch axis.`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      imagesPerSecond: Math.round((SPEED_BATCH / seconds) * 10) / 10,
      provider: 'cpu',
      threads,
      batch: SPEED_BATCH,
    };
  } finally {
    await session.release();
  }
}

/** A smooth colour ramp with a few edges: exercises every channel and position of the input. */
function testPicture(w: number, h: number, variant = 0): Uint8Array {
  const img = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      img[i] = Math.round((255 * x) / (w - 1));
      img[i + 1] = Math.round((255 * y) / (h - 1));
      img[i + 2] = ((x + variant * 5) >> 4) % 2 === (y >> 4) % 2 ? 200 : 40;
    }
  }
  return img;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? 'unknown error';
}
