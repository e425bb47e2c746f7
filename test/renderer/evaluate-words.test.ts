import { describe, expect, it } from 'vitest';
import type { InterleavingPairReport, SignificanceResult } from '../../src/shared/evaluation-api.ts';
import { nextToGrade } from '../../src/renderer/src/actions/grading-actions.ts';
import {
  formatDelta,
  formatP,
  measureLabel,
} from '../../src/renderer/src/components/evaluate/measure-names.ts';
import {
  describeInterleaving,
  describeSignificance,
} from '../../src/renderer/src/components/evaluate/significance-words.ts';

const significance = (patch: Partial<SignificanceResult>): SignificanceResult => ({
  measure: 'map',
  baseline: 'A',
  other: 'B',
  meanDifference: 0.1,
  permutationP: 0.01,
  bootstrapCi: [0.04, 0.16],
  bootstrapP: 0.01,
  wins: 8,
  losses: 1,
  ties: 3,
  ...patch,
});

describe('the Evaluate screen in words', () => {
  it('names trec_eval measures as curators read them', () => {
    expect(
      ['map', 'recip_rank', 'ndcg', 'P_10', 'recall_5', 'ndcg_cut_20', 'num_q'].map(measureLabel),
    ).toEqual(['mAP', 'MRR', 'nDCG', 'P@10', 'Recall@5', 'nDCG@20', 'num_q']);
    expect([0.0421, -0.013, 0.0001, -0.0002].map(formatDelta)).toEqual([
      '+0.042',
      '−0.013',
      '0.000',
      '0.000',
    ]);
    expect([0.0004, 0.004, 0.31].map(formatP)).toEqual(['p < 0.001', 'p = 0.004', 'p = 0.31']);
  });

  it('says whether a difference is likely real, and what to do when it is not', () => {
    const sure = describeSignificance(significance({}));
    expect(sure).toMatch(
      /^B is better than A on mAP by \+0\.100 on average \(95 % interval \+0\.040 to \+0\.160\)/,
    );
    expect(sure).toContain('better on 8 queries, worse on 1, the same on 3');
    expect(sure).toContain('unlikely to be chance (p = 0.01, paired randomization test)');

    const unsure = describeSignificance(
      significance({ meanDifference: -0.02, permutationP: 0.4, bootstrapCi: [-0.08, 0.03] }),
    );
    expect(unsure).toMatch(/^B is worse than A on mAP by −0\.020/);
    expect(unsure).toContain('could well be chance (p = 0.40');
    expect(unsure).toContain('grade more queries');
    expect(unsure).not.toContain('needs at least');
    const few = describeSignificance(significance({ permutationP: 1, wins: 1, losses: 0, ties: 3 }));
    expect(few).toContain('Only 1 query differs; the test needs at least 6 that differ to tell.');

    expect(
      describeSignificance(
        significance({ meanDifference: 0, permutationP: 1, wins: 0, losses: 0, ties: 12 }),
      ),
    ).toMatch(/^B and A score the same on mAP/);
  });

  it('reports interleaving outcomes with the sign test', () => {
    const report = (patch: Partial<InterleavingPairReport>): InterleavingPairReport => ({
      a: 'A',
      b: 'B',
      searches: 40,
      withClicks: 30,
      winsA: 20,
      winsB: 5,
      ties: 5,
      pValue: 0.004,
      ...patch,
    });
    expect(describeInterleaving(report({}))).toBe(
      'A won 20, B won 5, 5 tied. A is preferred, and that is unlikely to be chance (p = 0.004, sign test).',
    );
    expect(describeInterleaving(report({ winsA: 3, winsB: 4, pValue: 1 }))).toContain(
      'B is ahead, but that could still be chance',
    );
    expect(describeInterleaving(report({ withClicks: 0, winsA: 0, winsB: 0, ties: 0 }))).toMatch(
      /^No clicks yet on 40/,
    );
  });

  it('moves grading on to the next photo still to grade', () => {
    const items = [null, 3, null, 2, null].map((grade, i) => ({
      docId: String(i),
      path: null,
      width: null,
      height: null,
      grade,
    }));
    expect(nextToGrade(items, 0)).toBe(2);
    expect(nextToGrade(items, 2)).toBe(4);
    // Past the last one it wraps round to the first still open…
    expect(nextToGrade(items, 4)).toBe(0);
    // …and with every photo graded it just steps on, stopping at the end.
    const done = items.map((it) => ({ ...it, grade: 1 }));
    expect(nextToGrade(done, 1)).toBe(2);
    expect(nextToGrade(done, 4)).toBe(4);
  });
});
