import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import {
  aggregateMeasures,
  averagePrecision,
  countRelevant,
  dcgAt,
  evaluateQuery,
  evaluateRun,
  idealDcgAt,
  meanOf,
  ndcgAt,
  numRelevantRetrieved,
  precisionAt,
  recallAt,
  reciprocalRank,
  rPrecision,
  successAt,
  type MeasureSet,
} from '../../../src/engine/eval/metrics.ts';
import {
  compareDocIds,
  formatQrels,
  formatRun,
  parseQrels,
  parseRun,
  rankRun,
  toRunEntries,
} from '../../../src/engine/eval/trec-format.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const goldenDir = path.resolve(repoRoot, '../shared/data/trec_eval-test');
const haveGolden = existsSync(path.join(goldenDir, 'qrels.test'));

const log2 = Math.log2;

describe('nDCG textbook example', () => {
  // Grades 0, 5, 1, 4, 2 in ranked order; these five documents are everything that was judged.
  const judgments = new Map([
    ['d1', 0],
    ['d2', 5],
    ['d3', 1],
    ['d4', 4],
    ['d5', 2],
  ]);
  const ranking = ['d1', 'd2', 'd3', 'd4', 'd5'];

  it('gives 0.6869 with linear gain and a log2(rank + 1) discount over the full list', () => {
    expect(dcgAt(ranking, judgments)).toBeCloseTo(5 / log2(3) + 1 / 2 + 4 / log2(5) + 2 / log2(6), 12);
    expect(idealDcgAt(judgments)).toBeCloseTo(5 + 4 / log2(3) + 2 / 2 + 1 / log2(5), 12);
    expect(ndcgAt(ranking, judgments).toFixed(4)).toBe('0.6869');
    // The full list equals a cutoff at its length; an unjudged tail changes nothing.
    expect(ndcgAt(ranking, judgments, 5)).toBe(ndcgAt(ranking, judgments));
    expect(ndcgAt([...ranking, 'x', 'y'], judgments)).toBe(ndcgAt(ranking, judgments));
  });
});

