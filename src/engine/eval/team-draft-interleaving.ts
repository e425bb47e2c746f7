import { seededRandom } from './seeded-random.ts';

/**
 * Team-draft interleaving (Radlinski, Kurup & Joachims, "How does clickthrough data reflect
 * retrieval quality?", CIKM 2008). Two rankings are merged as two captains pick players: the team
 * with fewer picks so far (a coin toss when even) adds its best item not yet in the list. Each
 * item remembers the team that contributed it; a click credits that team, and the search is a
 * win for the team with more credited clicks, a tie when they are equal.
 */

export type Team = 'A' | 'B';

export interface InterleavedItem<T> {
  item: T;
  team: Team;
}

export function teamDraftInterleave<T>(
  a: readonly T[],
  b: readonly T[],
  options: { k: number; random?: () => number; key?: (item: T) => string },
): Array<InterleavedItem<T>> {
  const key = options.key ?? ((item: T) => String(item));
  const random = options.random ?? seededRandom(Date.now());
  const taken = new Set<string>();
  const merged: Array<InterleavedItem<T>> = [];
  let pickedA = 0;
  let pickedB = 0;
  let nextA = 0;
  let nextB = 0;
  const advance = (list: readonly T[], from: number): number => {
    let i = from;
    while (i < list.length && taken.has(key(list[i]!))) i++;
    return i;
  };
  while (merged.length < options.k) {
    nextA = advance(a, nextA);
    nextB = advance(b, nextB);
    const aLeft = nextA < a.length;
    const bLeft = nextB < b.length;
    if (!aLeft && !bLeft) break;
    // A team whose list is used up lets the other keep picking.
    const aTurn = !bLeft || (aLeft && (pickedA < pickedB || (pickedA === pickedB && random() < 0.5)));
    const item = aTurn ? a[nextA]! : b[nextB]!;
    taken.add(key(item));
    merged.push({ item, team: aTurn ? 'A' : 'B' });
    if (aTurn) pickedA++;
    else pickedB++;
  }
  return merged;
}

export type InterleavingOutcome = 'A' | 'B' | 'tie';

/** The search's outcome from the teams of the clicked positions (each position credits once). */
export function interleavingOutcome(
  teams: ReadonlyMap<number, Team>,
  clickedPositions: Iterable<number>,
): { outcome: InterleavingOutcome; creditA: number; creditB: number } {
  let creditA = 0;
  let creditB = 0;
  for (const position of new Set(clickedPositions)) {
    const team = teams.get(position);
    if (team === 'A') creditA++;
    else if (team === 'B') creditB++;
  }
  return { outcome: creditA > creditB ? 'A' : creditB > creditA ? 'B' : 'tie', creditA, creditB };
}
