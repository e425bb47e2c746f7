import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrations.ts';

/** Opens (creating if needed) a library database: WAL, foreign keys on, schema migrated. */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file, { readonly: options.readonly ?? false });
  try {
    // Another process (the watcher, the app) may be writing: wait rather than fail.
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode survives process crashes; only a power cut can lose the last commits.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db);
  } catch (err) {
    // A refused (newer schema), failed or not-a-database open must not leave the file open,
    // and on Windows locked, until garbage collection.
    db.close();
    throw err;
  }
  return db;
}
