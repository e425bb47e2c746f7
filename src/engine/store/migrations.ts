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
  {
    version: 3,
    up: (db) => {
      db.exec(`
        -- The library's model choice (one row): the model that answers searches, and the one the
        -- library is being re-embedded for, which takes over once its index covers every photo.
        CREATE TABLE library_model (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          active_model TEXT,
          target_model TEXT,
          switch_started_at INTEGER
        );
        -- An existing library keeps answering with the model its vectors came from.
        INSERT INTO library_model (id, active_model)
        VALUES (1, COALESCE(
          (SELECT model_id FROM embeddings GROUP BY model_id ORDER BY COUNT(*) DESC, model_id LIMIT 1),
          (SELECT id FROM models ORDER BY id LIMIT 1)));

        -- Vectors move to a rowid table: it keeps a row of up to about 4 KB in its page, where the
        -- WITHOUT ROWID table spilled every vector over about 1 KB into an overflow page of its own
        -- (4 KB on disk per vector, whatever its size), so compact vectors could not save space.
        CREATE TABLE embeddings_by_row (
          content_hash TEXT NOT NULL,
          model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
          vector BLOB NOT NULL,
          PRIMARY KEY (content_hash, model_id)
        );
        INSERT INTO embeddings_by_row (content_hash, model_id, vector)
          SELECT content_hash, model_id, vector FROM embeddings;
        DROP TABLE embeddings;
        ALTER TABLE embeddings_by_row RENAME TO embeddings;
      `);
    },
  },
  {
    version: 4,
    up: (db) => {
      db.exec(`
        -- Evaluation sets: named lists of queries that a curator grades results for.
        CREATE TABLE eval_sets (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL
        );
        -- Query images from outside the library, kept by content so a set outlives the file.
        CREATE TABLE eval_query_images (
          content_hash TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          bytes BLOB NOT NULL,
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          format TEXT NOT NULL,
          added_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- A library query is found again by its content hash; path is where it was last seen.
        CREATE TABLE eval_queries (
          id INTEGER PRIMARY KEY,
          set_id INTEGER NOT NULL REFERENCES eval_sets(id) ON DELETE CASCADE,
          qid TEXT NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('library', 'external')),
          content_hash TEXT NOT NULL,
          label TEXT NOT NULL,
          path TEXT,
          crop TEXT,
          added_at INTEGER NOT NULL,
          UNIQUE (set_id, qid)
        );
        -- Candidates to grade per query (the union of configurations' top k), by photo identity.
        CREATE TABLE eval_pool (
          query_id INTEGER NOT NULL REFERENCES eval_queries(id) ON DELETE CASCADE,
          content_hash TEXT NOT NULL,
          path TEXT NOT NULL,
          added_at INTEGER NOT NULL,
          PRIMARY KEY (query_id, content_hash)
        ) WITHOUT ROWID;
        -- Grades 0-5 keyed by content hash, so renamed or moved photos keep them.
        CREATE TABLE eval_judgments (
          query_id INTEGER NOT NULL REFERENCES eval_queries(id) ON DELETE CASCADE,
          content_hash TEXT NOT NULL,
          grade INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 5),
          judged_at INTEGER NOT NULL,
          PRIMARY KEY (query_id, content_hash)
        ) WITHOUT ROWID;
        -- Every grade change with the grade it replaced (NULL: none), newest last: undo pops it.
        CREATE TABLE eval_judgment_history (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          set_id INTEGER NOT NULL REFERENCES eval_sets(id) ON DELETE CASCADE,
          query_id INTEGER NOT NULL REFERENCES eval_queries(id) ON DELETE CASCADE,
          content_hash TEXT NOT NULL,
          previous_grade INTEGER,
          at INTEGER NOT NULL
        );
        CREATE INDEX eval_judgment_history_set ON eval_judgment_history(set_id, seq);
        -- Rankings a configuration produced for a set, kept for TREC run export.
        CREATE TABLE eval_runs (
          id INTEGER PRIMARY KEY,
          set_id INTEGER NOT NULL REFERENCES eval_sets(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          configuration TEXT NOT NULL,
          model_id TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX eval_runs_set ON eval_runs(set_id, name, id);
        CREATE TABLE eval_run_results (
          run_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
          query_id INTEGER NOT NULL REFERENCES eval_queries(id) ON DELETE CASCADE,
          rank INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          score REAL NOT NULL,
          PRIMARY KEY (run_id, query_id, rank)
        ) WITHOUT ROWID;
        -- Curator-marked triplets: the anchor should be closer to "same" than to "different".
        CREATE TABLE eval_triplets (
          id INTEGER PRIMARY KEY,
          set_id INTEGER NOT NULL REFERENCES eval_sets(id) ON DELETE CASCADE,
          anchor_hash TEXT NOT NULL,
          same_hash TEXT NOT NULL,
          different_hash TEXT NOT NULL,
          added_at INTEGER NOT NULL
        );
        -- Online signals: what each search showed, and what the person did with it.
        CREATE TABLE search_impressions (
          id INTEGER PRIMARY KEY,
          at INTEGER NOT NULL,
          query TEXT NOT NULL,
          configuration TEXT NOT NULL,
          -- Both set for a team-draft interleaved search: the configurations behind teams A and B.
          team_a TEXT,
          team_b TEXT
        );
        CREATE TABLE search_impression_items (
          impression_id INTEGER NOT NULL REFERENCES search_impressions(id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          path TEXT NOT NULL,
          content_hash TEXT,
          team TEXT CHECK (team IN ('A', 'B')),
          PRIMARY KEY (impression_id, position)
        ) WITHOUT ROWID;
        CREATE TABLE search_clicks (
          id INTEGER PRIMARY KEY,
          impression_id INTEGER NOT NULL REFERENCES search_impressions(id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          action TEXT NOT NULL CHECK (action IN ('open', 'reveal', 'similar')),
          at INTEGER NOT NULL
        );
        CREATE INDEX search_clicks_impression ON search_clicks(impression_id);
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
