import os from 'node:os';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { z } from 'zod';
import {
  type LibraryStatus,
  type SearchRequest,
  type SearchResponse,
  searchRequestSchema,
} from '../shared/library-api.ts';
import { checkLibraryFile, OutsideLibraryError } from './access/library-access.ts';
import { Embedder } from './embedding/embedder.ts';
import { readModelManifest, type ModelManifest } from './embedding/model-manifest.ts';
import { DurableIndex } from './index/durable-index.ts';
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
import { SimilarSearch } from './search/similar-search.ts';
import { openDatabase } from './store/database.ts';
import { EmbeddingRepository } from './store/embedding-repository.ts';
import { ExclusionRepository } from './store/exclusion-repository.ts';
import { FolderRepository } from './store/folder-repository.ts';
import { ImageRepository } from './store/image-repository.ts';
import { IndexRepository } from './store/index-repository.ts';
import { ModelRepository } from './store/model-repository.ts';

export interface EngineConfig {
  libraryPath: string;
  modelManifestPath: string;
  /** The embed-worker entry (compiled .js in the app, .ts under tests). */
  embedWorkerUrl: URL;
  /** auto (GPU when present, else CPU), cpu, gpu, or a provider name. */
  device?: string;
  inferenceThreads?: number;
  /** foreground: a person waits for indexing (the `index` command), use every core; background: leave room. */
  workload?: 'foreground' | 'background';
  indexParams?: Partial<IndexParams>;
  ingest?: Partial<IngestOptions>;
  /** Where thumbnails are cached (default: `<libraryPath>.thumbs` next to the database). */
  thumbnailDir?: string;
}

/** A search with a query given as encoded image bytes instead of a path (drop, paste, upload). */
export type ImageBytesSearchRequest = Omit<SearchRequest, 'imagePath'> & {
  /** How the query is named in messages and in the response (a file name). */
  label?: string;
};
const imageBytesSearchRequestSchema = searchRequestSchema.omit({ imagePath: true });

/** A query photo that cannot be used: the person's input, reported as such. */
export class QueryError extends Error {}

/** The composition root: the one place that wires the engine's parts together. */
export class Engine {
  readonly config: EngineConfig;
  readonly manifest: ModelManifest;
  private readonly modelPath: string;
  private readonly db: Database;
  private readonly folders: FolderRepository;
  private readonly images: ImageRepository;
  private readonly embeddings: EmbeddingRepository;
  private readonly indexLog: IndexRepository;
  private readonly params: IndexParams;
  private readonly indexer: LibraryIndexer;
  private readonly search: SimilarSearch;
  private readonly thumbnails: ThumbnailCache;
  private durable?: DurableIndex;
  private readonly exclusionRepo: ExclusionRepository;
  private excludedMatcher?: (p: string) => boolean;
  private embedder?: Promise<Embedder>;

