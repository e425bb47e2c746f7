import type { Database } from 'better-sqlite3';

export class ExclusionRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  list(): string[] {
    return (
      this.db.prepare('SELECT pattern FROM exclusions ORDER BY pattern').all() as Array<{ pattern: string }>
    ).map((r) => r.pattern);
  }

  add(pattern: string): void {
    this.db
      .prepare('INSERT INTO exclusions (pattern, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .run(pattern, Date.now());
  }

  remove(pattern: string): boolean {
    return this.db.prepare('DELETE FROM exclusions WHERE pattern = ?').run(pattern).changes > 0;
  }
}
