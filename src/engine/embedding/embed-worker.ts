import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { EmbedWorkerData, WorkerReply, WorkerRequest } from './embed-protocol.ts';
import { openSession } from './execution-provider.ts';
import { packInputSync, unpackOutputSync } from './model-tensor.ts';

/**
 * Inference thread: ONNX Runtime's run() occupies the calling thread for the whole batch, so it
 * lives here, never on a thread that serves the UI or the event loop of the engine.
 */
const data = workerData as EmbedWorkerData;
const port = parentPort!;
const post = (msg: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

async function start(): Promise<void> {
  const { manifest, modelPath } = data;
  const bytes = await readFile(modelPath).catch((err: Error) => {
    throw new Error(`The model file ${modelPath} cannot be read (${err.message}). Run the install again.`);
  });
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== manifest.sha256) {
    throw new Error(`The model file ${modelPath} is damaged or not the expected one (sha256 ${sha}).`);
  }
  const opened = await openSession(modelPath, data.device, data.threads);
  const [w, h] = manifest.input.size;
  const dims = (n: number): number[] => (manifest.input.layout === 'nchw' ? [n, 3, h, w] : [n, h, w, 3]);

  port.on('message', (req: WorkerRequest) => {
    if (req.type === 'close') {
      void opened.session.release().finally(() => process.exit(0));
      return;
    }
    void (async () => {
      try {
        const t0 = performance.now();
        const input = new ort.Tensor(
          manifest.input.dtype,
          packInputSync(req.images, manifest.input),
          dims(req.images.length),
        );
        const out = await opened.session.run({ [manifest.input.name]: input });
        const tensor = out[manifest.output.name];
        if (!tensor) throw new Error(`the model has no output named ${manifest.output.name}`);
        const vectors = unpackOutputSync(tensor.data as Float32Array, req.images.length, manifest);
        post(
          { type: 'embedded', id: req.id, vectors, ms: performance.now() - t0 },
          vectors.map((v) => v.buffer as ArrayBuffer),
        );
      } catch (err) {
        post({ type: 'error', id: req.id, message: (err as Error).message });
      }
    })();
  });
  post({ type: 'ready', provider: opened.provider, fallbacks: opened.fallbacks });
}

start().catch((err: Error) => post({ type: 'failed', message: err.message }));