describe('binary measures, hand-computed', () => {
  // Relevant at threshold 1: a, c, d (R = 3). x is unjudged. Relevant ranks: 2, 4, 6.
  const judgments = new Map([
    ['a', 1],
    ['b', 0],
    ['c', 2],
    ['d', 1],
    ['e', 0],
  ]);
  const ranking = ['b', 'a', 'x', 'c', 'e', 'd'];

  it('computes RR, P@k, recall@k, AP, R-precision and success@k', () => {
    expect(countRelevant(judgments)).toBe(3);
    expect(numRelevantRetrieved(ranking, judgments)).toBe(3);
    expect(reciprocalRank(ranking, judgments)).toBe(1 / 2);
    expect(precisionAt(ranking, judgments, 1)).toBe(0);
    expect(precisionAt(ranking, judgments, 2)).toBe(1 / 2);
    expect(precisionAt(ranking, judgments, 4)).toBe(2 / 4);
    expect(recallAt(ranking, judgments, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(ranking, judgments, 6)).toBe(1);
    expect(averagePrecision(ranking, judgments)).toBeCloseTo((1 / 2 + 2 / 4 + 3 / 6) / 3, 12);
    expect(rPrecision(ranking, judgments)).toBeCloseTo(1 / 3, 12);
    expect(successAt(ranking, judgments, 1)).toBe(0);
    expect(successAt(ranking, judgments, 2)).toBe(1);
  });

  it('uses the threshold for binary relevance but raw grades for nDCG', () => {
    // At threshold 2 only c (rank 4) is relevant.
    expect(countRelevant(judgments, 2)).toBe(1);
    expect(reciprocalRank(ranking, judgments, 2)).toBe(1 / 4);
    expect(averagePrecision(ranking, judgments, 2)).toBe(1 / 4);
    expect(rPrecision(ranking, judgments, 2)).toBe(0);
    expect(recallAt(ranking, judgments, 4, 2)).toBe(1);

    const dcg = 1 / log2(3) + 2 / log2(5) + 1 / log2(7);
    const idcg = 2 + 1 / log2(3) + 1 / log2(4);
    expect(ndcgAt(ranking, judgments)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAt(ranking, judgments, 2)).toBeCloseTo(1 / log2(3) / (2 + 1 / log2(3)), 12);
    const evaluated = evaluateQuery(ranking, judgments, { threshold: 2, cutoffs: [2] });
    expect(evaluated['ndcg']).toBeCloseTo(dcg / idcg, 12);
    expect(evaluated['map']).toBe(1 / 4);
  });

  it('penalises short lists: k beyond the list keeps k as the divisor', () => {
    expect(precisionAt(ranking, judgments, 10)).toBe(3 / 10);
    expect(recallAt(ranking, judgments, 10)).toBe(1);
    expect(recallAt(ranking, judgments, Infinity)).toBe(1);
    // R-precision divides by R even when fewer than R documents were retrieved.
    expect(rPrecision(['a'], judgments)).toBe(1 / 3);
    // nDCG with no cutoff still counts relevant documents the list missed in the ideal.
    expect(ndcgAt(['c'], judgments)).toBeCloseTo(2 / (2 + 1 / log2(3) + 1 / log2(4)), 12);
    expect(ndcgAt(['c'], judgments, 1)).toBe(1);
  });

  it('returns 0 everywhere for an empty run or a query without relevant documents', () => {
    const nothingRelevant = new Map([
      ['a', 0],
      ['b', 0],
    ]);
    for (const [run, qrels] of [
      [[], judgments],
      [['a', 'b'], nothingRelevant],
      [['a'], new Map<string, number>()],
    ] as const) {
      const m = evaluateQuery(run, qrels, { cutoffs: [1, 5] });
      for (const name of ['map', 'recip_rank', 'Rprec', 'ndcg', 'P_1', 'P_5', 'recall_5', 'ndcg_cut_5']) {
        expect(m[name], name).toBe(0);
      }
      expect(m['num_rel_ret']).toBe(0);
    }
    expect(evaluateQuery([], judgments)['num_ret']).toBe(0);
  });

  it('ignores repeated ids, never counts negative grades, and rejects bad cutoffs', () => {
    expect(precisionAt(['a', 'a', 'c'], judgments, 2)).toBe(1);
    expect(numRelevantRetrieved(['a', 'a', 'a'], judgments)).toBe(1);
    const withNegative = new Map([
      ['p', -1],
      ['q', 1],
    ]);
    expect(countRelevant(withNegative, 0)).toBe(1);
    expect(reciprocalRank(['p', 'q'], withNegative, 0)).toBe(1 / 2);
    expect(dcgAt(['p', 'q'], withNegative)).toBeCloseTo(1 / log2(3), 12);
    expect(() => precisionAt(ranking, judgments, 0)).toThrow(RangeError);
    expect(() => precisionAt(ranking, judgments, Infinity)).toThrow(RangeError);
    expect(() => ndcgAt(ranking, judgments, 2.5)).toThrow(RangeError);
  });
});

describe('averaging over queries', () => {
  const qrels = new Map([
    ['q1', new Map([['a', 1]])],
    ['q2', new Map([['b', 0]])], // judged, nothing relevant
    ['q3', new Map([['c', 1]])], // missing from the run
  ]);
  const run = new Map([
    ['q1', ['a']],
    ['q2', ['b']],
    ['q4', ['d']], // no judgments at all
  ]);

  it('follows trec_eval by default and offers the other conventions', () => {
    const judged = evaluateRun(run, qrels);
    expect([...judged.perQuery.keys()]).toEqual(['q1', 'q2']);
    expect(judged.all['num_q']).toBe(2);
    expect(judged.all['map']).toBe(0.5);
    expect(judged.all['num_ret']).toBe(2);

    const relevant = evaluateRun(run, qrels, { queries: 'relevant' });
    expect([...relevant.perQuery.keys()]).toEqual(['q1']);
    expect(relevant.all['map']).toBe(1);

    const complete = evaluateRun(run, qrels, { queries: 'complete' });
    expect(complete.all['num_q']).toBe(3);
    expect(complete.all['map']).toBeCloseTo(1 / 3, 12);
    expect(complete.all['num_rel']).toBe(1);
  });

  it('means and sums per-query sets', () => {
    expect(meanOf([])).toBe(0);
    expect(meanOf([1, 2, 6])).toBe(3);
    const all = aggregateMeasures([
      { map: 1, num_rel: 2 },
      { map: 0, num_rel: 3, P_5: 0.4 },
    ]);
    expect(all).toEqual({ num_q: 2, map: 0.5, num_rel: 5, P_5: 0.2 });
  });
});

describe('TREC formats', () => {
  it('ranks a run like trec_eval: score descending, ties by docid descending in byte order', () => {
    const run = parseRun(
      [
        'q1 Q0 doc-a 1 1.5 r',
        'q1 Q0 doc-B 2 1.5 r',
        'q1 Q0 doc-c 3 1.5 r',
        'q1 Q0 doc-z 4 2.0 r',
        'q1 Q0 doc-low 0 -3 r',
        '',
        'q0\tQ0\tonly\t9\t0\tr',
      ].join('\n'),
    );
    // The rank column disagrees with the scores on purpose: it must be ignored.
    expect(rankRun(run)).toEqual(
      new Map([
        ['q1', ['doc-z', 'doc-c', 'doc-a', 'doc-B', 'doc-low']],
        ['q0', ['only']],
      ]),
    );
    expect(compareDocIds('B', 'a')).toBeLessThan(0);
    expect(compareDocIds('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
    expect(compareDocIds('ab', 'abc')).toBeLessThan(0);
    expect(() => rankRun(parseRun('q Q0 d 1 1 r\nq Q0 d 2 0.5 r'))).toThrow(/twice/);
  });

  it('parses and formats qrels and runs', () => {
    const qrels = parseQrels('# comment\n1 0 a 2\n1 0 b -1\r\n2 iter c 0\n');
    expect(qrels).toEqual(
      new Map([
        [
          '1',
          new Map([
            ['a', 2],
            ['b', -1],
          ]),
        ],
        ['2', new Map([['c', 0]])],
      ]),
    );
    expect(parseQrels(formatQrels(qrels))).toEqual(qrels);
    expect(() => parseQrels('1 0 a')).toThrow(/line 1/);
    expect(() => parseQrels('1 0 a x')).toThrow(/not a number/);
    expect(() => parseQrels('1 0 a 1\n1 0 a 0')).toThrow(/duplicate/);
    expect(() => parseRun('q Q0 d 1 1')).toThrow(/6 fields/);

    const entries = toRunEntries(
      new Map([
        [
          'q',
          [
            { docId: 'x', score: 0.9 },
            { docId: 'y', score: 0.12345678901234 },
          ],
        ],
      ]),
      'lookalike',
    );
    const text = formatRun(entries);
    expect(text).toBe('q Q0 x 1 0.9 lookalike\nq Q0 y 2 0.12345678901234 lookalike\n');
    expect(parseRun(text)).toEqual(entries);
  });
});

/** `measure qid value` lines of trec_eval output, as Map<qid, Map<measure, printed value>>. */
function parseTrecEvalOutput(text: string): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3) continue;
    const [measure, qid, value] = fields as [string, string, string];
    let measures = result.get(qid);
    if (measures === undefined) {
      measures = new Map();
      result.set(qid, measures);
    }
    measures.set(measure, value);
  }
  return result;
}

