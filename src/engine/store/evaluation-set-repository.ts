import type { Database } from 'better-sqlite3';
import type { CropSpec } from '../imaging/crop-region.ts';

export interface EvalSetRow {
  id: number;
  name: string;
  createdAt: number;
}

export interface EvalQueryRow {
  id: number;
  setId: number;
  qid: string;
  source: 'library' | 'external';
  contentHash: string;
  label: string;
  /** Where a library query was last seen (its content hash finds it again after a rename). */
  path: string | null;
  crop: CropSpec | null;
}

export interface StoredQueryImage {
  contentHash: string;
  name: string;
  bytes: Buffer;
  width: number;
  height: number;
  format: string;
}

/** A set name that is already taken, or another clash a person can fix. */
export class EvaluationSetConflict extends Error {}

const queryColumns = `id, set_id AS setId, qid, source, content_hash AS contentHash, label, path, crop`;

/** Evaluation sets, their queries, and the external query images kept by content. */
export class EvaluationSetRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  createSet(name: string): EvalSetRow {
    try {
      return this.db
        .prepare(
          'INSERT INTO eval_sets (name, created_at) VALUES (?, ?) RETURNING id, name, created_at AS createdAt',
        )
        .get(name, Date.now()) as EvalSetRow;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new EvaluationSetConflict(`There is already an evaluation set called "${name}"`);
      }
      throw err;
    }
  }

  listSets(): EvalSetRow[] {
    return this.db
      .prepare('SELECT id, name, created_at AS createdAt FROM eval_sets ORDER BY name, id')
      .all() as EvalSetRow[];
  }

  getSet(id: number): EvalSetRow | undefined {
    return this.db.prepare('SELECT id, name, created_at AS createdAt FROM eval_sets WHERE id = ?').get(id) as
      EvalSetRow | undefined;
  }

  getSetByName(name: string): EvalSetRow | undefined {
    return this.db
      .prepare('SELECT id, name, created_at AS createdAt FROM eval_sets WHERE name = ?')
      .get(name) as EvalSetRow | undefined;
  }

  /** Deletes a set with its queries, pools, grades, runs and triplets; unused query images go too. */
  deleteSet(id: number): boolean {
    return this.db.transaction(() => {
      const changed = this.db.prepare('DELETE FROM eval_sets WHERE id = ?').run(id).changes > 0;
      this.pruneQueryImages();
      return changed;
    })();
  }

  addQuery(q: Omit<EvalQueryRow, 'id' | 'qid'> & { qid?: string }): EvalQueryRow {
    return this.db.transaction(() => {
      const qid = q.qid ?? this.nextQid(q.setId);
      return this.rowToQuery(
        this.db
          .prepare(
            `INSERT INTO eval_queries (set_id, qid, source, content_hash, label, path, crop, added_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${queryColumns}`,
          )
          .get(
            q.setId,
            qid,
            q.source,
            q.contentHash,
            q.label,
            q.path,
            q.crop ? JSON.stringify(q.crop) : null,
            Date.now(),
          ) as RawQuery,
      );
    })();
  }

  queries(setId: number): EvalQueryRow[] {
    return (
      this.db
        .prepare(`SELECT ${queryColumns} FROM eval_queries WHERE set_id = ? ORDER BY id`)
        .all(setId) as RawQuery[]
    ).map((r) => this.rowToQuery(r));
  }

  getQuery(setId: number, queryId: number): EvalQueryRow | undefined {
    const row = this.db
      .prepare(`SELECT ${queryColumns} FROM eval_queries WHERE set_id = ? AND id = ?`)
      .get(setId, queryId) as RawQuery | undefined;
    return row ? this.rowToQuery(row) : undefined;
  }

  /** Remembers where a library query photo is now (after a rename or move). */
  updateQueryPath(queryId: number, p: string): void {
    this.db.prepare('UPDATE eval_queries SET path = ? WHERE id = ?').run(p, queryId);
  }

  removeQuery(setId: number, queryId: number): boolean {
    return this.db.transaction(() => {
      const changed =
        this.db.prepare('DELETE FROM eval_queries WHERE set_id = ? AND id = ?').run(setId, queryId).changes >
        0;
      this.pruneQueryImages();
      return changed;
    })();
  }

  putQueryImage(image: StoredQueryImage): void {
    this.db
      .prepare(
        `INSERT INTO eval_query_images (content_hash, name, bytes, width, height, format, added_at)
         VALUES (@contentHash, @name, @bytes, @width, @height, @format, @now)
         ON CONFLICT(content_hash) DO NOTHING`,
      )
      .run({ ...image, now: Date.now() });
  }

  getQueryImage(contentHash: string): StoredQueryImage | undefined {
    return this.db
      .prepare(
        `SELECT content_hash AS contentHash, name, bytes, width, height, format
         FROM eval_query_images WHERE content_hash = ?`,
      )
      .get(contentHash) as StoredQueryImage | undefined;
  }

  private nextQid(setId: number): string {
    const rows = this.db.prepare('SELECT qid FROM eval_queries WHERE set_id = ?').all(setId) as Array<{
      qid: string;
    }>;
    let max = 0;
    for (const { qid } of rows) {
      const m = /^q(\d+)$/.exec(qid);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return `q${max + 1}`;
  }

  private pruneQueryImages(): void {
    this.db
      .prepare(
        `DELETE FROM eval_query_images WHERE content_hash NOT IN
         (SELECT content_hash FROM eval_queries WHERE source = 'external')`,
      )
      .run();
  }

  private rowToQuery(r: RawQuery): EvalQueryRow {
    return { ...r, crop: r.crop ? (JSON.parse(r.crop) as CropSpec) : null };
  }
}

type RawQuery = Omit<EvalQueryRow, 'crop'> & { crop: string | null };
