import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';

export interface SnapshotMeta {
  id: number;
  highWater: number;
  liveCount: number;
  deletedIds: number[];
  params: string;
}

/** 8 MiB: comfortably below SQLite's default BLOB limit, and cheap to write in one step. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/** The index's durable side: the log of changes and the chunked graph snapshots. */
export class IndexRepository {
  private readonly db: Database;
  private readonly modelId: string;
  constructor(db: Database, modelId: string) {
    this.db = db;
    this.modelId = modelId;
  }

  logChange(imageId: number, op: 'add' | 'delete'): void {
    this.db
      .prepare('INSERT INTO index_ops (model_id, image_id, op) VALUES (?, ?, ?)')
      .run(this.modelId, imageId, op);
  }

  highWater(): number {
    const row = this.db
      .prepare('SELECT COALESCE(MAX(seq), 0) AS hw FROM index_ops WHERE model_id = ?')
      .get(this.modelId) as { hw: number };
    return row.hw;
  }

  /** Image ids changed after `seq`, each once, and the last change's seq. */
  touchedSince(seq: number): { ids: number[]; highWater: number } {
    const rows = this.db
      .prepare('SELECT image_id AS id, seq FROM index_ops WHERE model_id = ? AND seq > ? ORDER BY seq')
      .all(this.modelId, seq) as Array<{ id: number; seq: number }>;
    return { ids: [...new Set(rows.map((r) => r.id))], highWater: rows.at(-1)?.seq ?? seq };
  }

  changesSince(seq: number): number {
    return (
      this.db
        .prepare('SELECT COUNT(*) AS n FROM index_ops WHERE model_id = ? AND seq > ?')
        .get(this.modelId, seq) as { n: number }
    ).n;
  }

  /** The log position the latest snapshot covers (0 without one); cheaper than `latestSnapshot`. */
  snapshotHighWater(): number {
    const row = this.db
      .prepare('SELECT COALESCE(MAX(high_water), 0) AS hw FROM index_snapshots WHERE model_id = ?')
      .get(this.modelId) as { hw: number };
    return row.hw;
  }

  latestSnapshot(): SnapshotMeta | undefined {
    const row = this.db
      .prepare(
        `SELECT id, high_water AS highWater, live_count AS liveCount, deleted_ids AS deletedIds, params
         FROM index_snapshots WHERE model_id = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(this.modelId) as (Omit<SnapshotMeta, 'deletedIds'> & { deletedIds: string }) | undefined;
    return row ? { ...row, deletedIds: JSON.parse(row.deletedIds) as number[] } : undefined;
  }

  /** The snapshot's bytes, or undefined when they are missing or do not match their checksum. */
  readSnapshotBytes(snapshotId: number): Buffer | undefined {
    const meta = this.db
      .prepare('SELECT byte_length AS len, sha256 FROM index_snapshots WHERE id = ?')
      .get(snapshotId) as { len: number; sha256: string } | undefined;
    if (!meta) return undefined;
    const chunks = this.db
      .prepare('SELECT data FROM index_snapshot_chunks WHERE snapshot_id = ? ORDER BY chunk_no')
      .all(snapshotId) as Array<{ data: Buffer }>;
    const bytes = Buffer.concat(chunks.map((c) => c.data));
    if (bytes.length !== meta.len) return undefined;
    if (createHash('sha256').update(bytes).digest('hex') !== meta.sha256) return undefined;
    return bytes;
  }

  /**
   * Stores a snapshot and, in the same transaction, forgets older snapshots and the log entries
   * it covers. Readers load snapshot + log inside one read transaction, so they never see a gap.
   * Returns false, storing nothing, when another connection has meanwhile saved a snapshot that
   * covers more: replacing it would lose the log entries that snapshot pruned.
   */
  saveSnapshot(s: Omit<SnapshotMeta, 'id'>, bytes: Buffer): boolean {
    // IMMEDIATE: the check and the write must see the same state (and a deferred read cannot
    // be upgraded to a write in WAL once another writer has committed).
    return this.db
      .transaction(() => {
        if (this.snapshotHighWater() > s.highWater) return false;
        const { id } = this.db
          .prepare(
            `INSERT INTO index_snapshots (model_id, high_water, live_count, deleted_ids, params, byte_length, sha256, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          )
          .get(
            this.modelId,
            s.highWater,
            s.liveCount,
            JSON.stringify(s.deletedIds),
            s.params,
            bytes.length,
            createHash('sha256').update(bytes).digest('hex'),
            Date.now(),
          ) as { id: number };
        const insert = this.db.prepare(
          'INSERT INTO index_snapshot_chunks (snapshot_id, chunk_no, data) VALUES (?, ?, ?)',
        );
        for (let off = 0, n = 0; off < bytes.length; off += CHUNK_BYTES, n++) {
          insert.run(id, n, bytes.subarray(off, off + CHUNK_BYTES));
        }
        this.db.prepare('DELETE FROM index_snapshots WHERE model_id = ? AND id < ?').run(this.modelId, id);
        this.db
          .prepare('DELETE FROM index_ops WHERE model_id = ? AND seq <= ?')
          .run(this.modelId, s.highWater);
        return true;
      })
      .immediate();
  }
}
