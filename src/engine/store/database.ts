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

/** SQLite failures that are about the disk, not the data, in words a person can act on. */
export function describeStoreError(err: unknown): string | undefined {
  switch ((err as { code?: string })?.code) {
    case 'SQLITE_FULL':
      return 'The disk is full, so the library could not be saved. Free some space and run again: nothing already indexed was lost.';
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
      return 'The library file cannot be written (read-only disk or missing permission).';
    case 'SQLITE_IOERR':
      return 'The disk reported an error while saving the library; check the drive and run again.';
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return 'The library file is damaged or is not a Lookalike library.';
    case 'SQLITE_BUSY':
      return 'The library is busy in another process (indexing or watching); try again in a moment.';
    default:
      return undefined;
  }
}
