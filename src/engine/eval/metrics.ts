/**
 * Ranked-retrieval metrics for one query, and their averages over a set of queries.
 *
 * The definitions follow trec_eval 9.x (usnistgov/trec_eval) so that numbers produced here can be set
 * beside published TREC-style figures, and the test suite checks them against trec_eval's own outputs.
 *
 * Notation: the ranking is d_1..d_n. Only the first occurrence of a document id counts: a document
 * cannot be found twice, and counting repeats would let recall exceed 1. g(d) is the judged grade
 * (0-5 in this app); a document missing from the judgments is unjudged and treated as non-relevant
 * with gain 0. rel(d) holds when g(d) >= threshold (default 1, trec_eval's `-l`); negative grades are
 * trec_eval's "in the pool but unjudged" and never count. R is the number of judged documents with rel.
 *
 *   RR (recip_rank)  1 / rank of the first relevant document; 0 when none is retrieved. MRR is its mean.
 *   P@k (P_k)        |relevant among d_1..d_k| / k. The divisor is k even when n < k, so a short list
 *                    is not rewarded for stopping early.
 *   recall@k         |relevant among d_1..d_k| / R; 0 when R = 0.
 *   AP (map)         (1/R) * sum of P@i over the ranks i holding a relevant document; 0 when R = 0.
 *                    Relevant documents never retrieved contribute 0, hence R and not the number found.
 *   R-prec (Rprec)   |relevant among d_1..d_R| / R; the divisor stays R when n < R; 0 when R = 0.
 *   success@k        1 when a relevant document is among d_1..d_k, else 0 (hit rate when averaged).
 *   DCG@k            sum over i <= min(k, n) of max(g(d_i), 0) / log2(i + 1): linear gain and the
 *                    log2(rank + 1) discount (rank 1 undiscounted), Järvelin & Kekäläinen as trec_eval's
 *                    `ndcg` and `ndcg_cut` compute it. Gains use the grades and ignore the threshold.
 *   IDCG@k           DCG@k of the ideal ranking: every judged grade > 0, sorted descending.
 *   nDCG@k           DCG@k / IDCG@k; 0 when IDCG@k = 0. With k = Infinity it is trec_eval's `ndcg`: the
 *                    whole list against all judged documents, so relevant documents the list misses
 *                    still count in the ideal. Finite k gives `ndcg_cut_k`.
 *
 * Example (Järvelin & Kekäläinen style): grades 0, 5, 1, 4, 2 in ranked order, these five being all the
 * judged documents, give DCG = 6.1511, IDCG = 8.9544 and nDCG = 0.6869.
 *
 * Averaging (evaluateRun): per-query values are averaged with equal weight per query, except num_ret,
 * num_rel and num_rel_ret, which trec_eval sums. Which queries take part is chosen by `queries`; the
 * default is trec_eval's own behaviour (see QuerySelection).
 */

/** Judged grade per document id for one query. */
export type Judgments = ReadonlyMap<string, number>;

/** Document ids, best first. */
export type Ranking = readonly string[];

/** Measure values keyed by trec_eval's measure names (`map`, `P_10`, `ndcg_cut_5`, ...). */
export type MeasureSet = Record<string, number>;

export const DEFAULT_RELEVANCE_THRESHOLD = 1;

/** trec_eval's default cutoffs for P, recall and ndcg_cut. */
export const TREC_CUTOFFS: readonly number[] = [5, 10, 15, 20, 30, 100, 200, 500, 1000];

/** trec_eval's default cutoffs for success. */
export const TREC_SUCCESS_CUTOFFS: readonly number[] = [1, 5, 10];

/** Measures trec_eval sums over queries instead of averaging. */
export const SUMMED_MEASURES: ReadonlySet<string> = new Set(['num_ret', 'num_rel', 'num_rel_ret']);

// Stands in for "not in the judgments": below every threshold and yields no gain.
const UNJUDGED = -1;

export function isRelevant(grade: number | undefined, threshold = DEFAULT_RELEVANCE_THRESHOLD): boolean {
  return grade !== undefined && grade >= 0 && grade >= threshold;
}

/** R: the number of judged documents that are relevant at the threshold. */
export function countRelevant(judgments: Judgments, threshold = DEFAULT_RELEVANCE_THRESHOLD): number {
  let count = 0;
  for (const grade of judgments.values()) if (isRelevant(grade, threshold)) count++;
  return count;
}

export function reciprocalRank(
  ranking: Ranking,
  judgments: Judgments,
  threshold = DEFAULT_RELEVANCE_THRESHOLD,
): number {
  return rrOf(gradesInRankOrder(ranking, judgments), threshold);
}

export function precisionAt(
  ranking: Ranking,
  judgments: Judgments,
  k: number,
  threshold = DEFAULT_RELEVANCE_THRESHOLD,
): number {
  checkCutoff(k, false);
  return relevantInTop(gradesInRankOrder(ranking, judgments), k, threshold) / k;
}

