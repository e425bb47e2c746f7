import type { Database } from 'better-sqlite3';

export interface PoolEntry {
  contentHash: string;
  /** Where the photo was when it was pooled. */
  path: string;
}

export interface Judgment {
  contentHash: string;
  grade: number;
}

export interface QueryProgress {
  queryId: number;
  pooled: number;
  /** Pool members graded (grades outside the pool, from an import, are not counted here). */
  judged: number;
}

export interface UndoneJudgment {
  queryId: number;
  contentHash: string;
  /** The grade now in force again; null when the photo is ungraded again. */
  restoredGrade: number | null;
}

/** Pools of candidates, graded judgments (keyed by content hash) and their undo history. */
export class JudgmentRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** Adds candidates to a query's pool; returns how many were new. */
  addToPool(queryId: number, entries: readonly PoolEntry[]): number {
    const stmt = this.db.prepare(
      `INSERT INTO eval_pool (query_id, content_hash, path, added_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(query_id, content_hash) DO NOTHING`,
    );
    return this.db.transaction(() => {
      let added = 0;
      const now = Date.now();
      for (const e of entries) added += stmt.run(queryId, e.contentHash, e.path, now).changes;
      return added;
    })();
  }

  pool(queryId: number): PoolEntry[] {
    return this.db
      .prepare('SELECT content_hash AS contentHash, path FROM eval_pool WHERE query_id = ?')
      .all(queryId) as PoolEntry[];
  }

  judgments(queryId: number): Map<string, number> {
    const rows = this.db
      .prepare('SELECT content_hash AS contentHash, grade FROM eval_judgments WHERE query_id = ?')
      .all(queryId) as Judgment[];
    return new Map(rows.map((r) => [r.contentHash, r.grade]));
  }

  /** Sets a grade and records the one it replaced, in one transaction. */
  grade(setId: number, queryId: number, contentHash: string, grade: number): void {
    this.db.transaction(() => {
      const previous = this.gradeOf(queryId, contentHash);
      if (previous === grade) return;
      this.db
        .prepare(
          `INSERT INTO eval_judgment_history (set_id, query_id, content_hash, previous_grade, at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(setId, queryId, contentHash, previous ?? null, Date.now());
      this.write(queryId, contentHash, grade);
    })();
  }

  /** Sets grades without history (an import): the undo history is for a curator's own keystrokes. */
  importGrades(queryId: number, judgments: ReadonlyMap<string, number>): void {
    this.db.transaction(() => {
      for (const [hash, grade] of judgments) this.write(queryId, hash, grade);
    })();
  }

  /** Takes back the set's latest grade change. */
  undo(setId: number): UndoneJudgment | null {
    return this.db.transaction(() => {
      const last = this.db
        .prepare(
          `SELECT seq, query_id AS queryId, content_hash AS contentHash, previous_grade AS previous
           FROM eval_judgment_history WHERE set_id = ? ORDER BY seq DESC LIMIT 1`,
        )
        .get(setId) as
        { seq: number; queryId: number; contentHash: string; previous: number | null } | undefined;
      if (!last) return null;
      this.db.prepare('DELETE FROM eval_judgment_history WHERE seq = ?').run(last.seq);
      if (last.previous === null) {
        this.db
          .prepare('DELETE FROM eval_judgments WHERE query_id = ? AND content_hash = ?')
          .run(last.queryId, last.contentHash);
      } else this.write(last.queryId, last.contentHash, last.previous);
      return { queryId: last.queryId, contentHash: last.contentHash, restoredGrade: last.previous };
    })();
  }

  progress(setId: number): QueryProgress[] {
    return this.db
      .prepare(
        `SELECT q.id AS queryId,
           (SELECT COUNT(*) FROM eval_pool p WHERE p.query_id = q.id) AS pooled,
           (SELECT COUNT(*) FROM eval_pool p JOIN eval_judgments j
              ON j.query_id = p.query_id AND j.content_hash = p.content_hash
            WHERE p.query_id = q.id) AS judged
         FROM eval_queries q WHERE q.set_id = ? ORDER BY q.id`,
      )
      .all(setId) as QueryProgress[];
  }

  private gradeOf(queryId: number, contentHash: string): number | undefined {
    const row = this.db
      .prepare('SELECT grade FROM eval_judgments WHERE query_id = ? AND content_hash = ?')
      .get(queryId, contentHash) as { grade: number } | undefined;
    return row?.grade;
  }

  private write(queryId: number, contentHash: string, grade: number): void {
    this.db
      .prepare(
        `INSERT INTO eval_judgments (query_id, content_hash, grade, judged_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(query_id, content_hash) DO UPDATE SET grade = excluded.grade, judged_at = excluded.judged_at`,
      )
      .run(queryId, contentHash, grade, Date.now());
  }
}
