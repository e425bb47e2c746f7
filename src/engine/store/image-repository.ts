import path from 'node:path';
import type { Database } from 'better-sqlite3';

export type ImageStatus = 'ok' | 'skipped';

export interface ImageRow {
  id: number;
  folderId: number;
  path: string;
  size: number;
  mtimeMs: number;
  contentHash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  status: ImageStatus;
  skipCode: string | null;
  skipReason: string | null;
}

export interface Fingerprint {
  id: number;
  size: number;
  mtimeMs: number;
  status: ImageStatus;
  skipCode: string | null;
}

export type ImageRecord = Omit<ImageRow, 'id'>;

const columns = `id, folder_id AS folderId, path, size, mtime_ms AS mtimeMs, content_hash AS contentHash,
  width, height, format, status, skip_code AS skipCode, skip_reason AS skipReason`;

export class ImageRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** Inserts or replaces the record for a path; returns the image id (stable across updates). */
  upsert(rec: ImageRecord): number {
    const row = this.db
      .prepare(
        `INSERT INTO images (folder_id, path, size, mtime_ms, content_hash, width, height, format, status, skip_code, skip_reason, indexed_at)
         VALUES (@folderId, @path, @size, @mtimeMs, @contentHash, @width, @height, @format, @status, @skipCode, @skipReason, @now)
         ON CONFLICT(path) DO UPDATE SET folder_id = excluded.folder_id, size = excluded.size,
           mtime_ms = excluded.mtime_ms, content_hash = excluded.content_hash, width = excluded.width,
           height = excluded.height, format = excluded.format, status = excluded.status,
           skip_code = excluded.skip_code, skip_reason = excluded.skip_reason, indexed_at = excluded.indexed_at
         RETURNING id`,
      )
      .get({ ...rec, now: Date.now() }) as { id: number };
    return row.id;
  }

  /**
   * Records a file that cannot be read as an image, and why: it holds no content, so no index
   * shows it (the caller logs the delete where it was live). Returns the image id.
   */
  markSkipped(
    file: Pick<ImageRecord, 'folderId' | 'path' | 'size' | 'mtimeMs'>,
    skip: { code: string; message: string },
  ): number {
    return this.upsert({
      folderId: file.folderId,
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
  }

  getByPath(p: string): ImageRow | undefined {
    return this.db.prepare(`SELECT ${columns} FROM images WHERE path = ?`).get(p) as ImageRow | undefined;
  }

  getMany(ids: readonly number[]): ImageRow[] {
    if (ids.length === 0) return [];
    return this.db
      .prepare(`SELECT ${columns} FROM images WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as ImageRow[];
  }

  /** What the scanner needs to decide whether a file changed, keyed by path. */
  fingerprintsInFolder(folderId: number): Map<string, Fingerprint> {
    const rows = this.db
      .prepare(
        'SELECT id, path, size, mtime_ms AS mtimeMs, status, skip_code AS skipCode FROM images WHERE folder_id = ?',
      )
      .all(folderId) as Array<Fingerprint & { path: string }>;
    return new Map(rows.map((r) => [r.path, r]));
  }

  /** Records whose path starts with `prefix` (a folder path ending in a separator). */
  fingerprintsUnder(prefix: string): Fingerprint[] {
    return this.db
      .prepare(
        `SELECT id, size, mtime_ms AS mtimeMs, status, skip_code AS skipCode FROM images
         WHERE substr(path, 1, length(@prefix)) = @prefix`,
      )
      .all({ prefix }) as Fingerprint[];
  }

  /** A finished image with this content, whose dimensions can be reused without decoding. */
  findOkByHash(hash: string): ImageRow | undefined {
    return this.db
      .prepare(`SELECT ${columns} FROM images WHERE content_hash = ? AND status = 'ok' LIMIT 1`)
      .get(hash) as ImageRow | undefined;
  }

  /** Live images anywhere under any of these folders (library folders or folders inside them). */
  idsUnder(folders: readonly string[]): Set<number> {
    const stmt = this.db.prepare(
      `SELECT id FROM images WHERE status = 'ok' AND substr(path, 1, length(@prefix)) = @prefix`,
    );
    const out = new Set<number>();
    for (const folder of folders) {
      const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
      for (const r of stmt.iterate({ prefix }) as IterableIterator<{ id: number }>) out.add(r.id);
    }
    return out;
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM images WHERE id = ?').run(id);
  }

  countByStatus(): { ok: number; skipped: number } {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM images GROUP BY status').all() as Array<{
      status: ImageStatus;
      n: number;
    }>;
    const out = { ok: 0, skipped: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  countsByFolder(): Map<number, { ok: number; skipped: number }> {
    const rows = this.db
      .prepare('SELECT folder_id AS folderId, status, COUNT(*) AS n FROM images GROUP BY folder_id, status')
      .all() as Array<{ folderId: number; status: ImageStatus; n: number }>;
    const out = new Map<number, { ok: number; skipped: number }>();
    for (const r of rows) {
      const c = out.get(r.folderId) ?? { ok: 0, skipped: 0 };
      c[r.status] = r.n;
      out.set(r.folderId, c);
    }
    return out;
  }

  skipped(limit = 1000): Array<{ path: string; reason: string }> {
    return this.db
      .prepare(
        `SELECT path, skip_reason AS reason FROM images WHERE status = 'skipped' ORDER BY path LIMIT ?`,
      )
      .all(limit) as Array<{ path: string; reason: string }>;
  }
}