// Measures this module implements; every one present in an output file is compared.
const COVERED =
  /^(num_q|num_ret|num_rel|num_rel_ret|map|recip_rank|Rprec|ndcg|(P|recall|ndcg_cut|success)_\d+)$/;
// These must be present, so the comparison cannot pass vacuously.
// (out.test has no recall or nDCG lines; out.test.a and out.test.aq do.)
const REQUIRED = [
  'num_ret',
  'num_rel',
  'num_rel_ret',
  'map',
  'recip_rank',
  'Rprec',
  'P_5',
  'P_10',
  'P_20',
  'P_1000',
];
const REQUIRED_ALL_TREC = [
  ...REQUIRED,
  'recall_5',
  'recall_10',
  'recall_1000',
  'ndcg',
  'ndcg_cut_5',
  'ndcg_cut_10',
  'ndcg_cut_20',
  'ndcg_cut_1000',
  'success_1',
  'success_10',
];

function compareWithTrecEval(ours: MeasureSet, expected: Map<string, string>, label: string): string[] {
  const compared: string[] = [];
  for (const [measure, printed] of expected) {
    if (!COVERED.test(measure)) continue;
    const value = ours[measure];
    expect(value, `${label} ${measure}: not computed`).toBeDefined();
    // trec_eval prints %.4f; allow for its rounding, nothing more.
    expect(
      Math.abs((value ?? NaN) - Number(printed)),
      `${label} ${measure}: ${value} vs ${printed}`,
    ).toBeLessThanOrEqual(0.00005 + 1e-9);
    compared.push(measure);
  }
  return compared;
}

