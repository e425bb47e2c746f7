import type { Database } from 'better-sqlite3';
import type { EmbeddingRepository } from '../store/embedding-repository.ts';
import type { IndexRepository } from '../store/index-repository.ts';
import { HnswIndex } from './hnsw-index.ts';
import type { IndexParams } from './index-params.ts';

export type IndexHealth =
  { state: 'empty' } | { state: 'snapshot'; replayed: number } | { state: 'rebuilt'; reason: string };

/** Past this share of mark-deleted points, a snapshot compacts the graph first. */
const COMPACT_DELETED_RATIO = 0.2;

interface Deps {
  repo: IndexRepository;
  embeddings: EmbeddingRepository;
  params: IndexParams;
  dim: number;
}

/**
 * The HNSW graph kept durable in SQLite: the latest snapshot plus the change log after it.
 * The database rows are the truth and the graph is derived from them: every change reaches the
 * graph by way of the log (`refreshSync`), whichever process made it, and any disagreement
 * found on open triggers a rebuild from the stored vectors.
 */
export class DurableIndex {
  index: HnswIndex;
  readonly health: IndexHealth;
  private readonly db: Database;
  private readonly deps: Deps;
  /** The last log entry the graph reflects. */
  private appliedThrough: number;

  private constructor(
    db: Database,
    deps: Deps,
    index: HnswIndex,
    health: IndexHealth,
    appliedThrough: number,
  ) {
    this.db = db;
    this.deps = deps;
    this.index = index;
    this.health = health;
    this.appliedThrough = appliedThrough;
  }

  static openSync(db: Database, deps: Deps): DurableIndex {
    // One read transaction: the snapshot, the log after it and the rows are seen at one instant.
    return db.transaction(() => {
      const snap = deps.repo.latestSnapshot();
      // Saving a snapshot prunes the log it covers, so the log alone can be behind the snapshot.
      const highWater = Math.max(deps.repo.highWater(), snap?.highWater ?? 0);
      const truth = deps.embeddings.liveIds();
      const loaded = snap ? loadSnapshot(deps, snap.id, snap.highWater, snap.deletedIds) : undefined;
      if (loaded) {
        const mismatch = describeMismatch(loaded.index, truth);
        if (!mismatch) {
          return new DurableIndex(
            db,
            deps,
            loaded.index,
            { state: 'snapshot', replayed: loaded.replayed },
            highWater,
          );
        }
        return new DurableIndex(db, deps, rebuild(deps), { state: 'rebuilt', reason: mismatch }, highWater);
      }
      if (truth.length === 0) {
        return new DurableIndex(
          db,
          deps,
          new HnswIndex(deps.dim, deps.params),
          { state: 'empty' },
          highWater,
        );
      }
      const reason = snap ? 'snapshot unreadable' : 'no snapshot yet';
      return new DurableIndex(db, deps, rebuild(deps), { state: 'rebuilt', reason }, highWater);
    })();
  }

  /**
   * Applies every change committed (by any process) since the graph was last brought up to date.
   * Returns how many images it touched (after reloading a newer snapshot: how many it holds).
   */
  refreshSync(): number {
    // One read transaction, so a snapshot saved meanwhile cannot prune the log between the reads.
    return this.db.transaction(() => {
      if (this.deps.repo.snapshotHighWater() > this.appliedThrough) {
        // Another connection saved a snapshot past our position and pruned the log entries it
        // covers, some of which we have not applied: they survive only in that snapshot.
        const fresh = DurableIndex.openSync(this.db, this.deps);
        this.index = fresh.index;
        this.appliedThrough = fresh.appliedThrough;
        return this.index.liveCount;
      }
      const { ids, highWater } = this.deps.repo.touchedSince(this.appliedThrough);
      applyTouched(this.index, ids, this.deps.embeddings);
      this.appliedThrough = highWater;
      return ids.length;
    })();
  }