export function recallAt(
  ranking: Ranking,
  judgments: Judgments,
  k: number,
  threshold = DEFAULT_RELEVANCE_THRESHOLD,
): number {
  checkCutoff(k, true);
  const numRel = countRelevant(judgments, threshold);
  return numRel === 0 ? 0 : relevantInTop(gradesInRankOrder(ranking, judgments), k, threshold) / numRel;
}

export function averagePrecision(
  ranking: Ranking,
  judgments: Judgments,
  threshold = DEFAULT_RELEVANCE_THRESHOLD,
): number {
  return apOf(gradesInRankOrder(ranking, judgments), countRelevant(judgments, threshold), threshold);
}

export function rPrecision(
  ranking: Ranking,
  judgments: Judgments,
  threshold = DEFAULT_RELEVANCE_THRESHOLD,
): number {
  return rPrecOf(gradesInRankOrder(ranking, judgments), countRelevant(judgments, threshold), threshold);
}

/** Relevant documents anywhere in the ranking (trec_eval's num_rel_ret). */
export function numRelevantRetrieved(
  ranking: Ranking,
  judgments: Judgments,
  threshold = DEFAULT_RELEVANCE_THRESHOLD,
): number {
  return relevantInTop(gradesInRankOrder(ranking, judgments), Infinity, threshold);
}

export function successAt(
  ranking: Ranking,
  judgments: Judgments,
  k: number,
  threshold = DEFAULT_RELEVANCE_THRESHOLD,
): number {
  checkCutoff(k, true);
  return relevantInTop(gradesInRankOrder(ranking, judgments), k, threshold) > 0 ? 1 : 0;
}

/** DCG over the top k (k = Infinity: the whole ranking). */
export function dcgAt(ranking: Ranking, judgments: Judgments, k = Infinity): number {
  checkCutoff(k, true);
  return dcgOf(gradesInRankOrder(ranking, judgments), k);
}

/** DCG of the best possible ranking of the judged documents, cut at k. */
export function idealDcgAt(judgments: Judgments, k = Infinity): number {
  checkCutoff(k, true);
  return dcgOf(idealGains(judgments), k);
}

/** nDCG@k; the default k = Infinity is trec_eval's `ndcg`, a finite k its `ndcg_cut_k`. */
export function ndcgAt(ranking: Ranking, judgments: Judgments, k = Infinity): number {
  checkCutoff(k, true);
  return ndcgOf(gradesInRankOrder(ranking, judgments), idealGains(judgments), k);
}

export interface EvaluateOptions {
  /** Lowest grade that counts as relevant for the binary measures. Default 1. */
  threshold?: number;
  /** Cutoffs for P_k, recall_k and ndcg_cut_k. Default TREC_CUTOFFS. */
  cutoffs?: readonly number[];
  /** Cutoffs for success_k. Default TREC_SUCCESS_CUTOFFS. */
  successCutoffs?: readonly number[];
}

/**
 * Every measure for one query, under trec_eval's names: num_ret, num_rel, num_rel_ret, map (the query's
 * AP), recip_rank, Rprec, ndcg, and P_k, recall_k, ndcg_cut_k, success_k for the cutoffs.
 */
export function evaluateQuery(
  ranking: Ranking,
  judgments: Judgments,
  options: EvaluateOptions = {},
): MeasureSet {
  const threshold = options.threshold ?? DEFAULT_RELEVANCE_THRESHOLD;
  const cutoffs = options.cutoffs ?? TREC_CUTOFFS;
  const successCutoffs = options.successCutoffs ?? TREC_SUCCESS_CUTOFFS;
  for (const k of cutoffs) checkCutoff(k, false);
  for (const k of successCutoffs) checkCutoff(k, false);

  // Computed once and shared: the per-metric exports would otherwise redo them for every cutoff.
  const grades = gradesInRankOrder(ranking, judgments);
  const ideal = idealGains(judgments);
  const numRel = countRelevant(judgments, threshold);

  const measures: MeasureSet = {
    num_ret: grades.length,
    num_rel: numRel,
    num_rel_ret: relevantInTop(grades, Infinity, threshold),
    map: apOf(grades, numRel, threshold),
    recip_rank: rrOf(grades, threshold),
    Rprec: rPrecOf(grades, numRel, threshold),
    ndcg: ndcgOf(grades, ideal, Infinity),
  };
  for (const k of cutoffs) {
    const found = relevantInTop(grades, k, threshold);
    measures[`P_${k}`] = found / k;
    measures[`recall_${k}`] = numRel === 0 ? 0 : found / numRel;
    measures[`ndcg_cut_${k}`] = ndcgOf(grades, ideal, k);
  }
  for (const k of successCutoffs) {
    measures[`success_${k}`] = relevantInTop(grades, k, threshold) > 0 ? 1 : 0;
  }
  return measures;
}

/** Arithmetic mean; 0 for no values, matching the "0 when undefined" convention of the measures. */
export function meanOf(values: Iterable<number>): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    sum += value;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Combines per-query measures into one set as trec_eval's summary line does: SUMMED_MEASURES are summed,
 * every other measure is summed and divided by `numQueries` (default: the number of sets given), so a
 * query that lacks a measure counts as 0 for it. Adds num_q = numQueries.
 */
