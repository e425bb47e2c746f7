import { aggregateMeasures, evaluateQuery, type MeasureSet } from './metrics.ts';

/**
 * Scores one configuration's rankings of an evaluation set against the curator's grades, with the
 * engine's trec_eval-compatible metrics: binary measures (MRR, P@k, recall@k, mAP) at the
 * curator's threshold, nDCG@k on the grades. Unjudged photos count as non-relevant, and the share
 * of unjudged photos in each top k is reported so the curator knows when to grade more.
 */

export interface ScoredQuery {
  queryId: number;
  qid: string;
  label: string;
}

export interface QueryScore extends ScoredQuery {
  measures: MeasureSet;
  /** Share of unjudged photos in the top k (of those shown), by k. */
  unjudged: Record<string, number>;
}

export interface SetScore {
  perQuery: QueryScore[];
  mean: MeasureSet;
  unjudged: Record<string, number>;
}

/** The measures a report shows, in display order, for the given cutoffs. */
export function reportedMeasures(cutoffs: readonly number[]): string[] {
  return [
    'map',
    'recip_rank',
    'ndcg',
    ...cutoffs.map((k) => `P_${k}`),
    ...cutoffs.map((k) => `recall_${k}`),
    ...cutoffs.map((k) => `ndcg_cut_${k}`),
  ];
}

/**
 * Queries without a single grade are left out (there is nothing to score them against, as
 * trec_eval leaves out queries missing from the qrels); every other query weighs the same.
 */
export function scoreSet(
  queries: readonly ScoredQuery[],
  rankings: ReadonlyMap<number, readonly string[]>,
  judgments: ReadonlyMap<number, ReadonlyMap<string, number>>,
  options: { threshold: number; cutoffs: readonly number[] },
): SetScore {
  const cutoffs = [...new Set(options.cutoffs)].sort((x, y) => x - y);
  const names = [...reportedMeasures(cutoffs), 'num_ret', 'num_rel', 'num_rel_ret'];
  const perQuery: QueryScore[] = [];
  for (const q of queries) {
    const graded = judgments.get(q.queryId);
    if (!graded || graded.size === 0) continue;
    const ranking = rankings.get(q.queryId) ?? [];
    const all = evaluateQuery(ranking, graded, { threshold: options.threshold, cutoffs, successCutoffs: [] });
    const measures: MeasureSet = {};
    for (const name of names) measures[name] = all[name] ?? 0;
    const unjudged: Record<string, number> = {};
    for (const k of cutoffs) {
      const top = ranking.slice(0, k);
      unjudged[k] = top.length === 0 ? 0 : top.filter((d) => !graded.has(d)).length / top.length;
    }
    perQuery.push({ ...q, measures, unjudged });
  }
  // Every measure is there even when no query is graded yet: a report shows zeros, not gaps.
  const mean: MeasureSet = {
    ...Object.fromEntries(names.map((name) => [name, 0])),
    ...aggregateMeasures(perQuery.map((q) => q.measures)),
  };
  const unjudged: Record<string, number> = {};
  for (const k of cutoffs) {
    unjudged[k] =
      perQuery.length === 0 ? 0 : perQuery.reduce((s, q) => s + (q.unjudged[k] ?? 0), 0) / perQuery.length;
  }
  return { perQuery, mean, unjudged };
}

/** Mean P@k, recall@k and nDCG@k for k = 1..maxK: the data behind a metric-vs-k plot. */
export function metricVsK(
  queries: readonly ScoredQuery[],
  rankings: ReadonlyMap<number, readonly string[]>,
  judgments: ReadonlyMap<number, ReadonlyMap<string, number>>,
  options: { threshold: number; maxK: number },
): { k: number[]; P: number[]; recall: number[]; ndcg: number[] } {
  const ks = Array.from({ length: options.maxK }, (_, i) => i + 1);
  const { mean } = scoreSet(queries, rankings, judgments, { threshold: options.threshold, cutoffs: ks });
  return {
    k: ks,
    P: ks.map((k) => mean[`P_${k}`] ?? 0),
    recall: ks.map((k) => mean[`recall_${k}`] ?? 0),
    ndcg: ks.map((k) => mean[`ndcg_cut_${k}`] ?? 0),
  };
}