  private constructor(config: EngineConfig) {
    this.config = config;
    const loaded = readModelManifest(config.modelManifestPath);
    this.manifest = loaded.manifest;
    this.modelPath = loaded.modelPath;
    this.db = openDatabase(config.libraryPath);
    new ModelRepository(this.db).ensure(this.manifest);
    this.folders = new FolderRepository(this.db);
    this.exclusionRepo = new ExclusionRepository(this.db);
    this.images = new ImageRepository(this.db);
    this.embeddings = new EmbeddingRepository(this.db, this.manifest.id);
    this.indexLog = new IndexRepository(this.db, this.manifest.id);
    this.params = { ...defaultIndexParams, ...config.indexParams };
    this.thumbnails = new ThumbnailCache({ dir: config.thumbnailDir ?? `${config.libraryPath}.thumbs` });
    const cores = os.availableParallelism();
    this.indexer = new LibraryIndexer({
      db: this.db,
      folders: this.folders,
      images: this.images,
      embeddings: this.embeddings,
      indexLog: this.indexLog,
      exclusionPatterns: () => this.exclusionRepo.list(),
      index: () => this.index(),
      embedder: () => this.startEmbedder(),
      // Measured (BENCHMARKS.md): decoding dominates on multi-megapixel photos, and each decode
      // slot also waits on file reads, so twice as many decodes as cores keeps them busy, while
      // one inference thread per two cores keeps the model ahead of them. In the background
      // (watcher, desktop app) indexing leaves a core free so the machine stays responsive.
      ingestOptions: {
        batchSize: 8,
        decodeConcurrency: config.workload === 'background' ? Math.max(1, cores - 1) : Math.max(2, cores * 2),
        batchesInFlight: 2,
        ...config.ingest,
      },
    });
    this.search = new SimilarSearch({
      index: () => this.index(),
      embeddings: this.embeddings,
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
    return this.indexer.indexFolders(folders, { onProgress, control });
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
    return this.indexer.updateFiles(paths, { onProgress, control });
  }

  /** Forgets every photo under a folder that was deleted or moved away inside the library. */
  removeUnder(folder: string): number {
    return this.indexer.removeUnder(folder);
  }

  /**
   * Background upkeep for long-running hosts: compacts the graph once deletions pass the
   * threshold (without blocking searches), then snapshots it.
   */
  async maintainIndex(): Promise<void> {
    const durable = this.index();
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
    this.indexer.flushSnapshot();
  }

  async searchByImage(request: SearchRequest): Promise<SearchResponse> {
    const { imagePath, ...options } = searchRequestSchema.parse(request);
    const started = performance.now();
    const queryPath = path.resolve(imagePath);
    let bytes: Buffer;
    try {
      bytes = await readFile(queryPath);
    } catch (err) {
      const skip = toImageSkip(err);
      throw new QueryError(`Cannot use ${queryPath} as a query: ${skip.message}`, { cause: skip });
    }
    return this.searchWithBytes(bytes, queryPath, options, started);
  }

  /** The same search as searchByImage, for a query that arrives as encoded bytes. */
  async searchByImageBytes(
    bytes: Uint8Array,
    request: ImageBytesSearchRequest = {},
  ): Promise<SearchResponse> {
    const { label, ...rest } = request;
    const options = imageBytesSearchRequestSchema.parse(rest);
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.searchWithBytes(buffer, label ?? 'the query image', options, performance.now());
  }

  /** The one query path: decode (and crop), embed, search, and shape the response. */
  private async searchWithBytes(
    bytes: Buffer,
    queryLabel: string,
    req: z.output<typeof imageBytesSearchRequestSchema>,
    started: number,
  ): Promise<SearchResponse> {
    const embedder = await this.startEmbedder();
    let rgb: Uint8Array;
    try {
      rgb = (await decodeForModel(bytes, this.manifest.input, req.crop)).rgb;
    } catch (err) {
      const reason = err instanceof ImageSkip ? err.message : (err as Error).message;
      throw new QueryError(`Cannot use ${queryLabel} as a query: ${reason}`, { cause: err });
    }
    const [vector] = await embedder.embed([rgb]);
    const roots = this.folders.list().map((f) => f.path);
    const within = req.folders?.map((f) => {
      const abs = path.resolve(f);
      if (!roots.some((r) => abs === r || abs.startsWith(r + path.sep))) {
        throw new QueryError(`${abs} is not in the library (its folders: ${roots.join(', ') || 'none yet'})`);
      }
      return abs;
    });
    const hits = this.search.searchSync(vector!, {
      k: req.k,
      collapse: req.collapse,
      ...(within ? { within } : {}),
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
      model: this.manifest.id,
      device: embedder.provider,
    };
  }

  async status(): Promise<LibraryStatus> {
    const embedder = await this.startEmbedder();
    const durable = this.index();
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
      model: { id: this.manifest.id, dim: this.manifest.output.dim },
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
    };
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
    this.db.transaction(() => {
      for (const [, image] of gone) {
        this.images.delete(image.id);
        if (image.status === 'ok') this.indexLog.logChange(image.id, 'delete');
      }
      this.folders.remove(row.id);
      this.embeddings.pruneOrphans();
    })();
    const index = this.index();
    index.refreshSync();
    if (index.pendingSinceSnapshot() > 0) index.snapshotSync();
    void this.thumbnails.forget(gone.map(([p]) => p));
    return { folder: abs, removed: gone.length };
  }

  /**
   * A photo's thumbnail or preview (longest side at most `longSide`), only for files inside the
   * library's folders: throws OutsideLibraryError for anything else, ImageSkip when unreadable.
   */
  async thumbnail(filePath: string, longSide: number): Promise<Thumbnail> {
    const access = await checkLibraryFile(filePath, this.libraryAccess());
    switch (access.kind) {
      case 'outside':
        throw new OutsideLibraryError(`Not inside a library folder: ${filePath}`);
      case 'missing':
        throw new ImageSkip('vanished', 'the file does not exist (any more)');
      case 'allowed':
        return this.thumbnails.get(access.realPath, longSide);
    }
  }

  /** Whether a path may be read on a window's behalf (see checkLibraryFile); false also when it does not exist. */
  async isInsideLibrary(filePath: string): Promise<boolean> {
    return (await checkLibraryFile(filePath, this.libraryAccess())).kind === 'allowed';
  }

  private libraryAccess(): Parameters<typeof checkLibraryFile>[1] {
    return {
      folders: () => this.libraryFolders(),
      isIndexedPhoto: (p) => this.images.getByPath(p)?.status === 'ok',
    };
  }

  async close(): Promise<void> {
    const embedder = this.embedder;
    this.embedder = undefined;
    if (embedder) await embedder.then((e) => e.dispose()).catch(() => undefined);
    this.db.close();
  }

  private index(): DurableIndex {
    this.durable ??= DurableIndex.openSync(this.db, {
      repo: this.indexLog,
      embeddings: this.embeddings,
      params: this.params,
      dim: this.manifest.output.dim,
    });
    return this.durable;
  }

  private startEmbedder(): Promise<Embedder> {
    this.embedder ??= Embedder.start({
      manifest: this.manifest,
      modelPath: this.modelPath,
      workerUrl: this.config.embedWorkerUrl,
      device: this.config.device ?? 'auto',
      threads:
        this.config.inferenceThreads ??
        (this.config.workload === 'background' ? 1 : Math.max(1, Math.floor(os.availableParallelism() / 2))),
    });
    return this.embedder;
  }
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
