import type { Database } from 'better-sqlite3';
import { decodeVector, encodeVector, type VectorFormat } from './vector-codec.ts';

export class EmbeddingRepository {
  private readonly db: Database;
  private readonly modelId: string;
  /** The form new vectors are written in; every form is read. */
  private readonly format: VectorFormat;
  constructor(db: Database, modelId: string, format: VectorFormat = 'float32') {
    this.db = db;
    this.modelId = modelId;
    this.format = format;
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
      .run(contentHash, this.modelId, encodeVector(vector, this.format));
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

  /** Live photos, and how many of them have a vector for this model (its index covers those). */
  coverage(): { done: number; total: number } {
    return this.db
      .prepare(
        `SELECT COUNT(*) AS total, COUNT(e.content_hash) AS done FROM images i
         LEFT JOIN embeddings e ON e.content_hash = i.content_hash AND e.model_id = ?
         WHERE i.status = 'ok'`,
      )
      .get(this.modelId) as { done: number; total: number };
  }

  /**
   * Contents of live photos that have no vector for this model, one file each (byte-identical
   * files share a vector, so each content is embedded once), with every image id showing it.
   */
  missingContent(): Array<{
    contentHash: string;
    path: string;
    size: number;
    mtimeMs: number;
    imageIds: number[];
  }> {
    const rows = this.db
      .prepare(
        `SELECT i.content_hash AS contentHash, MIN(i.path) AS path, json_group_array(i.id) AS ids
         FROM images i
         LEFT JOIN embeddings e ON e.content_hash = i.content_hash AND e.model_id = ?
         WHERE i.status = 'ok' AND i.content_hash IS NOT NULL AND e.content_hash IS NULL
         GROUP BY i.content_hash ORDER BY MIN(i.id)`,
      )
      .all(this.modelId) as Array<{ contentHash: string; path: string; ids: string }>;
    const sizes = this.db.prepare('SELECT size, mtime_ms AS mtimeMs FROM images WHERE path = ?');
    return rows.map((r) => {
      const { size, mtimeMs } = sizes.get(r.path) as { size: number; mtimeMs: number };
      return {
        contentHash: r.contentHash,
        path: r.path,
        size,
        mtimeMs,
        imageIds: JSON.parse(r.ids) as number[],
      };
    });
  }

  /** Live image ids showing this content. */
  imagesWithContent(contentHash: string): number[] {
    return (
      this.db
        .prepare(`SELECT id FROM images WHERE content_hash = ? AND status = 'ok' ORDER BY id`)
        .all(contentHash) as Array<{ id: number }>
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
