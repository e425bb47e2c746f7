import type { Database } from 'better-sqlite3';

export interface TripletRow {
  id: number;
  setId: number;
  anchorHash: string;
  sameHash: string;
  differentHash: string;
}

/** Curator-marked (anchor, same subject, different subject) triplets of an evaluation set, by content. */
export class TripletRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  add(t: Omit<TripletRow, 'id'>): TripletRow {
    return this.db
      .prepare(
        `INSERT INTO eval_triplets (set_id, anchor_hash, same_hash, different_hash, added_at)
         VALUES (?, ?, ?, ?, ?)
         RETURNING id, set_id AS setId, anchor_hash AS anchorHash, same_hash AS sameHash, different_hash AS differentHash`,
      )
      .get(t.setId, t.anchorHash, t.sameHash, t.differentHash, Date.now()) as TripletRow;
  }

  list(setId: number): TripletRow[] {
    return this.db
      .prepare(
        `SELECT id, set_id AS setId, anchor_hash AS anchorHash, same_hash AS sameHash, different_hash AS differentHash
         FROM eval_triplets WHERE set_id = ? ORDER BY id`,
      )
      .all(setId) as TripletRow[];
  }

  remove(setId: number, id: number): boolean {
    return (
      this.db.prepare('DELETE FROM eval_triplets WHERE set_id = ? AND id = ?').run(setId, id).changes > 0
    );
  }
}
