import type { SearchResponse } from '../../../shared/library-api.ts';
import { fileName } from '../format.ts';

/** One tile of the results grid: a result, or a near-duplicate shown under its expanded group. */
export interface ResultTile {
  key: string;
  path: string;
  name: string;
  score: number;
  rank: number;
  /** Near-duplicates folded under this result (0 for a duplicate tile). */
  duplicateCount: number;
  /** For a duplicate tile, the path of the result it belongs to. */
  duplicateOf: string | null;
  expanded: boolean;
}

/** The tiles in rank order, each expanded group followed by its members. */
export function resultTiles(response: SearchResponse | null, expanded: ReadonlySet<string>): ResultTile[] {
  if (!response) return [];
  const tiles: ResultTile[] = [];
  for (const r of response.results) {
    const open = r.duplicates.length > 0 && expanded.has(r.path);
    tiles.push({
      key: r.path,
      path: r.path,
      name: fileName(r.path),
      score: r.score,
      rank: r.rank,
      duplicateCount: r.duplicates.length,
      duplicateOf: null,
      expanded: open,
    });
    if (!open) continue;
    for (const d of r.duplicates) {
      tiles.push({
        key: `${r.path}\n${d.path}`,
        path: d.path,
        name: fileName(d.path),
        score: d.score,
        rank: r.rank,
        duplicateCount: 0,
        duplicateOf: r.path,
        expanded: false,
      });
    }
  }
  return tiles;
}
