import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Embedder } from '../embedding/embedder.ts';
import type { DurableIndex } from '../index/durable-index.ts';
import type { ImageSkip } from '../imaging/skip-reason.ts';
import type { EmbeddingRepository } from '../store/embedding-repository.ts';
import type { FolderRepository } from '../store/folder-repository.ts';
import type { Fingerprint, ImageRepository } from '../store/image-repository.ts';
import type { IndexRepository } from '../store/index-repository.ts';
import { isImageName, type ScannedFile, scanFolder } from './folder-scanner.ts';
import { exclusionMatcher } from './exclusion-rules.ts';
import { type IngestedImage, type IngestOptions, ingest } from './ingest-pipeline.ts';
import type { JobControl } from './job-control.ts';

export interface IndexProgress {
  phase: 'scanning' | 'indexing' | 'saving';
  done: number;
  total: number;
  skipped: number;
  currentPath?: string;
  imagesPerSecond: number;
  etaSeconds?: number;
}

export interface IndexSummary {
  folders: string[];
  indexed: number;
  unchanged: number;
  removed: number;
  skipped: Array<{ path: string; reason: string }>;
  seconds: number;
  imagesPerSecond: number;
  /** True when the run was cancelled before every file was done. */
  cancelled?: boolean;
  /** Library folders that could not be reached; their photos were kept as they were. */
  unavailable?: string[];
}

/** Skips worth retrying on every run even when the file looks unchanged: the cause may have gone. */
const TRANSIENT_SKIPS = new Set(['unreadable', 'vanished', 'model-error']);

/** Log entries after which a watcher's small updates write a fresh snapshot. */
const SNAPSHOT_AFTER_CHANGES = 500;

export interface LibraryIndexerDeps {
  db: Database;
  folders: FolderRepository;
  images: ImageRepository;
  embeddings: EmbeddingRepository;
  /** Where index changes are recorded (every model whose index is kept up to date). */
  indexLog: Pick<IndexRepository, 'logChange'>;
  /** The person's exclusion patterns. */
  exclusionPatterns: () => string[];
  index: () => DurableIndex;
  embedder: () => Promise<Embedder>;
  ingestOptions: IngestOptions;
}

export interface RunOptions {
  onProgress?: (p: IndexProgress) => void;
  control?: JobControl;
}

type Work = ScannedFile & { folderId: number; previous?: Fingerprint };

/** Brings the library's records, vectors and index in line with what is on disk. */
export class LibraryIndexer {
  private readonly deps: LibraryIndexerDeps;
  constructor(deps: LibraryIndexerDeps) {
    this.deps = deps;
  }

  /** Adds folders (if new) and reconciles everything under them with the disk. */
  async indexFolders(folderPaths: readonly string[], run: RunOptions = {}): Promise<IndexSummary> {
    const started = performance.now();
    const { db, folders, images } = this.deps;
    const roots: Array<{ id: number; path: string }> = [];
    const unavailable: string[] = [];
    for (const p of folderPaths) {
      const abs = path.resolve(p);
      const s = await stat(abs).catch(() => undefined);
      const known = folders.getByPath(abs);
      if (!s?.isDirectory()) {
        // A library folder that is not there now (unplugged drive, network share): keep its photos.
        if (known) unavailable.push(abs);
        else throw new Error(`Not a folder: ${abs}`);
        continue;
      }
      // A folder inside a library folder is already covered: index it as part of that one.
      const parent = known ? undefined : owningFolder(folders.list(), abs);
      const root = known ?? parent ?? folders.addAbsorbing(abs);
      if (!roots.some((r) => r.id === root.id)) roots.push(root);
    }
    const summary = emptySummary(roots.map((r) => r.path));
    summary.unavailable = unavailable;
    const isExcluded = exclusionMatcher(
      this.deps.exclusionPatterns(),
      folders.list().map((f) => f.path),
    );
    const work: Work[] = [];

    for (const root of roots) {
      run.onProgress?.({
        phase: 'scanning',
        done: 0,
        total: 0,
        skipped: 0,
        currentPath: root.path,
        imagesPerSecond: 0,
      });
      const { files, problems } = await scanFolder(root.path, isExcluded);
      const known = images.fingerprintsInFolder(root.id);
      const seen = new Set<string>();
      for (const f of files) {
        seen.add(f.path);
        const prev = known.get(f.path);
        if (prev && isUnchanged(prev, f)) summary.unchanged++;
        else work.push({ ...f, folderId: root.id, ...(prev ? { previous: prev } : {}) });
      }
      // A folder that could not be listed may still hold its photos: keep their records.
      const unlisted = problems.map((p) => p.path + path.sep);
      db.transaction(() => {
        for (const p of problems) {
          seen.add(p.path);
          this.recordSkip(root.id, { path: p.path, size: 0, mtimeMs: 0 }, p.skip, known.get(p.path));
          summary.skipped.push({ path: p.path, reason: p.skip.message });
        }
        for (const [p, prev] of known) {
          if (seen.has(p) || unlisted.some((dir) => p.startsWith(dir))) continue;
          this.forget(prev);
          summary.removed++;
        }
      })();
    }
    this.deps.index().refreshSync();
    await this.process(work, summary, run);
    this.finish(summary, started, { snapshot: 'if-changed' });
    return summary;
  }

