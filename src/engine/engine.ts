import { statSync } from 'node:fs';
import os from 'node:os';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { z } from 'zod';
import {
  type LibraryStatus,
  type ReembeddingStatus,
  type SearchRequest,
  type SearchResponse,
  searchRequestSchema,
} from '../shared/library-api.ts';
import { checkLibraryFile, OutsideLibraryError } from './access/library-access.ts';
import { readModelManifest, type ModelManifest } from './embedding/model-manifest.ts';
import { defaultIndexParams, type IndexParams } from './index/index-params.ts';
import { decodeForModel } from './imaging/image-decoder.ts';
import { ImageSkip, toImageSkip } from './imaging/skip-reason.ts';
import { type Thumbnail, ThumbnailCache } from './imaging/thumbnail-cache.ts';
import type { IngestOptions } from './library/ingest-pipeline.ts';
import { exclusionMatcher, validateExclusion } from './library/exclusion-rules.ts';
import type { JobControl } from './library/job-control.ts';
import {
  type IndexProgress,
  type IndexSummary,
  LibraryIndexer,
  owningFolder,
} from './library/library-indexer.ts';
import { type DroppedModelData, LibraryModels, ModelChoiceError } from './library/library-models.ts';
import type { ModelSlot, ModelSource } from './library/model-slot.ts';
import { QueryError } from './search/query-error.ts';
import { type ReembedProgress, type ReembedSummary, reembedMissing } from './library/model-reembed.ts';
import { SimilarSearch } from './search/similar-search.ts';
import { openDatabase } from './store/database.ts';
import { EvaluationStore } from './store/evaluation-store.ts';
import { ExclusionRepository } from './store/exclusion-repository.ts';
import { FolderRepository } from './store/folder-repository.ts';
import { ImageRepository } from './store/image-repository.ts';
import type { VectorFormat } from './store/vector-codec.ts';

export interface EngineConfig {
  libraryPath: string;
  /** The bundled default model: always available, and the model a new library starts with. */
  modelManifestPath: string;
  /** The other installed models (the model registry); without it only the default is known. */
  models?: ModelSource;
  /** The model a new library starts with, when not the default (looked up in `models`). */
  initialModel?: string;
  /** The embed-worker entry (compiled .js in the app, .ts under tests). */
  embedWorkerUrl: URL;
  /** auto (GPU when present, else CPU), cpu, gpu, or a provider name. */
  device?: string;
  inferenceThreads?: number;
  /** foreground: a person waits for indexing (the `index` command), use every core; background: leave room. */
  workload?: 'foreground' | 'background';
  indexParams?: Partial<IndexParams>;
  ingest?: Partial<IngestOptions>;
  /** The form new vectors are stored in (default: DEFAULT_VECTOR_FORMAT; every form is read). */
  vectorFormat?: VectorFormat;
  /** Where thumbnails are cached (default: `<libraryPath>.thumbs` next to the database). */
  thumbnailDir?: string;
}

/**
 * The form vectors are stored in unless configured otherwise: chosen by measurement
 * (BENCHMARKS.md, "Vector storage"); libraries written in another form keep being read.
 */
export const DEFAULT_VECTOR_FORMAT: VectorFormat = 'float16';

/** A search with a query given as encoded image bytes instead of a path (drop, paste, upload). */
export type ImageBytesSearchRequest = Omit<SearchRequest, 'imagePath'> & {
  /** How the query is named in messages and in the response (a file name). */
  label?: string;
};
const imageBytesSearchRequestSchema = searchRequestSchema.omit({ imagePath: true });
/** Query photos from disk kept in memory by path and version (a few: they may be large). */
const RECENT_QUERY_FILES = 4;

export { QueryError, ModelChoiceError, type DroppedModelData };

/** A re-embed's outcome, and whether it ended the switch (the new model answers now). */
export type ModelSwitchSummary = ReembedSummary & { switched: boolean };

