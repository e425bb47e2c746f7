import type { Database } from 'better-sqlite3';

export interface IdentifiedImage {
  path: string;
  contentHash: string;
  width: number | null;
  height: number | null;
}

/**
 * A library photo's identity is its content hash: judgments, pools and runs refer to photos by
 * it, so a rename or a move keeps them. This maps between paths and hashes (live photos only).
 */
export class ImageIdentityRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  byPath(p: string): IdentifiedImage | undefined {
    return this.db
      .prepare(
        `SELECT path, content_hash AS contentHash, width, height FROM images
         WHERE path = ? AND status = 'ok' AND content_hash IS NOT NULL`,
      )
      .get(p) as IdentifiedImage | undefined;
  }

  /** Hashes of the given paths (paths not in the library are left out). */
  hashesOf(paths: readonly string[]): Map<string, string> {
    if (paths.length === 0) return new Map();
    const rows = this.db
      .prepare(
        `SELECT path, content_hash AS contentHash FROM images
         WHERE status = 'ok' AND content_hash IS NOT NULL AND path IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(paths)) as Array<{ path: string; contentHash: string }>;
    return new Map(rows.map((r) => [r.path, r.contentHash]));
  }

  /**
   * One current library photo per hash (byte-identical copies share a hash; the first path in
   * order stands for them). Hashes no longer in the library are left out.
   */
  byHashes(hashes: readonly string[]): Map<string, IdentifiedImage> {
    if (hashes.length === 0) return new Map();
    const rows = this.db
      .prepare(
        `SELECT path, content_hash AS contentHash, width, height FROM images
         WHERE status = 'ok' AND content_hash IN (SELECT value FROM json_each(?)) ORDER BY path DESC`,
      )
      .all(JSON.stringify(hashes)) as IdentifiedImage[];
    return new Map(rows.map((r) => [r.contentHash, r]));
  }
}
