import { describe, expect, it } from 'vitest';
import { blindOrder } from '../../../src/engine/eval/blind-order.ts';
import { metricVsK, reportedMeasures, scoreSet } from '../../../src/engine/eval/set-metrics.ts';

const queries = [
  { queryId: 1, qid: 'q1', label: 'one' },
  { queryId: 2, qid: 'q2', label: 'two' },
  { queryId: 3, qid: 'q3', label: 'never graded' },
];
const rankings = new Map([
  [1, ['a', 'x', 'b', 'y']],
  [2, ['c', 'd']],
  [3, ['a']],
]);
// q1: a = 5, b = 2 (relevant at threshold 3: a only); x and y unjudged. q2: c = 0, d = 4.
const judgments = new Map([
  [
    1,
    new Map([
      ['a', 5],
      ['b', 2],
    ]),
  ],
  [
    2,
    new Map([
      ['c', 0],
      ['d', 4],
    ]),
  ],
  [3, new Map<string, number>()],
]);

describe('scoring a set against the grades', () => {
  it('computes the measures by hand, leaves ungraded queries out, and reports the unjudged share per k', () => {
    const score = scoreSet(queries, rankings, judgments, { threshold: 3, cutoffs: [2, 1] });
    expect(score.perQuery.map((q) => q.qid)).toEqual(['q1', 'q2']);
    const [q1, q2] = score.perQuery;
    expect(q1!.measures).toMatchObject({ recip_rank: 1, map: 1, P_1: 1, P_2: 0.5, recall_2: 1 });
    expect(q2!.measures).toMatchObject({ recip_rank: 0.5, map: 0.5, P_1: 0, P_2: 0.5, recall_1: 0 });
    // nDCG uses the grades: q1's ideal is 5, 2; its ranking gives 5 at rank 1 and 2 at rank 3.
    expect(q1!.measures['ndcg']).toBeCloseTo((5 + 2 / 2) / (5 + 2 / Math.log2(3)), 12);
    expect(q1!.unjudged).toEqual({ 1: 0, 2: 0.5 });
    expect(q2!.unjudged).toEqual({ 1: 0, 2: 0 });
    expect(score.unjudged).toEqual({ 1: 0, 2: 0.25 });
    expect(score.mean).toMatchObject({ num_q: 2, recip_rank: 0.75, map: 0.75, num_rel: 2, num_ret: 6 });
  });

  it('gives the data for a metric-vs-k plot', () => {
    const series = metricVsK(queries, rankings, judgments, { threshold: 3, maxK: 3 });
    expect(series.k).toEqual([1, 2, 3]);
    expect(series.P).toEqual([0.5, 0.5, 1 / 3]);
    expect(series.recall).toEqual([0.5, 1, 1]);
    expect(reportedMeasures([5])).toEqual(['map', 'recip_rank', 'ndcg', 'P_5', 'recall_5', 'ndcg_cut_5']);
  });
});

describe('blind order', () => {
  it('is the same every time, whatever order the pool was filled in, and differs between queries', () => {
    const pool = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((contentHash) => ({ contentHash }));
    const once = blindOrder(7, pool).map((p) => p.contentHash);
    expect(blindOrder(7, [...pool].reverse()).map((p) => p.contentHash)).toEqual(once);
    expect(once).not.toEqual(pool.map((p) => p.contentHash));
    expect(blindOrder(8, pool).map((p) => p.contentHash)).not.toEqual(once);
  });
});