/** The composition root: the one place that wires the engine's parts together. */
export class Engine {
  readonly config: EngineConfig;
  private readonly db: Database;
  private readonly folders: FolderRepository;
  private readonly images: ImageRepository;
  private readonly params: IndexParams;
  private readonly thumbnails: ThumbnailCache;
  private readonly exclusionRepo: ExclusionRepository;
  private excludedMatcher?: (p: string) => boolean;
  private readonly models: LibraryModels;
  private reembedRun?: {
    model: string;
    promise: Promise<ModelSwitchSummary>;
    progress?: ReembedProgress;
    control?: JobControl;
  };

  private constructor(config: EngineConfig) {
    this.config = config;
    const defaultModel = readModelManifest(config.modelManifestPath);
    this.db = openDatabase(config.libraryPath);
    this.folders = new FolderRepository(this.db);
    this.exclusionRepo = new ExclusionRepository(this.db);
    this.images = new ImageRepository(this.db);
    this.params = { ...defaultIndexParams, ...config.indexParams };
    this.thumbnails = new ThumbnailCache({ dir: config.thumbnailDir ?? `${config.libraryPath}.thumbs` });
    const cores = os.availableParallelism();
    this.models = new LibraryModels({
      db: this.db,
      defaultModel,
      ...(config.models ? { installed: config.models } : {}),
      ...(config.initialModel ? { initialModel: config.initialModel } : {}),
      slot: {
        params: this.params,
        vectorFormat: config.vectorFormat ?? DEFAULT_VECTOR_FORMAT,
        embedder: {
          workerUrl: config.embedWorkerUrl,
          device: config.device ?? 'auto',
          threads:
            config.inferenceThreads ??
            (config.workload === 'background' ? 1 : Math.max(1, Math.floor(cores / 2))),
        },
      },
    });
  }

  private activeSlot(): ModelSlot {
    return this.models.active();
  }

  /** The id of the model answering searches, as recorded (whether or not it is installed here). */
  activeModelId(): string {
    return this.models.activeId();
  }

  /** The active model's manifest. */
  get manifest(): ModelManifest {
    return this.activeSlot().manifest;
  }

  /** One indexing run, bound to one model from start to end, so a switch never mixes vectors. */
  private indexer(slot: ModelSlot = this.activeSlot()): LibraryIndexer {
    const cores = os.availableParallelism();
    return new LibraryIndexer({
      db: this.db,
      folders: this.folders,
      images: this.images,
      embeddings: slot.embeddings,
      indexLog: { logChange: (id, op) => this.models.logChange(id, op, slot) },
      exclusionPatterns: () => this.exclusionRepo.list(),
      index: () => slot.index(),
      embedder: () => slot.startEmbedder(),
      ingestOptions: this.ingestOptions(cores),
    });
  }

  private ingestOptions(cores: number): IngestOptions {
    // Measured (BENCHMARKS.md): decoding dominates on multi-megapixel photos, and each decode
    // slot also waits on file reads, so twice as many decodes as cores keeps them busy, while
    // one inference thread per two cores keeps the model ahead of them. In the background
    // (watcher, desktop app) indexing leaves a core free so the machine stays responsive.
    return {
      batchSize: 8,
      decodeConcurrency:
        this.config.workload === 'background' ? Math.max(1, cores - 1) : Math.max(2, cores * 2),
      batchesInFlight: 2,
      ...this.config.ingest,
    };
  }

  private search(slot: ModelSlot): SimilarSearch {
    return new SimilarSearch({
      index: () => slot.index(),
      embeddings: slot.embeddings,
      images: this.images,
      params: this.params,
      allowedIds: (folders) => this.images.idsUnder(folders),
    });
  }

  static open(config: EngineConfig): Engine {
    return new Engine(config);
  }

