import type { Database } from 'better-sqlite3';
import type { ModelManifest } from '../embedding/model-manifest.ts';

export class ModelRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /**
   * Records the model. A different file under the same id would mix incompatible vectors,
   * so its old embeddings (and, by cascade, nothing else) are dropped and will be recomputed.
   */
  ensure(manifest: ModelManifest): void {
    const existing = this.db.prepare('SELECT sha256, dim FROM models WHERE id = ?').get(manifest.id) as
      { sha256: string; dim: number } | undefined;
    if (existing && existing.sha256 === manifest.sha256 && existing.dim === manifest.output.dim) return;
    this.db.transaction(() => {
      if (existing) {
        this.db.prepare('DELETE FROM embeddings WHERE model_id = ?').run(manifest.id);
        this.db.prepare('DELETE FROM index_snapshots WHERE model_id = ?').run(manifest.id);
        this.db.prepare('DELETE FROM index_ops WHERE model_id = ?').run(manifest.id);
      }
      this.db
        .prepare(
          `INSERT INTO models (id, dim, sha256, manifest) VALUES (?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET dim = excluded.dim, sha256 = excluded.sha256, manifest = excluded.manifest`,
        )
        .run(manifest.id, manifest.output.dim, manifest.sha256, JSON.stringify(manifest));
    })();
  }

  /** Model ids the library holds data for (vectors, index), in id order. */
  list(): string[] {
    return (this.db.prepare('SELECT id FROM models ORDER BY id').all() as Array<{ id: string }>).map(
      (r) => r.id,
    );
  }

  /** What the library stores for a model: its vectors, and the bytes they and its index take. */
  storedData(modelId: string): { vectors: number; bytes: number } {
    const v = this.db
      .prepare(
        'SELECT COUNT(*) AS n, COALESCE(SUM(length(vector)), 0) AS bytes FROM embeddings WHERE model_id = ?',
      )
      .get(modelId) as { n: number; bytes: number };
    const s = this.db
      .prepare('SELECT COALESCE(SUM(byte_length), 0) AS bytes FROM index_snapshots WHERE model_id = ?')
      .get(modelId) as { bytes: number };
    return { vectors: v.n, bytes: v.bytes + s.bytes };
  }

  /**
   * Forgets a model and everything the library keeps for it (vectors, index snapshots, log), in
   * one transaction. SQLite reuses the freed pages for new data; the file does not shrink.
   */
  drop(modelId: string): { vectors: number; bytes: number } {
    return this.db.transaction(() => {
      const stored = this.storedData(modelId);
      this.db.prepare('DELETE FROM embeddings WHERE model_id = ?').run(modelId);
      this.db.prepare('DELETE FROM index_snapshots WHERE model_id = ?').run(modelId);
      this.db.prepare('DELETE FROM index_ops WHERE model_id = ?').run(modelId);
      this.db.prepare('DELETE FROM models WHERE id = ?').run(modelId);
      return stored;
    })();
  }
}