  /** Whether enough points are mark-deleted that the graph should be rebuilt without them. */
  get needsCompaction(): boolean {
    return this.index.deletedRatio > COMPACT_DELETED_RATIO;
  }

  /**
   * Rebuilds the graph without its mark-deleted points a slice at a time, yielding to the event
   * loop between slices, while searches keep using the current graph; changes committed meanwhile
   * are applied to the new graph before it replaces the old one.
   */
  async compactAsync(sliceSize = 256): Promise<void> {
    this.refreshSync();
    const from = this.appliedThrough;
    const ids = this.deps.embeddings.liveIds();
    const fresh = new HnswIndex(this.deps.dim, this.deps.params, ids.length + 16);
    for (let i = 0; i < ids.length; i += sliceSize) {
      for (const [id, v] of this.deps.embeddings.vectorsForImages(ids.slice(i, i + sliceSize)))
        fresh.upsertSync(id, v);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.db.transaction(() => {
      if (this.deps.repo.snapshotHighWater() > from) {
        // Another process snapshotted (and pruned the log) meanwhile: its snapshot is newer.
        const reopened = DurableIndex.openSync(this.db, this.deps);
        this.index = reopened.index;
        this.appliedThrough = reopened.appliedThrough;
        return;
      }
      const { ids: touched, highWater } = this.deps.repo.touchedSince(from);
      applyTouched(fresh, touched, this.deps.embeddings);
      this.index = fresh;
      this.appliedThrough = highWater;
    })();
  }

  /** Changes logged since the last snapshot: how much replay the next open would need. */
  pendingSinceSnapshot(): number {
    return this.deps.repo.changesSince(this.deps.repo.snapshotHighWater());
  }

  /** Writes a snapshot covering everything committed so far; compacts deleted points first. */
  snapshotSync(): void {
    this.refreshSync();
    if (this.index.deletedRatio > COMPACT_DELETED_RATIO) this.index = rebuild(this.deps);
    this.deps.repo.saveSnapshot(
      {
        highWater: this.appliedThrough,
        liveCount: this.index.liveCount,
        deletedIds: this.index.deletedIds,
        params: JSON.stringify(this.deps.params),
      },
      this.index.toBytesSync(),
    );
  }
}

function loadSnapshot(
  deps: Deps,
  snapshotId: number,
  snapshotHighWater: number,
  deletedIds: number[],
): { index: HnswIndex; replayed: number } | undefined {
  const bytes = deps.repo.readSnapshotBytes(snapshotId);
  if (!bytes) return undefined;
  try {
    const index = HnswIndex.fromBytesSync(bytes, deps.dim, deps.params, deletedIds);
    // Replay is inside the try too: a graph whose deleted marks disagree with the saved list
    // makes hnswlib throw here, and that must mean "rebuild", not "cannot open".
    const { ids } = deps.repo.touchedSince(snapshotHighWater);
    applyTouched(index, ids, deps.embeddings);
    return { index, replayed: ids.length };
  } catch {
    return undefined;
  }
}

function applyTouched(index: HnswIndex, ids: readonly number[], embeddings: EmbeddingRepository): void {
  const vectors = embeddings.vectorsForImages(ids);
  for (const id of ids) {
    const v = vectors.get(id);
    if (v) index.upsertSync(id, v);
    else index.removeSync(id);
  }
}

function rebuild(deps: Deps): HnswIndex {
  const index = new HnswIndex(deps.dim, deps.params, deps.embeddings.liveIds().length + 16);
  for (const { id, vector } of deps.embeddings.iterateLive()) index.upsertSync(id, vector);
  return index;
}

function describeMismatch(index: HnswIndex, truth: readonly number[]): string | undefined {
  if (index.liveCount !== truth.length) {
    return `index held ${index.liveCount} photos, library has ${truth.length}`;
  }
  for (const id of truth) if (!index.has(id)) return `photo ${id} missing from the index`;
  return undefined;
}
