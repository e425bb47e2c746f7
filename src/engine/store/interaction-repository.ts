import type { Database } from 'better-sqlite3';

export type ClickAction = 'open' | 'reveal' | 'similar';
export type Team = 'A' | 'B';

export interface ImpressionItem {
  position: number;
  path: string;
  contentHash: string | null;
  team?: Team;
}

export interface ImpressionRecord {
  query: string;
  configuration: string;
  /** For an interleaved search: the configurations behind teams A and B. */
  teams?: { a: string; b: string };
  items: readonly ImpressionItem[];
}

export interface InterleavedImpression {
  id: number;
  a: string;
  b: string;
  /** Team per position. */
  teams: Map<number, Team>;
  /** Positions clicked (any action), in click order. */
  clicks: number[];
}

/** Locally logged online signals: impressions (what a search showed, where) and clicks on them. */
export class InteractionRepository {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  logImpression(rec: ImpressionRecord): number {
    return this.db.transaction(() => {
      const { id } = this.db
        .prepare(
          `INSERT INTO search_impressions (at, query, configuration, team_a, team_b) VALUES (?, ?, ?, ?, ?)
           RETURNING id`,
        )
        .get(Date.now(), rec.query, rec.configuration, rec.teams?.a ?? null, rec.teams?.b ?? null) as {
        id: number;
      };
      const stmt = this.db.prepare(
        `INSERT INTO search_impression_items (impression_id, position, path, content_hash, team)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      );
      for (const item of rec.items)
        stmt.run(id, item.position, item.path, item.contentHash, item.team ?? null);
      return id;
    })();
  }

  /** Whether the impression exists and showed something at that position. */
  hasItem(impressionId: number, position: number): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM search_impression_items WHERE impression_id = ? AND position = ?')
        .get(impressionId, position) !== undefined
    );
  }

  hasImpression(impressionId: number): boolean {
    return this.db.prepare('SELECT 1 FROM search_impressions WHERE id = ?').get(impressionId) !== undefined;
  }

  logClick(impressionId: number, position: number, action: ClickAction): number {
    return (
      this.db
        .prepare(
          'INSERT INTO search_clicks (impression_id, position, action, at) VALUES (?, ?, ?, ?) RETURNING id',
        )
        .get(impressionId, position, action, Date.now()) as { id: number }
    ).id;
  }

  /** Impressions shown per position (up to maxPosition) and clicks per position. */
  positionCounts(maxPosition: number): Array<{ position: number; impressions: number; clicks: number }> {
    return this.db
      .prepare(
        `SELECT i.position AS position, COUNT(*) AS impressions,
           SUM((SELECT COUNT(*) FROM search_clicks c
                WHERE c.impression_id = i.impression_id AND c.position = i.position) > 0) AS clicks
         FROM search_impression_items i WHERE i.position <= ? GROUP BY i.position ORDER BY i.position`,
      )
      .all(maxPosition) as Array<{ position: number; impressions: number; clicks: number }>;
  }

  totals(): { impressions: number; clicks: number; byAction: Record<ClickAction, number> } {
    const impressions = (
      this.db.prepare('SELECT COUNT(*) AS n FROM search_impressions').get() as { n: number }
    ).n;
    const rows = this.db
      .prepare('SELECT action, COUNT(*) AS n FROM search_clicks GROUP BY action')
      .all() as Array<{
      action: ClickAction;
      n: number;
    }>;
    const byAction: Record<ClickAction, number> = { open: 0, reveal: 0, similar: 0 };
    for (const r of rows) byAction[r.action] = r.n;
    return { impressions, clicks: rows.reduce((s, r) => s + r.n, 0), byAction };
  }

  /** Every interleaved impression with its teams and clicks, oldest first. */
  interleaved(): InterleavedImpression[] {
    const heads = this.db
      .prepare(
        'SELECT id, team_a AS a, team_b AS b FROM search_impressions WHERE team_a IS NOT NULL ORDER BY id',
      )
      .all() as Array<{ id: number; a: string; b: string }>;
    const items = this.db.prepare(
      'SELECT position, team FROM search_impression_items WHERE impression_id = ? AND team IS NOT NULL',
    );
    const clicks = this.db.prepare('SELECT position FROM search_clicks WHERE impression_id = ? ORDER BY id');
    return heads.map((h) => ({
      ...h,
      teams: new Map(
        (items.all(h.id) as Array<{ position: number; team: Team }>).map((r) => [r.position, r.team]),
      ),
      clicks: (clicks.all(h.id) as Array<{ position: number }>).map((r) => r.position),
    }));
  }
}
