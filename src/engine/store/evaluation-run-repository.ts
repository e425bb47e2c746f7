import type { Database } from 'better-sqlite3';

export interface RankedDoc {
  contentHash: string;
  score: number;
}

export interface StoredRun {
  id: number;
  name: string;
  configuration: string;
  modelId: string;
  createdAt: number;
  /** Rankings per query id, best first. */
  rankings: Map<number, RankedDoc[]>;
}

/** The rankings each configuration produced for a set, so they can be exported as TREC runs. */
export class EvaluationRunRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  save(
    setId: number,
    run: {
      name: string;
      configuration: string;
      modelId: string;
      rankings: ReadonlyMap<number, readonly RankedDoc[]>;
    },
  ): number {
    return this.db.transaction(() => {
      const { id } = this.db
        .prepare(
          `INSERT INTO eval_runs (set_id, name, configuration, model_id, created_at) VALUES (?, ?, ?, ?, ?)
           RETURNING id`,
        )
        .get(setId, run.name, run.configuration, run.modelId, Date.now()) as { id: number };
      const stmt = this.db.prepare(
        'INSERT INTO eval_run_results (run_id, query_id, rank, content_hash, score) VALUES (?, ?, ?, ?, ?)',
      );
      for (const [queryId, docs] of run.rankings) {
        docs.forEach((d, i) => stmt.run(id, queryId, i + 1, d.contentHash, d.score));
      }
      return id;
    })();
  }

  /** The latest run of each configuration name in the set, in name order. */
  latestPerName(setId: number): StoredRun[] {
    const heads = this.db
      .prepare(
        `SELECT id, name, configuration, model_id AS modelId, created_at AS createdAt FROM eval_runs
         WHERE id IN (SELECT MAX(id) FROM eval_runs WHERE set_id = ? GROUP BY name) ORDER BY name`,
      )
      .all(setId) as Array<Omit<StoredRun, 'rankings'>>;
    const rows = this.db.prepare(
      `SELECT query_id AS queryId, content_hash AS contentHash, score FROM eval_run_results
       WHERE run_id = ? ORDER BY query_id, rank`,
    );
    return heads.map((head) => {
      const rankings = new Map<number, RankedDoc[]>();
      for (const r of rows.all(head.id) as Array<RankedDoc & { queryId: number }>) {
        let list = rankings.get(r.queryId);
        if (!list) rankings.set(r.queryId, (list = []));
        list.push({ contentHash: r.contentHash, score: r.score });
      }
      return { ...head, rankings };
    });
  }
}
