import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/engine/store/database.ts';
import { migrate, migrations } from '../../../src/engine/store/migrations.ts';
import { makeTempDir } from '../../fixtures/synthetic-photos.ts';

const latest = migrations.at(-1)!.version;

const expectedTables = [
  'embeddings',
  'eval_judgment_history',
  'eval_judgments',
  'eval_pool',
  'eval_queries',
  'eval_query_images',
  'eval_run_results',
  'eval_runs',
  'eval_sets',
  'eval_triplets',
  'exclusions',
  'folders',
  'images',
  'index_ops',
  'index_snapshot_chunks',
  'index_snapshots',
  'library_model',
  'models',
  'search_clicks',
  'search_impression_items',
  'search_impressions',
];

function tables(db: BetterSqlite3.Database): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>
  ).map((r) => r.name);
}

/** Where the platform can tell (Linux): whether this process still holds the file open. */
function holdsOpen(file: string): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

function schemaSql(db: BetterSqlite3.Database): string[] {
  return (
    db.prepare('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name').all() as Array<{
      sql: string;
    }>
  ).map((r) => r.sql);
}

describe('openDatabase', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let file: string;
  beforeEach(() => {
    tmp = makeTempDir('lookalike-db-');
    file = path.join(tmp.dir, 'nested', 'library.db');
  });
  afterEach(() => tmp.cleanup());

  it('creates the folder and the schema, and records the schema version', () => {
    const db = openDatabase(file);
    try {
      expect(tables(db)).toEqual(expectedTables);
      expect(db.pragma('user_version', { simple: true })).toBe(latest);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('uses WAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
      // Foreign keys are enforced: an image must belong to a folder.
      expect(() =>
        db
          .prepare(
            "INSERT INTO images (folder_id, path, size, mtime_ms, status, indexed_at) VALUES (42, '/x.jpg', 1, 1, 'ok', 0)",
          )
          .run(),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('reopening an up-to-date library changes nothing and keeps the data', () => {
    const first = openDatabase(file);
    first.prepare("INSERT INTO folders (path, added_at) VALUES ('/photos', 1)").run();
    const before = schemaSql(first);
    first.close();

    const second = openDatabase(file);
    try {
      expect(second.pragma('user_version', { simple: true })).toBe(latest);
      expect(schemaSql(second)).toEqual(before);
      expect(second.prepare('SELECT path FROM folders').all()).toEqual([{ path: '/photos' }]);
      // migrate() itself is idempotent too.
      migrate(second);
      expect(schemaSql(second)).toEqual(before);
    } finally {
      second.close();
    }
  });

  it('refuses a library written by a newer version, asking to update the app', () => {
    const newer = path.join(tmp.dir, 'newer.db');
    const raw = new BetterSqlite3(newer);
    raw.pragma(`user_version = ${latest + 1}`);
    raw.close();

    expect(() => openDatabase(newer)).toThrow(/newer version of Lookalike.*update the app/i);
    // The refused connection is closed, not left holding the file (a lock on Windows).
    expect(holdsOpen(newer)).not.toBe(true);
    const check = new BetterSqlite3(newer, { readonly: true });
    try {
      // Nothing was touched: the newer schema version and (lack of) tables are as they were.
      expect(check.pragma('user_version', { simple: true })).toBe(latest + 1);
      expect(tables(check)).toEqual([]);
    } finally {
      check.close();
    }
  });

  it('a migration step that fails rolls back entirely and leaves user_version where it was', () => {
    const plain = path.join(tmp.dir, 'clash.db');
    const raw = new BetterSqlite3(plain);
    // A table the first step creates last: the step gets halfway before it throws.
    raw.exec('CREATE TABLE index_snapshot_chunks (x INTEGER)');
    raw.close();

    expect(() => openDatabase(plain)).toThrow(/already exists/);

    const check = new BetterSqlite3(plain);
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(0);
      // The tables created before the failure were rolled back with it.
      expect(tables(check)).toEqual(['index_snapshot_chunks']);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(() => migrate(check)).toThrow(/already exists/);
      expect(check.pragma('user_version', { simple: true })).toBe(0);

      // Once the obstacle is gone, the same migration succeeds.
      check.exec('DROP TABLE index_snapshot_chunks');
      migrate(check);
      expect(check.pragma('user_version', { simple: true })).toBe(latest);
      expect(tables(check)).toEqual(expectedTables);
    } finally {
      check.close();
    }
  });

  it('refuses a file that is not a database, and lets go of it', () => {
    const junk = path.join(tmp.dir, 'junk.db');
    writeFileSync(junk, Buffer.alloc(4096, 7));
    expect(() => openDatabase(junk)).toThrow(/not a database/);
    expect(holdsOpen(junk)).not.toBe(true);
  });

  it('upgrades a library written by the first version, keeping its data', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const old = new BetterSqlite3(file);
    old.transaction(() => {
      migrations[0]!.up(old);
      old.pragma('user_version = 1');
    })();
    old.prepare("INSERT INTO folders (path, added_at) VALUES ('/photos', 1)").run();
    old.close();
    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(latest);
      expect(tables(db)).toEqual(expectedTables);
      expect(db.prepare('SELECT path FROM folders').all()).toEqual([{ path: '/photos' }]);
    } finally {
      db.close();
    }
  });

  it('upgrades a version 2 library to per-library model choice, keeping its vectors and index', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const old = new BetterSqlite3(file);
    old.pragma('foreign_keys = ON');
    for (const step of migrations.filter((m) => m.version <= 2)) {
      old.transaction(() => {
        step.up(old);
        old.pragma(`user_version = ${step.version}`);
      })();
    }
    old.exec(`
      INSERT INTO folders (id, path, added_at) VALUES (1, '/photos', 1);
      INSERT INTO images (id, folder_id, path, size, mtime_ms, content_hash, status, indexed_at)
        VALUES (1, 1, '/photos/a.jpg', 10, 1, 'hash-a', 'ok', 1), (2, 1, '/photos/b.jpg', 10, 1, 'hash-b', 'ok', 1);
      INSERT INTO models (id, dim, sha256, manifest) VALUES ('old-model', 2, 'x', '{}'), ('other-model', 2, 'y', '{}');
      INSERT INTO embeddings (content_hash, model_id, vector)
        VALUES ('hash-a', 'old-model', x'0000803f00000000'), ('hash-b', 'old-model', x'000000000000803f'),
               ('hash-a', 'other-model', x'0000803f00000000');
      INSERT INTO index_ops (model_id, image_id, op) VALUES ('old-model', 1, 'add'), ('old-model', 2, 'add');
    `);
    old.close();

    const db = openDatabase(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(latest);
      // The model most of the vectors came from keeps answering; no switch is under way.
      expect(
        db.prepare('SELECT active_model AS active, target_model AS target FROM library_model').all(),
      ).toEqual([{ active: 'old-model', target: null }]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM embeddings').get()).toEqual({ n: 3 });
      // Vectors keep their bytes in the rowid table that replaced the WITHOUT ROWID one.
      expect(
        db
          .prepare(
            "SELECT hex(vector) AS v FROM embeddings WHERE content_hash = 'hash-b' AND model_id = 'old-model'",
          )
          .get(),
      ).toEqual({ v: '000000000000803F' });
      const sql = (
        db.prepare("SELECT sql FROM sqlite_master WHERE name = 'embeddings'").get() as { sql: string }
      ).sql;
      expect(sql).not.toMatch(/WITHOUT ROWID/);
      // The model's row still guards its vectors (dropping it drops them).
      db.prepare("DELETE FROM models WHERE id = 'other-model'").run();
      expect(db.prepare('SELECT COUNT(*) AS n FROM embeddings').get()).toEqual({ n: 2 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM index_ops').get()).toEqual({ n: 2 });
      expect(db.prepare('SELECT path FROM images ORDER BY id').all()).toEqual([
        { path: '/photos/a.jpg' },
        { path: '/photos/b.jpg' },
      ]);
    } finally {
      db.close();
    }
  });

  it('opens read-only without migrating or writing', () => {
    openDatabase(file).close();
    const ro = openDatabase(file, { readonly: true });
    try {
      expect(ro.readonly).toBe(true);
      expect(ro.pragma('user_version', { simple: true })).toBe(latest);
      expect(() => ro.prepare("INSERT INTO folders (path, added_at) VALUES ('/p', 1)").run()).toThrow(
        /readonly/i,
      );
    } finally {
      ro.close();
    }
  });

  it('keeps versions strictly increasing so a step is never skipped or run twice', () => {
    const versions = migrations.map((m) => m.version);
    expect(versions[0]).toBe(1);
    versions.forEach((v, i) => expect(v).toBe(i + 1));
  });
});