describe.skipIf(!haveGolden)('golden: trec_eval test data', () => {
  let cached: { evaluation: ReturnType<typeof evaluateRun>; read: (name: string) => string } | undefined;
  function golden() {
    if (cached === undefined) {
      const read = (name: string) => readFileSync(path.join(goldenDir, name), 'utf8');
      const qrels = parseQrels(read('qrels.test'));
      const run = rankRun(parseRun(read('results.test')));
      cached = { evaluation: evaluateRun(run, qrels), read };
    }
    return cached;
  }

  it('matches trec_eval -m all_trec -q per query (out.test.aq)', () => {
    const { evaluation, read } = golden();
    const expected = parseTrecEvalOutput(read('out.test.aq'));
    const queries = [...expected.keys()].filter((qid) => qid !== 'all');
    expect(queries.length).toBeGreaterThan(0);
    expect([...evaluation.perQuery.keys()].sort()).toEqual([...queries].sort());
    for (const qid of queries) {
      const compared = compareWithTrecEval(
        evaluation.perQuery.get(qid) ?? {},
        expected.get(qid) ?? new Map(),
        qid,
      );
      expect(compared).toEqual(expect.arrayContaining(REQUIRED_ALL_TREC));
    }
    const all = compareWithTrecEval(evaluation.all, expected.get('all') ?? new Map(), 'all');
    expect(all).toEqual(expect.arrayContaining(['num_q', ...REQUIRED_ALL_TREC]));
  });

  it('matches the averages of trec_eval (out.test) and trec_eval -m all_trec (out.test.a)', () => {
    const { evaluation, read } = golden();
    const standard = compareWithTrecEval(
      evaluation.all,
      parseTrecEvalOutput(read('out.test')).get('all') ?? new Map(),
      'out.test',
    );
    expect(standard).toEqual(expect.arrayContaining(['num_q', ...REQUIRED]));
    const allTrec = compareWithTrecEval(
      evaluation.all,
      parseTrecEvalOutput(read('out.test.a')).get('all') ?? new Map(),
      'out.test.a',
    );
    expect(allTrec).toEqual(expect.arrayContaining(['num_q', ...REQUIRED_ALL_TREC]));
  });

  it('round-trips the test files through the formatters without changing the ranking', () => {
    const { read } = golden();
    const qrels = parseQrels(read('qrels.test'));
    expect(parseQrels(formatQrels(qrels))).toEqual(qrels);
    const entries = parseRun(read('results.test'));
    expect(rankRun(parseRun(formatRun(entries)))).toEqual(rankRun(entries));
  });
});
