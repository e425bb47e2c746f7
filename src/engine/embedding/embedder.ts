import { Worker } from 'node:worker_threads';
import type { EmbedWorkerData, WorkerReply, WorkerRequest } from './embed-protocol.ts';
import type { ProviderAttempt } from './execution-provider.ts';
import type { ModelManifest } from './model-manifest.ts';

export interface EmbedderOptions {
  manifest: ModelManifest;
  modelPath: string;
  /** The compiled (or, under tests, TypeScript) embed-worker entry. */
  workerUrl: URL;
  device: string;
  threads: number;
}

/** The engine's handle on the inference thread: embeds batches of decoded images. */
export class Embedder {
  readonly manifest: ModelManifest;
  readonly provider: string;
  readonly fallbacks: ProviderAttempt[];
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }
  >();
  private closed = false;

  /** True once the embedder is shutting down: its refusals say nothing about the photos. */
  get isClosed(): boolean {
    return this.closed;
  }
  private busy = false;
  private readonly queues: Record<'interactive' | 'bulk', Array<Extract<WorkerRequest, { type: 'embed' }>>> =
    {
      interactive: [],
      bulk: [],
    };

  private constructor(
    manifest: ModelManifest,
    worker: Worker,
    ready: Extract<WorkerReply, { type: 'ready' }>,
  ) {
    this.manifest = manifest;
    this.worker = worker;
    this.provider = ready.provider;
    this.fallbacks = ready.fallbacks;
  }

  static async start(options: EmbedderOptions): Promise<Embedder> {
    const data: EmbedWorkerData = {
      manifest: options.manifest,
      modelPath: options.modelPath,
      device: options.device,
      threads: options.threads,
    };
    const worker = new Worker(options.workerUrl, { workerData: data });
    // One set of listeners for the worker's whole life (removing a worker's listeners can stop
    // its message delivery); they route to the start-up promise, then to the instance.
    let embedder: Embedder | undefined;
    let startup: { resolve: (e: Embedder) => void; reject: (e: Error) => void } | undefined;
    const started = new Promise<Embedder>((resolve, reject) => (startup = { resolve, reject }));
    const fail = (err: Error): void => {
      if (embedder) embedder.failAll(err);
      else startup?.reject(err);
    };
    worker.on('message', (msg: WorkerReply) => {
      switch (msg.type) {
        case 'ready':
          embedder = new Embedder(options.manifest, worker, msg);
          startup?.resolve(embedder);
          break;
        case 'failed':
          startup?.reject(new Error(msg.message));
          break;
        case 'embedded':
        case 'error':
          embedder?.settle(msg);
          break;
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!embedder?.closed) fail(new Error(`the inference thread stopped (exit code ${code})`));
    });
    return started.catch(async (err: Error) => {
      await worker.terminate();
      throw err;
    });
  }

  private settle(msg: Extract<WorkerReply, { type: 'embedded' | 'error' }>): void {
    this.busy = false;
    this.sendNext();
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'embedded') p.resolve(msg.vectors);
    else p.reject(new Error(msg.message));
  }

  /**
   * Embeds images already decoded to the model's input size (RGB, HWC). Interactive requests
   * (a person's query) go ahead of bulk ones (indexing): the worker gets one request at a time,
   * so a query waits for at most the batch already running.
   */
  embed(images: Uint8Array[], priority: 'interactive' | 'bulk' = 'interactive'): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new Error('the embedder is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queues[priority].push({ type: 'embed', id, images });
      this.sendNext();
    });
  }

  private sendNext(): void {
    if (this.busy || this.closed) return;
    const next = this.queues.interactive.shift() ?? this.queues.bulk.shift();
    if (!next) return;
    this.busy = true;
    this.worker.postMessage(next);
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('the embedder is closed'));
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    await this.worker.terminate();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.queues.interactive = [];
    this.queues.bulk = [];
  }
}
