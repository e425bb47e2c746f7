import path from 'node:path';
import type { Database } from 'better-sqlite3';

export interface FolderRow {
  id: number;
  path: string;
  addedAt: number;
}

export class FolderRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** Adds a folder (absolute, normalised path) or returns the existing one. */
  add(folderPath: string): FolderRow {
    this.db
      .prepare('INSERT INTO folders (path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING')
      .run(folderPath, Date.now());
    return this.getByPath(folderPath)!;
  }

  /**
   * Adds a folder that may contain library folders already: their photos move under it and
   * they stop being separate folders, so nothing is listed (or scanned) twice.
   */
  addAbsorbing(folderPath: string): FolderRow {
    return this.db.transaction(() => {
      const parent = this.add(folderPath);
      const prefix = folderPath.endsWith(path.sep) ? folderPath : folderPath + path.sep;
      const inner = this.list().filter((f) => f.path.startsWith(prefix));
      for (const f of inner) {
        this.db.prepare('UPDATE images SET folder_id = ? WHERE folder_id = ?').run(parent.id, f.id);
        this.db.prepare('DELETE FROM folders WHERE id = ?').run(f.id);
      }
      return parent;
    })();
  }

  getByPath(folderPath: string): FolderRow | undefined {
    return this.db
      .prepare('SELECT id, path, added_at AS addedAt FROM folders WHERE path = ?')
      .get(folderPath) as FolderRow | undefined;
  }

  list(): FolderRow[] {
    return this.db
      .prepare('SELECT id, path, added_at AS addedAt FROM folders ORDER BY path')
      .all() as FolderRow[];
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM folders WHERE id = ?').run(id);
  }
}
