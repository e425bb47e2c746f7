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
