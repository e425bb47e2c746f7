import type { Database } from 'better-sqlite3';
import { decodeVector, encodeVector } from './vector-codec.ts';

export class EmbeddingRepository {
  private readonly db: Database;
  private readonly modelId: string;
  constructor(db: Database, modelId: string) {
    this.db = db;
    this.modelId = modelId;
  }

  has(contentHash: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM embeddings WHERE content_hash = ? AND model_id = ?')
        .get(contentHash, this.modelId) !== undefined
    );
  }

  put(contentHash: string, vector: Float32Array): void {
    this.db
      .prepare(
        `INSERT INTO embeddings (content_hash, model_id, vector) VALUES (?, ?, ?)
         ON CONFLICT(content_hash, model_id) DO UPDATE SET vector = excluded.vector`,
      )
      .run(contentHash, this.modelId, encodeVector(vector));
  }

  /** Vectors of the given images that are live ('ok') and embedded for this model. */
  vectorsForImages(imageIds: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    if (imageIds.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT i.id AS id, e.vector AS vector FROM images i
         JOIN embeddings e ON e.content_hash = i.content_hash AND e.model_id = ?
         WHERE i.status = 'ok' AND i.id IN (SELECT value FROM json_each(?))`,
      )
      .all(this.modelId, JSON.stringify(imageIds)) as Array<{ id: number; vector: Buffer }>;
    for (const r of rows) out.set(r.id, decodeVector(r.vector));
    return out;
  }

  /** Every live image with a vector for this model, in id order: the ground truth for the index. */
  *iterateLive(): IterableIterator<{ id: number; vector: Float32Array }> {
    const stmt = this.db.prepare(
      `SELECT i.id AS id, e.vector AS vector FROM images i
       JOIN embeddings e ON e.content_hash = i.content_hash AND e.model_id = ?
       WHERE i.status = 'ok' ORDER BY i.id`,
    );
    for (const r of stmt.iterate(this.modelId) as IterableIterator<{ id: number; vector: Buffer }>) {
      yield { id: r.id, vector: decodeVector(r.vector) };
    }
  }

  liveIds(): number[] {
    return (
      this.db
        .prepare(
          `SELECT i.id AS id FROM images i
           JOIN embeddings e ON e.content_hash = i.content_hash AND e.model_id = ?
           WHERE i.status = 'ok' ORDER BY i.id`,
        )
        .all(this.modelId) as Array<{ id: number }>
    ).map((r) => r.id);
  }

  /** Drops vectors no image refers to any more. */
  pruneOrphans(): number {
    return this.db
      .prepare(
        `DELETE FROM embeddings WHERE model_id = ? AND content_hash NOT IN
         (SELECT content_hash FROM images WHERE content_hash IS NOT NULL)`,
      )
      .run(this.modelId).changes;
  }
}