  /** Adds folders to the library and brings everything in them up to date. */
  indexFolders(
    folders: readonly string[],
    onProgress?: (p: IndexProgress) => void,
    control?: JobControl,
  ): Promise<IndexSummary> {
    return this.tracked((indexer) => indexer.indexFolders(folders, { onProgress, control }));
  }

  /** Reconciles every library folder with the disk: only new or changed files are read. */
  refreshLibrary(onProgress?: (p: IndexProgress) => void, control?: JobControl): Promise<IndexSummary> {
    return this.indexFolders(
      this.folders.list().map((f) => f.path),
      onProgress,
      control,
    );
  }

  /** Brings individual files up to date (from a folder watcher): new, changed or gone. */
  updateFiles(
    paths: readonly string[],
    onProgress?: (p: IndexProgress) => void,
    control?: JobControl,
  ): Promise<IndexSummary> {
    return this.tracked((indexer) => indexer.updateFiles(paths, { onProgress, control }));
  }

  /** Forgets every photo under a folder that was deleted or moved away inside the library. */
  removeUnder(folder: string): number {
    return this.indexer().removeUnder(folder);
  }

  /** Indexing runs in flight in this process: a switch waits for them (their vectors are the old model's). */
  private indexingRuns = new Set<Promise<unknown>>();

  private async tracked(run: (indexer: LibraryIndexer) => Promise<IndexSummary>): Promise<IndexSummary> {
    const slot = this.activeSlot();
    const p = run(this.indexer(slot));
    this.indexingRuns.add(p);
    try {
      const summary = await p;
      if (summary.indexed + summary.removed + summary.skipped.length > 0) {
        // The run pruned its own model's vectors that no photo shows any more; the other models'
        // go too (changed or removed files).
        this.models.pruneOrphans(slot.id);
      }
      return summary;
    } finally {
      this.indexingRuns.delete(p);
    }
  }

  /**
   * Background upkeep for long-running hosts: compacts the graph once deletions pass the
   * threshold (without blocking searches), then snapshots it.
   */
  async maintainIndex(): Promise<void> {
    const durable = this.activeSlot().index();
    if (!durable.needsCompaction) return;
    await durable.compactAsync();
    durable.snapshotSync();
  }

  /** The person's exclusion patterns (see exclusion-rules.ts for their meaning). */
  exclusions(): string[] {
    return this.exclusionRepo.list();
  }

  /** Keeps matching files and folders out of the library (from the next index or watcher event). */
  addExclusion(pattern: string): void {
    this.exclusionRepo.add(validateExclusion(pattern));
    this.excludedMatcher = undefined;
  }

  removeExclusion(pattern: string): boolean {
    this.excludedMatcher = undefined;
    return this.exclusionRepo.remove(pattern.trim());
  }

  /** Whether a path is kept out of the library by the person's exclusions. */
  isExcluded(p: string): boolean {
    this.excludedMatcher ??= exclusionMatcher(
      this.exclusionRepo.list(),
      this.folders.list().map((f) => f.path),
    );
    return this.excludedMatcher(p);
  }

  /** Writes an index snapshot if this library changed since the last one (before a writer exits). */
  flushSnapshot(): void {
    for (const slot of this.models.opened()) {
      const index = slot.index();
      if (index.pendingSinceSnapshot() > 0) index.snapshotSync();
    }
  }

  async searchByImage(request: SearchRequest): Promise<SearchResponse> {
    const { imagePath, ...options } = searchRequestSchema.parse(request);
    const started = performance.now();
    const queryPath = path.resolve(imagePath);
    let bytes: Buffer;
    try {
      bytes = await this.queryFile(queryPath);
    } catch (err) {
      const skip = toImageSkip(err);
      throw new QueryError(`Cannot use ${queryPath} as a query: ${skip.message}`, { cause: skip });
    }
    return this.searchWithBytes(bytes, queryPath, options, started);
  }

