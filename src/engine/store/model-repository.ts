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
}
