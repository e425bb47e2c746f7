import {
  evaluateRun,
  type MeasureSet,
  type QuerySelection,
  TREC_CUTOFFS,
  TREC_SUCCESS_CUTOFFS,
} from './metrics.ts';
import { parseQrels, parseRun, rankRun } from './trec-format.ts';

/**
 * Scores a TREC run file against a qrels file as `trec_eval` does, for the measures this app
 * computes, and prints them the way trec_eval does (`measure<TAB>qid<TAB>value`, four decimals, counts
 * as integers), so the app is a drop-in scorer. JSON keys are trec_eval's measure names.
 */

export interface TrecEvalOptions {
  /** trec_eval -l: the lowest grade that counts as relevant (default 1). */
  relevanceLevel?: number;
  /** trec_eval -c: average over every query in the qrels, not only those in the run. */
  complete?: boolean;
}

export interface TrecEvalResult {
  runId: string;
  /** Measure names in printing order. */
  measures: string[];
  all: MeasureSet;
  perQuery: Map<string, MeasureSet>;
}

const COUNTS: ReadonlySet<string> = new Set(['num_q', 'num_ret', 'num_rel', 'num_rel_ret']);

export const TREC_EVAL_MEASURES: readonly string[] = [
  'num_q',
  'num_ret',
  'num_rel',
  'num_rel_ret',
  'map',
  'Rprec',
  'recip_rank',
  ...TREC_CUTOFFS.map((k) => `P_${k}`),
  ...TREC_CUTOFFS.map((k) => `recall_${k}`),
  'ndcg',
  ...TREC_CUTOFFS.map((k) => `ndcg_cut_${k}`),
  ...TREC_SUCCESS_CUTOFFS.map((k) => `success_${k}`),
];

export function scoreTrecRun(
  qrelsText: string,
  runText: string,
  options: TrecEvalOptions = {},
): TrecEvalResult {
  const qrels = parseQrels(qrelsText);
  const entries = parseRun(runText);
  const selection: QuerySelection = options.complete ? 'complete' : 'judged';
  const { perQuery, all } = evaluateRun(rankRun(entries), qrels, {
    threshold: options.relevanceLevel ?? 1,
    queries: selection,
  });
  return { runId: entries[0]?.runId ?? '', measures: [...TREC_EVAL_MEASURES], all, perQuery };
}

function formatValue(name: string, value: number): string {
  return COUNTS.has(name) ? String(Math.round(value)) : value.toFixed(4);
}

function line(name: string, qid: string, value: string): string {
  return `${name.padEnd(22)}\t${qid}\t${value}`;
}

/** trec_eval's text output; with perQuery, each query's lines come first (trec_eval -q). */
export function formatTrecEval(result: TrecEvalResult, options: { perQuery?: boolean } = {}): string {
  const lines: string[] = [];
  if (options.perQuery) {
    for (const [qid, measures] of result.perQuery) {
      for (const name of result.measures) {
        if (name === 'num_q') continue;
        lines.push(line(name, qid, formatValue(name, measures[name] ?? 0)));
      }
    }
  }
  lines.push(line('runid', 'all', result.runId));
  for (const name of result.measures) lines.push(line(name, 'all', formatValue(name, result.all[name] ?? 0)));
  return `${lines.join('\n')}\n`;
}

/** The same numbers as JSON: trec_eval's names as keys, full precision. */
export function trecEvalJson(
  result: TrecEvalResult,
  options: { perQuery?: boolean } = {},
): Record<string, unknown> {
  const pick = (m: MeasureSet, skipNumQ: boolean): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const name of result.measures) if (!(skipNumQ && name === 'num_q')) out[name] = m[name] ?? 0;
    return out;
  };
  const json: Record<string, unknown> = { runid: result.runId, ...pick(result.all, false) };
  if (options.perQuery) {
    json['queries'] = Object.fromEntries([...result.perQuery].map(([qid, m]) => [qid, pick(m, true)]));
  }
  return json;
}