  /**
   * A query photo's bytes from disk. The last few are kept by path and version, so searching with
   * the same unchanged file again (the rest of a first screen, "find similar" revisited) reuses
   * the same object, and with it the embedding made for it (queryVector).
   */
  private async queryFile(file: string): Promise<Buffer> {
    const st = await stat(file);
    const key = `${file}\n${st.mtimeMs}\n${st.size}`;
    const known = this.recentQueryFiles.get(key);
    if (known) {
      this.recentQueryFiles.delete(key);
      this.recentQueryFiles.set(key, known);
      return known;
    }
    const bytes = await readFile(file);
    this.recentQueryFiles.set(key, bytes);
    for (const old of this.recentQueryFiles.keys()) {
      if (this.recentQueryFiles.size <= RECENT_QUERY_FILES) break;
      this.recentQueryFiles.delete(old);
    }
    return bytes;
  }

  /** The same search as searchByImage, for a query that arrives as encoded bytes. */
  async searchByImageBytes(
    bytes: Uint8Array,
    request: ImageBytesSearchRequest = {},
  ): Promise<SearchResponse> {
    const { label, ...rest } = request;
    const options = imageBytesSearchRequestSchema.parse(rest);
    return this.searchWithBytes(bytes, label ?? 'the query image', options, performance.now());
  }

  /**
   * Starts embedding a query photo a window has just sent, whole and with the active model, so
   * that its first search finds the vector made (or under way). Kept with the bytes (`bytes`
   * itself is the key: pass the same object to searchByImageBytes), so a re-run with other
   * options embeds nothing; a photo that cannot be used is left for its search to report.
   */
  prepareQuery(bytes: Uint8Array): void {
    const slot = this.activeSlot();
    void slot.use(() => this.queryVector(slot, bytes, undefined)).catch(() => undefined);
  }

  /** The one query path: decode (and crop), embed, search, and shape the response. */
  private async searchWithBytes(
    bytes: Uint8Array,
    queryLabel: string,
    req: z.output<typeof imageBytesSearchRequestSchema>,
    started: number,
  ): Promise<SearchResponse> {
    // One model from start to end: a switch meanwhile never mixes two models in one answer.
    const slot = req.model ? this.models.complete(req.model) : this.activeSlot();
    return slot.use(() => this.searchWithModel(slot, bytes, queryLabel, req, started));
  }

  /**
   * The query's embedding by `slot`'s model, made once per photo (by object), model and crop;
   * only ones that worked are kept. A photo that cannot be decoded fails with the reason alone
   * (a QueryError), which the search puts in words with the query's name.
   */
  private queryVector(
    slot: ModelSlot,
    bytes: Uint8Array,
    crop: z.output<typeof imageBytesSearchRequestSchema>['crop'],
  ): Promise<Float32Array> {
    let made = this.queryVectors.get(bytes);
    if (!made) this.queryVectors.set(bytes, (made = new Map()));
    const key = `${slot.id}\n${JSON.stringify(crop ?? null)}`;
    const known = made.get(key);
    if (known) return known;
    const vector = this.embedWith(
      slot,
      bytes,
      crop,
      (err) =>
        new QueryError(err instanceof ImageSkip ? err.message : (err as Error).message, { cause: err }),
    );
    made.set(key, vector);
    vector.catch(() => made.delete(key));
    return vector;
  }