export function aggregateMeasures(perQuery: Iterable<MeasureSet>, numQueries?: number): MeasureSet {
  const sums = new Map<string, number>();
  let count = 0;
  for (const measures of perQuery) {
    count++;
    for (const [name, value] of Object.entries(measures)) sums.set(name, (sums.get(name) ?? 0) + value);
  }
  const divisor = numQueries ?? count;
  const result: MeasureSet = { num_q: divisor };
  for (const [name, sum] of sums) {
    result[name] = SUMMED_MEASURES.has(name) ? sum : divisor === 0 ? 0 : sum / divisor;
  }
  return result;
}

/**
 * Which queries take part in a run's evaluation and its averages.
 * - 'judged' (trec_eval's default): queries present in the run that have at least one line in the
 *   qrels. A query whose judgments are all non-relevant is evaluated and pulls the means down with its
 *   zeros; queries the run lacks are left out.
 * - 'relevant': as 'judged', but only queries with at least one relevant document at the threshold,
 *   the usual convention when queries without an answer carry no signal.
 * - 'complete' (trec_eval -c): as 'judged' per query, but means are divided by the number of queries in
 *   the qrels, so a query the run lacks contributes 0 to every averaged measure (not to the sums).
 */
export type QuerySelection = 'judged' | 'relevant' | 'complete';

export interface RunEvaluationOptions extends EvaluateOptions {
  queries?: QuerySelection;
}

export interface RunEvaluation {
  /** Evaluated queries, in the run's order. */
  perQuery: Map<string, MeasureSet>;
  /** trec_eval's "all" line: means (sums for SUMMED_MEASURES) plus num_q. */
  all: MeasureSet;
}

export function evaluateRun(
  run: ReadonlyMap<string, Ranking>,
  qrels: ReadonlyMap<string, Judgments>,
  options: RunEvaluationOptions = {},
): RunEvaluation {
  const selection = options.queries ?? 'judged';
  const threshold = options.threshold ?? DEFAULT_RELEVANCE_THRESHOLD;
  const perQuery = new Map<string, MeasureSet>();
  for (const [queryId, ranking] of run) {
    const judgments = qrels.get(queryId);
    if (judgments === undefined || judgments.size === 0) continue;
    if (selection === 'relevant' && countRelevant(judgments, threshold) === 0) continue;
    perQuery.set(queryId, evaluateQuery(ranking, judgments, options));
  }
  const divisor = selection === 'complete' ? countJudgedQueries(qrels) : perQuery.size;
  return { perQuery, all: aggregateMeasures(perQuery.values(), divisor) };
}

function countJudgedQueries(qrels: ReadonlyMap<string, Judgments>): number {
  let count = 0;
  for (const judgments of qrels.values()) if (judgments.size > 0) count++;
  return count;
}

function checkCutoff(k: number, allowInfinity: boolean): void {
  if (Number.isInteger(k) && k > 0) return;
  if (allowInfinity && k === Infinity) return;
  throw new RangeError(`Cutoff must be a positive integer${allowInfinity ? ' or Infinity' : ''}, got ${k}`);
}

function gradesInRankOrder(ranking: Ranking, judgments: Judgments): number[] {
  const seen = new Set<string>();
  const grades: number[] = [];
  for (const docId of ranking) {
    if (seen.has(docId)) continue;
    seen.add(docId);
    grades.push(judgments.get(docId) ?? UNJUDGED);
  }
  return grades;
}

function idealGains(judgments: Judgments): number[] {
  const gains: number[] = [];
  for (const grade of judgments.values()) if (grade > 0) gains.push(grade);
  return gains.sort((a, b) => b - a);
}

function relevantInTop(grades: readonly number[], k: number, threshold: number): number {
  const end = Math.min(k, grades.length);
  let found = 0;
  for (let i = 0; i < end; i++) if (isRelevant(grades[i], threshold)) found++;
  return found;
}

function rrOf(grades: readonly number[], threshold: number): number {
  const index = grades.findIndex((grade) => isRelevant(grade, threshold));
  return index === -1 ? 0 : 1 / (index + 1);
}

function apOf(grades: readonly number[], numRel: number, threshold: number): number {
  if (numRel === 0) return 0;
  let found = 0;
  let sum = 0;
  grades.forEach((grade, i) => {
    if (!isRelevant(grade, threshold)) return;
    found++;
    sum += found / (i + 1);
  });
  return sum / numRel;
}

function rPrecOf(grades: readonly number[], numRel: number, threshold: number): number {
  return numRel === 0 ? 0 : relevantInTop(grades, numRel, threshold) / numRel;
}

function dcgOf(gains: readonly number[], k: number): number {
  const end = Math.min(k, gains.length);
  let sum = 0;
  for (let i = 0; i < end; i++) {
    const gain = gains[i] ?? 0;
    // Rank i + 1 is discounted by log2(rank + 1).
    if (gain > 0) sum += gain / Math.log2(i + 2);
  }
  return sum;
}

function ndcgOf(grades: readonly number[], ideal: readonly number[], k: number): number {
  const idealDcg = dcgOf(ideal, k);
  return idealDcg > 0 ? dcgOf(grades, k) / idealDcg : 0;
}
