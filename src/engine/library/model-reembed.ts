import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ImageRepository } from '../store/image-repository.ts';
import { type IngestOptions, ingest } from './ingest-pipeline.ts';
import type { JobControl } from './job-control.ts';
import type { ModelSlot } from './model-slot.ts';

export interface ReembedProgress {
  /** The model the library is being embedded for. */
  model: string;
  /** Live photos with a vector for `model`, out of all live photos. */
  done: number;
  total: number;
  imagesPerSecond: number;
  etaSeconds?: number;
  currentPath?: string;
}

export interface ReembedSummary {
  model: string;
  /** Contents embedded now (byte-identical files count once). */
  embedded: number;
  /** Files that could not be read any more: they leave the library until they can be. */
  skipped: Array<{ path: string; reason: string }>;
  /** Files changed since they were indexed: indexed again first, then embedded. */
  changed: number;
  /** Stopped on request; what was embedded is kept and the next run goes on from there. */
  cancelled: boolean;
  /** Whether every live photo now has a vector for `model`. */
  complete: boolean;
  seconds: number;
}

export interface ReembedDeps {
  db: Database;
  images: ImageRepository;
  slot: ModelSlot;
  /** Records an index change for every model whose index is kept up to date. */
  logChange(imageId: number, op: 'add' | 'delete'): void;
  /** Indexes files again that changed on disk since the library read them. */
  updateFiles(paths: readonly string[]): Promise<unknown>;
  /** Library folders that cannot be reached now (an unplugged drive): their photos wait. */
  unreachableFolders(): string[];
  ingestOptions: IngestOptions;
}

/** Log entries after which a long re-embed writes a snapshot, so a restart need not rebuild. */
const SNAPSHOT_EVERY = 500;

/**
 * Gives every live photo a vector for one model: the photos are read and embedded through the
 * same ingest pipeline as indexing (byte-identical contents once), and each vector is committed
 * with its index log entries, so a killed process loses at most the batches in flight and the
 * next run goes on from the first photo still missing. Passes repeat until nothing is missing,
 * which takes in photos that arrived meanwhile.
 */
export async function reembedMissing(
  deps: ReembedDeps,
  run: { onProgress?: (p: ReembedProgress) => void; control?: JobControl } = {},
): Promise<ReembedSummary> {
  const started = performance.now();
  const { slot, db } = deps;
  const summary: ReembedSummary = {
    model: slot.id,
    embedded: 0,
    skipped: [],
    changed: 0,
    cancelled: false,
    complete: false,
    seconds: 0,
  };
  let sinceSnapshot = 0;
  for (;;) {
    const away = deps.unreachableFolders().map((f) => f + path.sep);
    const missing = slot.embeddings.missingContent().filter((m) => !away.some((f) => m.path.startsWith(f)));
    if (missing.length === 0) break;
    if (run.control && !(await run.control.checkpoint())) {
      summary.cancelled = true;
      break;
    }
    const embedder = await slot.startEmbedder();
    const byPath = new Map(missing.map((m) => [m.path, m] as const));
    let { done, total } = slot.embeddings.coverage();
    const changed: string[] = [];
    let progressed = 0;
    const report = (currentPath?: string): void => {
      const secs = (performance.now() - started) / 1000;
      const rate = secs > 0 ? summary.embedded / secs : 0;
      run.onProgress?.({
        model: slot.id,
        done,
        total,
        imagesPerSecond: rate,
        ...(rate > 0 ? { etaSeconds: (total - done) / rate } : {}),
        ...(currentPath ? { currentPath } : {}),
      });
    };
    report();
    await ingest(
      missing.map((m) => ({ path: m.path, size: m.size, mtimeMs: m.mtimeMs })),
      embedder,
      {
        hasVector: (hash) => slot.embeddings.has(hash),
        progress: (f) => report(f.path),
        ...(run.control ? { checkpoint: () => run.control!.checkpoint() } : {}),
        commit: (ok, skipped) => {
          db.transaction(() => {
            for (const img of ok) {
              const wanted = byPath.get(img.file.path)!;
              if (img.contentHash !== wanted.contentHash) {
                // The file changed since it was indexed: its record (and the other model's
                // vector) must be brought up to date first.
                changed.push(img.file.path);
                continue;
              }
              if (img.vector) slot.embeddings.put(img.contentHash, img.vector);
              const ids = slot.embeddings.imagesWithContent(img.contentHash);
              for (const id of ids) slot.indexLog.logChange(id, 'add');
              done += ids.length;
              sinceSnapshot += ids.length;
              summary.embedded++;
              progressed++;
            }
            for (const s of skipped) {
              const found = deps.images.getByPath(s.file.path);
              if (!found || found.status !== 'ok') continue;
              // Unreadable now: the photo leaves every model's index, as indexing would do.
              deps.logChange(deps.images.markSkipped(found, s.skip), 'delete');
              total--;
              summary.skipped.push({ path: s.file.path, reason: s.skip.message });
              progressed++;
            }
          })();
          slot.index().refreshSync();
          if (sinceSnapshot >= SNAPSHOT_EVERY) {
            slot.index().snapshotSync();
            sinceSnapshot = 0;
          }
          report();
        },
      },
      deps.ingestOptions,
    );
    if (changed.length > 0) {
      summary.changed += changed.length;
      await deps.updateFiles(changed);
    }
    if (run.control?.isCancelled) {
      summary.cancelled = true;
      break;
    }
    // Nothing could be done this pass (e.g. photos on a drive that went away mid-pass): stop
    // rather than spin; the next run tries again.
    if (progressed === 0 && changed.length === 0) break;
  }
  if (summary.embedded + summary.skipped.length > 0) {
    const index = slot.index();
    index.refreshSync();
    if (index.pendingSinceSnapshot() > 0) index.snapshotSync();
  }
  summary.complete = slot.isComplete();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