  /**
   * Brings single files up to date (a watcher's events): new or changed files are indexed,
   * missing ones leave the library. Paths outside every library folder are ignored.
   */
  async updateFiles(paths: readonly string[], run: RunOptions = {}): Promise<IndexSummary> {
    const started = performance.now();
    // A file that vanished because its whole library folder went away (unplugged drive) is kept.
    const roots = this.deps.folders.list().filter((r) => isDirectorySync(r.path));
    const summary = emptySummary([]);
    const work: Work[] = [];
    const gone: Fingerprint[] = [];
    const isExcluded = exclusionMatcher(
      this.deps.exclusionPatterns(),
      roots.map((r) => r.path),
    );
    for (const p of new Set(paths.map((x) => path.resolve(x)))) {
      const root = owningFolder(roots, p);
      if (!root || !isImageName(p)) continue;
      const previous: Fingerprint | undefined = this.deps.images.getByPath(p);
      if (isExcluded(p)) {
        if (previous) gone.push(previous);
        continue;
      }
      const s = await stat(p).catch((err: unknown) => err as NodeJS.ErrnoException);
      if (s instanceof Error) {
        if (s.code === 'ENOENT' || s.code === 'ENOTDIR') {
          if (previous) gone.push(previous);
        } else {
          work.push({ path: p, size: 0, mtimeMs: 0, folderId: root.id, ...(previous ? { previous } : {}) });
        }
        continue;
      }
      if (!s.isFile()) continue;
      const file = { path: p, size: s.size, mtimeMs: Math.floor(s.mtimeMs) };
      if (previous && isUnchanged(previous, file)) summary.unchanged++;
      else work.push({ ...file, folderId: root.id, ...(previous ? { previous } : {}) });
    }
    if (gone.length > 0) {
      this.deps.db.transaction(() => gone.forEach((g) => this.forget(g)))();
      summary.removed += gone.length;
      this.deps.index().refreshSync();
    }
    await this.process(work, summary, run);
    this.finish(summary, started, { snapshot: 'when-due' });
    return summary;
  }

  /** Removes every record under a folder that disappeared from inside a library folder. */
  removeUnder(folder: string): number {
    const root = owningFolder(this.deps.folders.list(), path.resolve(folder));
    if (!root || !isDirectorySync(root.path)) return 0;
    const prefix = path.resolve(folder) + path.sep;
    const rows = this.deps.images.fingerprintsUnder(prefix);
    this.deps.db.transaction(() => rows.forEach((r) => this.forget(r)))();
    this.deps.index().refreshSync();
    return rows.length;
  }

  /** Writes a snapshot if anything changed since the last one (e.g. before the process exits). */
  flushSnapshot(): void {
    const index = this.deps.index();
    if (index.pendingSinceSnapshot() > 0) index.snapshotSync();
  }

