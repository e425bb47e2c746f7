import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/engine/eval/seeded-random.ts';
import {
  interleavingOutcome,
  teamDraftInterleave,
} from '../../../src/engine/eval/team-draft-interleaving.ts';

describe('team-draft interleaving', () => {
  it('lets each team pick its best remaining item in turn, a coin deciding who goes first each round', () => {
    // Coin < 0.5 gives A the first pick of a round.
    const coins = [0.1, 0.9, 0.2];
    const merged = teamDraftInterleave(['a1', 'a2', 'a3'], ['b1', 'b2', 'b3'], {
      k: 6,
      random: () => coins.shift()!,
    });
    expect(merged).toEqual([
      { item: 'a1', team: 'A' },
      { item: 'b1', team: 'B' },
      { item: 'b2', team: 'B' },
      { item: 'a2', team: 'A' },
      { item: 'a3', team: 'A' },
      { item: 'b3', team: 'B' },
    ]);
  });

  it('skips items the other team already placed and keeps the teams balanced', () => {
    const merged = teamDraftInterleave(['x', 'y', 'z'], ['y', 'x', 'w'], { k: 4, random: () => 0.1 });
    // A takes x; B's best not yet in the list is y; A then z; B then w.
    expect(merged.map((m) => `${m.team}:${m.item}`)).toEqual(['A:x', 'B:y', 'A:z', 'B:w']);
    expect(new Set(merged.map((m) => m.item)).size).toBe(merged.length);
  });

  it('goes on with one list when the other is used up, and stops at k', () => {
    const merged = teamDraftInterleave(['a1'], ['b1', 'b2', 'b3', 'b4'], { k: 4, random: () => 0.9 });
    expect(merged.map((m) => m.item)).toEqual(['b1', 'a1', 'b2', 'b3']);
    expect(teamDraftInterleave([], [], { k: 5 })).toEqual([]);
  });

  it('is unbiased for identical rankings: over many searches each team leads about half the time', () => {
    const list = ['p', 'q', 'r', 's', 't', 'u'];
    const random = seededRandom(42);
    let aFirst = 0;
    for (let i = 0; i < 2000; i++) {
      const merged = teamDraftInterleave(list, list, { k: 6, random });
      expect(merged.map((m) => m.item)).toEqual(list);
      if (merged[0]!.team === 'A') aFirst++;
    }
    expect(aFirst / 2000).toBeGreaterThan(0.45);
    expect(aFirst / 2000).toBeLessThan(0.55);
  });

  it('credits clicks to the team that contributed the clicked item', () => {
    const teams = new Map<number, 'A' | 'B'>([
      [1, 'A'],
      [2, 'B'],
      [3, 'B'],
      [4, 'A'],
    ]);
    expect(interleavingOutcome(teams, [2, 3])).toEqual({ outcome: 'B', creditA: 0, creditB: 2 });
    expect(interleavingOutcome(teams, [1, 2])).toEqual({ outcome: 'tie', creditA: 1, creditB: 1 });
    // The same position clicked twice (opened, then revealed) credits once.
    expect(interleavingOutcome(teams, [1, 1, 2, 4])).toEqual({ outcome: 'A', creditA: 2, creditB: 1 });
    expect(interleavingOutcome(teams, []).outcome).toBe('tie');
  });
});