  private async searchWithModel(
    slot: ModelSlot,
    bytes: Uint8Array,
    queryLabel: string,
    req: z.output<typeof imageBytesSearchRequestSchema>,
    started: number,
  ): Promise<SearchResponse> {
    const embedder = await slot.startEmbedder();
    const vector = await this.queryVector(slot, bytes, req.crop).catch((err: unknown) => {
      if (!(err instanceof QueryError)) throw err;
      throw new QueryError(`Cannot use ${queryLabel} as a query: ${err.message}`, { cause: err.cause });
    });
    const roots = this.folders.list().map((f) => f.path);
    const within = req.folders?.map((f) => {
      const abs = path.resolve(f);
      if (!roots.some((r) => abs === r || abs.startsWith(r + path.sep))) {
        throw new QueryError(`${abs} is not in the library (its folders: ${roots.join(', ') || 'none yet'})`);
      }
      return abs;
    });
    const hits = this.search(slot).searchSync(vector, {
      k: req.k,
      collapse: req.collapse,
      rerank: req.rerank ?? slot.manifest.rerank ?? false,
      ...(within ? { within } : {}),
      ...(req.ef !== undefined ? { ef: req.ef } : {}),
    });
    // A photo deleted since the library last looked (no watcher running, or a crash before the
    // change was recorded) is never shown: the few results are checked on disk.
    const onDisk = await filesPresent(
      hits.flatMap((h) => [h.image.path, ...h.duplicates.map((d) => d.image.path)]),
    );
    return {
      query: queryLabel,
      results: hits
        .filter((h) => onDisk.has(h.image.path))
        .map((h, i) => ({
          path: h.image.path,
          score: h.score,
          rank: i + 1,
          width: h.image.width,
          height: h.image.height,
          duplicates: h.duplicates
            .filter((d) => onDisk.has(d.image.path))
            .map((d) => ({ path: d.image.path, score: d.score })),
        })),
      tookMs: performance.now() - started,
      model: slot.id,
      device: embedder.provider,
    };
  }

  async status(): Promise<LibraryStatus> {
    const slot = this.activeSlot();
    const embedder = await slot.startEmbedder();
    const durable = slot.index();
    durable.refreshSync();
    const counts = this.images.countsByFolder();
    const totals = this.images.countByStatus();
    const health = durable.health;
    return {
      library: this.config.libraryPath,
      folders: this.folders.list().map((f) => ({
        path: f.path,
        images: counts.get(f.id)?.ok ?? 0,
        skipped: counts.get(f.id)?.skipped ?? 0,
      })),
      images: totals.ok,
      skipped: totals.skipped,
      model: { id: slot.id, dim: slot.manifest.output.dim },
      device: { provider: embedder.provider, fallbacks: embedder.fallbacks },
      index: {
        state: health.state,
        detail:
          health.state === 'rebuilt'
            ? `rebuilt from stored vectors: ${health.reason}`
            : health.state === 'snapshot'
              ? `loaded from snapshot, ${health.replayed} later changes replayed`
              : 'empty',
        vectors: durable.index.liveCount,
        pendingChanges: durable.pendingSinceSnapshot(),
      },
      reembedding: this.modelSwitch(),
    };
  }

  /**
   * Starts switching the library to another installed model: the choice is recorded at once, the
   * photos are embedded for it by `continueModelSwitch` (an indexing host runs it in the
   * background), and searches keep using the current model until the new index covers every
   * photo. Choosing the active model again forgets a switch not yet done.
   */
  useModel(id: string): ReembeddingStatus | null {
    this.models.choose(id);
    const { active, target } = this.models.choice();
    if (this.reembedRun && this.reembedRun.model !== (target ?? active)) {
      // A re-embed for the model no longer chosen stops at its next checkpoint.
      this.reembedRun.control?.cancel();
    }
    return this.modelSwitch();
  }

