import type { Database } from 'better-sqlite3';

/**
 * Versioned schema. Each step runs in its own transaction together with the bump of
 * `PRAGMA user_version`, so a process killed mid-migration leaves the previous version intact.
 * Never edit a released step: append a new one.
 */
export const migrations: ReadonlyArray<{ version: number; up: (db: Database) => void }> = [
  {
    version: 1,
    up: (db) => {
      db.exec(`
        CREATE TABLE folders (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          added_at INTEGER NOT NULL
        );

        CREATE TABLE images (
          id INTEGER PRIMARY KEY,
          folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
          path TEXT NOT NULL UNIQUE,
          size INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          content_hash TEXT,
          width INTEGER,
          height INTEGER,
          format TEXT,
          status TEXT NOT NULL CHECK (status IN ('ok', 'skipped')),
          skip_code TEXT,
          skip_reason TEXT,
          indexed_at INTEGER NOT NULL
        );
        CREATE INDEX images_folder ON images(folder_id);
        CREATE INDEX images_hash ON images(content_hash);

        CREATE TABLE models (
          id TEXT PRIMARY KEY,
          dim INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          manifest TEXT NOT NULL
        );

        -- Vectors are keyed by content, so byte-identical files are embedded once.
        CREATE TABLE embeddings (
          content_hash TEXT NOT NULL,
          model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
          vector BLOB NOT NULL,
          PRIMARY KEY (content_hash, model_id)
        ) WITHOUT ROWID;

        -- Every change to a model's index, in order; replayed on top of the latest snapshot.
        CREATE TABLE index_ops (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          model_id TEXT NOT NULL,
          image_id INTEGER NOT NULL,
          op TEXT NOT NULL CHECK (op IN ('add', 'delete'))
        );
        CREATE INDEX index_ops_model ON index_ops(model_id, seq);

        CREATE TABLE index_snapshots (
          id INTEGER PRIMARY KEY,
          model_id TEXT NOT NULL,
          high_water INTEGER NOT NULL,
          live_count INTEGER NOT NULL,
          -- Labels marked deleted inside the graph (hnswlib does not expose them after a load).
          deleted_ids TEXT NOT NULL,
          params TEXT NOT NULL,
          byte_length INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE index_snapshot_chunks (
          snapshot_id INTEGER NOT NULL REFERENCES index_snapshots(id) ON DELETE CASCADE,
          chunk_no INTEGER NOT NULL,
          data BLOB NOT NULL,
          PRIMARY KEY (snapshot_id, chunk_no)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    up: (db) => {
      db.exec(`
        -- Patterns of files and folders a person chose to keep out of the library.
        CREATE TABLE exclusions (
          pattern TEXT PRIMARY KEY,
          added_at INTEGER NOT NULL
        );
      `);
    },
  },
];

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `This library was created by a newer version of Lookalike (schema ${current}; this version knows ${latest}). Please update the app.`,
    );
  }
  for (const step of migrations) {
    if (step.version <= current) continue;
    db.transaction(() => {
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
}
