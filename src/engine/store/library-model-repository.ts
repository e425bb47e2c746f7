import type { Database } from 'better-sqlite3';

export interface LibraryModelChoice {
  /** The model whose index answers searches (null only in a library that never had one). */
  active: string | null;
  /** The model the library is being re-embedded for, until its index covers every photo. */
  target: string | null;
  /** When the switch to `target` was asked for (ms since the epoch). */
  switchStartedAt: number | null;
}

/** The library's model choice, one row; kept in the database so a restart goes on with it. */
export class LibraryModelRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  get(): LibraryModelChoice {
    const row = this.db
      .prepare(
        `SELECT active_model AS active, target_model AS target, switch_started_at AS switchStartedAt
         FROM library_model WHERE id = 1`,
      )
      .get() as LibraryModelChoice | undefined;
    return row ?? { active: null, target: null, switchStartedAt: null };
  }

  setActive(modelId: string): void {
    this.db
      .prepare(
        `INSERT INTO library_model (id, active_model, target_model, switch_started_at) VALUES (1, ?, NULL, NULL)
         ON CONFLICT(id) DO UPDATE SET active_model = excluded.active_model, target_model = NULL,
           switch_started_at = NULL`,
      )
      .run(modelId);
  }

  /** Records the model to switch to (null: forget a switch that has not happened yet). */
  setTarget(modelId: string | null): void {
    this.db
      .prepare(
        `UPDATE library_model SET target_model = ?,
           switch_started_at = CASE WHEN ? IS NULL THEN NULL ELSE ? END WHERE id = 1`,
      )
      .run(modelId, modelId, Date.now());
  }
}