  private async process(work: Work[], summary: IndexSummary, run: RunOptions): Promise<void> {
    if (work.length === 0) return;
    const { db } = this.deps;
    const embedder = await this.deps.embedder();
    const byPath = new Map(work.map((w) => [w.path, w] as const));
    let done = 0;
    const t0 = performance.now();
    const report = (current?: string): void => {
      const secs = (performance.now() - t0) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      run.onProgress?.({
        phase: 'indexing',
        done,
        total: work.length,
        skipped: summary.skipped.length,
        ...(current ? { currentPath: current } : {}),
        imagesPerSecond: rate,
        ...(rate > 0 ? { etaSeconds: (work.length - done) / rate } : {}),
      });
    };
    await ingest(
      work,
      embedder,
      {
        hasVector: (hash) => this.deps.embeddings.has(hash),
        progress: (f) => report(f.path),
        ...(run.control ? { checkpoint: () => run.control!.checkpoint() } : {}),
        commit: (ok, skipped) => {
          db.transaction(() => {
            for (const img of ok) this.recordImage(byPath.get(img.file.path)!.folderId, img);
            for (const s of skipped) {
              const w = byPath.get(s.file.path)!;
              this.recordSkip(w.folderId, s.file, s.skip, w.previous);
              summary.skipped.push({ path: s.file.path, reason: s.skip.message });
            }
          })();
          this.deps.index().refreshSync();
          summary.indexed += ok.length;
          done += ok.length + skipped.length;
          report();
        },
      },
      this.deps.ingestOptions,
    );
    if (done < work.length) summary.cancelled = true;
  }

  private finish(
    summary: IndexSummary,
    started: number,
    opts: { snapshot: 'if-changed' | 'when-due' },
  ): void {
    this.deps.db.transaction(() => this.deps.embeddings.pruneOrphans())();
    const index = this.deps.index();
    const pending = index.pendingSinceSnapshot();
    if (pending > 0 && (opts.snapshot === 'if-changed' || pending >= SNAPSHOT_AFTER_CHANGES))
      index.snapshotSync();
    summary.seconds = (performance.now() - started) / 1000;
    summary.imagesPerSecond = summary.seconds > 0 ? summary.indexed / summary.seconds : 0;
  }

  private forget(prev: Fingerprint): void {
    this.deps.images.delete(prev.id);
    if (prev.status === 'ok') this.deps.indexLog.logChange(prev.id, 'delete');
  }

  private recordImage(folderId: number, img: IngestedImage): void {
    if (img.vector) this.deps.embeddings.put(img.contentHash, img.vector);
    const id = this.deps.images.upsert({
      folderId,
      path: img.file.path,
      size: img.file.size,
      mtimeMs: img.file.mtimeMs,
      contentHash: img.contentHash,
      width: img.width,
      height: img.height,
      format: img.format,
      status: 'ok',
      skipCode: null,
      skipReason: null,
    });
    this.deps.indexLog.logChange(id, 'add');
  }

  private recordSkip(folderId: number, file: ScannedFile, skip: ImageSkip, previous?: Fingerprint): void {
    const id = this.deps.images.markSkipped({ folderId, ...file }, skip);
    if (previous?.status === 'ok') this.deps.indexLog.logChange(id, 'delete');
  }
}

function emptySummary(folders: string[]): IndexSummary {
  return { folders, indexed: 0, unchanged: 0, removed: 0, skipped: [], seconds: 0, imagesPerSecond: 0 };
}

function isUnchanged(prev: Fingerprint, file: { size: number; mtimeMs: number }): boolean {
  return (
    prev.size === file.size && prev.mtimeMs === file.mtimeMs && !TRANSIENT_SKIPS.has(prev.skipCode ?? '')
  );
}

/** The library folder a path is inside (the deepest, if folders nest). */
export function owningFolder<T extends { path: string }>(roots: readonly T[], p: string): T | undefined {
  let best: T | undefined;
  for (const r of roots) {
    if (p.startsWith(r.path + path.sep) && (!best || r.path.length > best.path.length)) best = r;
  }
  return best;
}

function isDirectorySync(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
