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
import { type ScannedFile, scanFolder } from './folder-scanner.ts';
import { type IngestedImage, type IngestOptions, ingest } from './ingest-pipeline.ts';

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
}

/** Skips worth retrying on every run even when the file looks unchanged: the cause may have gone. */
const TRANSIENT_SKIPS = new Set(['unreadable', 'vanished']);

export interface LibraryIndexerDeps {
  db: Database;
  folders: FolderRepository;
  images: ImageRepository;
  embeddings: EmbeddingRepository;
  indexLog: IndexRepository;
  index: () => DurableIndex;
  embedder: () => Promise<Embedder>;
  ingestOptions: IngestOptions;
}

/** Brings the library's records, vectors and index in line with what is on disk. */
export class LibraryIndexer {
  private readonly deps: LibraryIndexerDeps;
  constructor(deps: LibraryIndexerDeps) {
    this.deps = deps;
  }

  async indexFolders(
    folderPaths: readonly string[],
    onProgress?: (p: IndexProgress) => void,
  ): Promise<IndexSummary> {
    const started = performance.now();
    const { db, folders, images } = this.deps;
    const roots: Array<{ id: number; path: string }> = [];
    for (const p of folderPaths) {
      const abs = path.resolve(p);
      const s = await stat(abs).catch(() => undefined);
      if (!s?.isDirectory()) throw new Error(`Not a folder: ${abs}`);
      roots.push(folders.add(abs));
    }

    const summary: IndexSummary = {
      folders: roots.map((r) => r.path),
      indexed: 0,
      unchanged: 0,
      removed: 0,
      skipped: [],
      seconds: 0,
      imagesPerSecond: 0,
    };
    const work: Array<ScannedFile & { folderId: number; previous?: Fingerprint }> = [];

    for (const root of roots) {
      onProgress?.({
        phase: 'scanning',
        done: 0,
        total: 0,
        skipped: 0,
        currentPath: root.path,
        imagesPerSecond: 0,
      });
      const { files, problems } = await scanFolder(root.path);
      const known = images.fingerprintsInFolder(root.id);
      const seen = new Set<string>();
      for (const f of files) {
        seen.add(f.path);
        const prev = known.get(f.path);
        const unchanged =
          prev &&
          prev.size === f.size &&
          prev.mtimeMs === f.mtimeMs &&
          !TRANSIENT_SKIPS.has(prev.skipCode ?? '');
        if (unchanged) summary.unchanged++;
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
          images.delete(prev.id);
          if (prev.status === 'ok') this.deps.indexLog.logChange(prev.id, 'delete');
          summary.removed++;
        }
      })();
    }
    this.deps.index().refreshSync();

    if (work.length > 0) {
      const embedder = await this.deps.embedder();
      const folderOf = new Map(work.map((w) => [w.path, w] as const));
      let done = 0;
      const t0 = performance.now();
      const report = (current?: string): void => {
        const secs = (performance.now() - t0) / 1000;
        const rate = secs > 0 ? done / secs : 0;
        onProgress?.({
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
          commit: (ok, skipped) => {
            db.transaction(() => {
              for (const img of ok) this.recordImage(folderOf.get(img.file.path)!.folderId, img);
              for (const s of skipped) {
                const w = folderOf.get(s.file.path)!;
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
    }

    onProgress?.({
      phase: 'saving',
      done: work.length,
      total: work.length,
      skipped: summary.skipped.length,
      imagesPerSecond: 0,
    });
    db.transaction(() => this.deps.embeddings.pruneOrphans())();
    const index = this.deps.index();
    if (index.pendingSinceSnapshot() > 0) index.snapshotSync();
    summary.seconds = (performance.now() - started) / 1000;
    summary.imagesPerSecond = summary.seconds > 0 ? summary.indexed / summary.seconds : 0;
    return summary;
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
    const id = this.deps.images.upsert({
      folderId,
      path: file.path,
      size: file.size,
      mtimeMs: file.mtimeMs,
      contentHash: null,
      width: null,
      height: null,
      format: null,
      status: 'skipped',
      skipCode: skip.code,
      skipReason: skip.message,
    });
    if (previous?.status === 'ok') this.deps.indexLog.logChange(id, 'delete');
  }
}
