import type { Database } from 'better-sqlite3';
import { Embedder, type EmbedderOptions } from '../embedding/embedder.ts';
import type { LoadedManifest, ModelManifest } from '../embedding/model-manifest.ts';
import { DurableIndex } from '../index/durable-index.ts';
import type { IndexParams } from '../index/index-params.ts';
import { EmbeddingRepository } from '../store/embedding-repository.ts';
import { IndexRepository } from '../store/index-repository.ts';
import { ModelRepository } from '../store/model-repository.ts';
import type { VectorFormat } from '../store/vector-codec.ts';

/** The installed models, as the engine sees them: a model by id, or nothing when it is not installed. */
export interface ModelSource {
  get(id: string): LoadedManifest | undefined;
}

export interface ModelSlotOptions {
  db: Database;
  params: IndexParams;
  /** The form new vectors are stored in. */
  vectorFormat: VectorFormat;
  embedder: Omit<EmbedderOptions, 'manifest' | 'modelPath'>;
}

/**
 * Everything the library keeps for one model: its vectors, its index's log and durable graph,
 * and its inference thread (started on first use). The tables are keyed by model id, so models
 * live side by side and one never sees another's vectors.
 */
export class ModelSlot {
  readonly manifest: ModelManifest;
  readonly modelPath: string;
  readonly embeddings: EmbeddingRepository;
  readonly indexLog: IndexRepository;
  private readonly options: ModelSlotOptions;
  private durable?: DurableIndex;
  private embedder?: Promise<Embedder>;
  /** Searches running on this model; a retired model's thread stops once they are done. */
  private inUse = 0;
  private retired = false;

  constructor(loaded: LoadedManifest, options: ModelSlotOptions) {
    this.manifest = loaded.manifest;
    this.modelPath = loaded.modelPath;
    this.options = options;
    // A different file under the same id drops that id's old vectors: they never mix.
    new ModelRepository(options.db).ensure(loaded.manifest);
    this.embeddings = new EmbeddingRepository(options.db, loaded.manifest.id, options.vectorFormat);
    this.indexLog = new IndexRepository(options.db, loaded.manifest.id);
  }

  get id(): string {
    return this.manifest.id;
  }

  /** The model's graph, opened (snapshot + log, or rebuilt from its vectors) on first use. */
  index(): DurableIndex {
    this.durable ??= DurableIndex.openSync(this.options.db, {
      repo: this.indexLog,
      embeddings: this.embeddings,
      params: this.options.params,
      dim: this.manifest.output.dim,
    });
    return this.durable;
  }

  startEmbedder(): Promise<Embedder> {
    // Used again (a re-embed for it, a search naming it): a pending release is called off.
    this.retired = false;
    if (!this.embedder) {
      const started = Embedder.start({
        ...this.options.embedder,
        manifest: this.manifest,
        modelPath: this.modelPath,
      });
      // A model that fails to start may start next time (a busy GPU, a file put back).
      started.catch(() => {
        if (this.embedder === started) this.embedder = undefined;
      });
      this.embedder = started;
    }
    return this.embedder;
  }

  /** Whether every live photo has a vector for this model (then its index can answer searches). */
  isComplete(): boolean {
    const { done, total } = this.embeddings.coverage();
    return done === total;
  }

  /** Runs a search on this model, keeping its inference thread alive until the search is done. */
  async use<T>(fn: () => Promise<T>): Promise<T> {
    this.inUse++;
    this.retired = false;
    try {
      return await fn();
    } finally {
      this.inUse--;
      if (this.retired && this.inUse === 0) void this.release();
    }
  }

  /**
   * The model stopped answering: its thread stops and its graph leaves memory once the searches
   * still using it finish (a later search naming it opens them again).
   */
  retire(): void {
    this.retired = true;
    if (this.inUse === 0) void this.release();
  }

  private async release(): Promise<void> {
    this.durable = undefined;
    const embedder = this.embedder;
    this.embedder = undefined;
    if (embedder) await embedder.then((e) => e.dispose()).catch(() => undefined);
  }

  /** Stops the inference thread and forgets the graph (the stored data stays). */
  dispose(): Promise<void> {
    return this.release();
  }
}