  /**
   * Embeds the photos still missing a vector for the model being switched to (or, with no switch,
   * for the active model: photos whose vectors were dropped), then, once its index covers every
   * photo, makes it the active model in one transaction. Safe to stop at any moment (a later call,
   * in this process or another, goes on from there); concurrent calls share one run.
   */
  continueModelSwitch(
    onProgress?: (p: ReembedProgress) => void,
    control?: JobControl,
  ): Promise<ModelSwitchSummary> {
    // A second caller waits for the run under way (its own progress and control are not used).
    const running = this.reembedRun;
    if (running) return running.promise;
    const { target } = this.models.choice();
    let slot: ModelSlot;
    try {
      slot = target ? this.models.slot(target) : this.activeSlot();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const run: NonNullable<Engine['reembedRun']> = {
      model: slot.id,
      promise: Promise.resolve(undefined as never),
      ...(control ? { control } : {}),
    };
    const work = async (): Promise<ModelSwitchSummary> => {
      const summary = await reembedMissing(
        {
          db: this.db,
          images: this.images,
          slot,
          logChange: (imageId, op) => this.models.logChange(imageId, op, slot),
          updateFiles: (paths) => this.updateFiles(paths),
          unreachableFolders: () =>
            this.folders
              .list()
              .map((f) => f.path)
              .filter((p) => !isDirectory(p)),
          ingestOptions: this.ingestOptions(os.availableParallelism()),
        },
        {
          onProgress: (p) => {
            run.progress = p;
            onProgress?.(p);
          },
          ...(control ? { control } : {}),
        },
      );
      const switched = target !== null && summary.complete && !summary.cancelled && (await this.swapTo(slot));
      return { ...summary, switched };
    };
    run.promise = work().finally(() => {
      if (this.reembedRun === run) this.reembedRun = undefined;
    });
    this.reembedRun = run;
    return run.promise;
  }

  /** Indexing runs of this process still write the old model's vectors: they land first. */
  private async swapTo(slot: ModelSlot): Promise<boolean> {
    while (this.indexingRuns.size > 0) await Promise.allSettled([...this.indexingRuns]);
    return this.models.swapTo(slot);
  }

  /** The switch under way, if any: the model being embedded for and how far it got. */
  modelSwitch(): ReembeddingStatus | null {
    const run = this.reembedRun;
    return this.models.switchState(
      run
        ? {
            model: run.model,
            paused: run.control?.isPaused ?? false,
            ...(run.progress
              ? {
                  imagesPerSecond: run.progress.imagesPerSecond,
                  ...(run.progress.etaSeconds !== undefined ? { etaSeconds: run.progress.etaSeconds } : {}),
                }
              : {}),
          }
        : undefined,
    );
  }

  /**
   * Drops what the library keeps for a model (its vectors and index) to reclaim space. Refused
   * for the active model and the one being switched to. Whatever it frees is reused by the
   * library file for new data (no VACUUM: the file does not shrink, and nothing is rewritten).
   */
  dropModelData(id: string): Promise<DroppedModelData> {
    return this.models.drop(id);
  }

  skippedFiles(limit?: number): Array<{ path: string; reason: string }> {
    return this.images.skipped(limit);
  }

  /** The library's folders (absolute paths), in path order. */
  libraryFolders(): string[] {
    return this.folders.list().map((f) => f.path);
  }

  /**
   * Adds a folder to the library without reading it yet (indexFolders does that), as indexing
   * would: a folder inside a library folder is part of that one, and a folder around library
   * folders takes them in. Returns the library folder that covers it.
   */
  async addFolder(folderPath: string): Promise<string> {
    const abs = path.resolve(folderPath);
    const s = await stat(abs).catch(() => undefined);
    if (!s?.isDirectory()) throw new QueryError(`Not a folder: ${abs}`);
    const covering = this.folders.getByPath(abs) ?? owningFolder(this.folders.list(), abs);
    return (covering ?? this.folders.addAbsorbing(abs)).path;
  }

  /**
   * Takes a folder and all its photos out of the library and its index (the files on disk are
   * never touched). Must not run while that folder is being indexed.
   */
  async removeFolder(folderPath: string): Promise<{ folder: string; removed: number }> {
    const abs = path.resolve(folderPath);
    const row = this.folders.getByPath(abs);
    if (!row) throw new QueryError(`Not a library folder: ${abs}`);
    const gone = [...this.images.fingerprintsInFolder(row.id)];
    const slot = this.activeSlot();
    this.db.transaction(() => {
      for (const [, image] of gone) {
        this.images.delete(image.id);
        if (image.status === 'ok') this.models.logChange(image.id, 'delete', slot);
      }
      this.folders.remove(row.id);
      this.models.pruneOrphans();
    })();
    const index = slot.index();
    index.refreshSync();
    if (index.pendingSinceSnapshot() > 0) index.snapshotSync();
    void this.thumbnails.forget(gone.map(([p]) => p));
    return { folder: abs, removed: gone.length };
  }

  /**
   * A photo's thumbnail or preview (longest side at most `longSide`), only for files inside the
   * library's folders: throws OutsideLibraryError for anything else, ImageSkip when unreadable.
   * `signal` says the window abandoned the request (see ThumbnailCache.get).
   */
  async thumbnail(filePath: string, longSide: number, signal?: AbortSignal): Promise<Thumbnail> {
    const access = await checkLibraryFile(filePath, this.libraryAccess());
    switch (access.kind) {
      case 'outside':
        throw new OutsideLibraryError(`Not inside a library folder: ${filePath}`);
      case 'missing':
        throw new ImageSkip('vanished', 'the file does not exist (any more)');
      case 'allowed':
        return this.thumbnails.get(access.realPath, longSide, signal);
    }
  }

  /** Whether a path may be read on a window's behalf (see checkLibraryFile); false also when it does not exist. */
  async isInsideLibrary(filePath: string): Promise<boolean> {
    return (await checkLibraryFile(filePath, this.libraryAccess())).kind === 'allowed';
  }

  /** The evaluation workbench's tables in this library (sets, grades, runs, search signals). */
  evaluationStore(): EvaluationStore {
    this.evaluation ??= new EvaluationStore(this.db);
    return this.evaluation;
  }
  private evaluation?: EvaluationStore;
  /** Query embeddings by the photo's bytes (the object: see prepareQuery), then model and crop. */
  private readonly queryVectors = new WeakMap<Uint8Array, Map<string, Promise<Float32Array>>>();
  /** Query photos read from disk lately, by path and version (see queryFile). */
  private readonly recentQueryFiles = new Map<string, Buffer>();

  /** The active model's embedding of an encoded image (as searches make it; unit length). */
  async embedImageBytes(bytes: Uint8Array): Promise<Float32Array> {
    const slot = this.activeSlot();
    return slot.use(() => this.embedWith(slot, bytes));
  }

  /** Decodes (and crops) a photo for `slot`'s model and embeds it; `decodeFailed` words a photo that cannot be used. */
  private async embedWith(
    slot: ModelSlot,
    bytes: Uint8Array,
    crop?: z.output<typeof imageBytesSearchRequestSchema>['crop'],
    decodeFailed: (err: unknown) => unknown = (err) => err,
  ): Promise<Float32Array> {
    const embedder = await slot.startEmbedder();
    let rgb: Uint8Array;
    try {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      rgb = (await decodeForModel(buffer, slot.manifest.input, crop)).rgb;
    } catch (err) {
      throw decodeFailed(err);
    }
    const [vector] = await embedder.embed([rgb]);
    return vector!;
  }

  private libraryAccess(): Parameters<typeof checkLibraryFile>[1] {
    return {
      folders: () => this.libraryFolders(),
      isIndexedPhoto: (p) => this.images.getByPath(p)?.status === 'ok',
    };
  }

  async close(): Promise<void> {
    this.reembedRun?.control?.cancel();
    await this.reembedRun?.promise.catch(() => undefined);
    await this.models.dispose();
    this.db.close();
  }
}

function isDirectory(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

async function filesPresent(paths: readonly string[]): Promise<Set<string>> {
  const checks = await Promise.all(
    paths.map((p) =>
      access(p).then(
        () => p,
        () => undefined,
      ),
    ),
  );
  return new Set(checks.filter((p): p is string => p !== undefined));
}
