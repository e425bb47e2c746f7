import type { InterleavingPairReport, SignificanceResult } from '../../../../shared/evaluation-api.ts';
import { formatDelta, formatP, measureLabel } from './measure-names.ts';

/** Below this p-value a difference is called unlikely to be chance (the usual 5 % level). */
export const SIGNIFICANCE_LEVEL = 0.05;
/** The fewest differing queries with which a paired sign-flip test can reach that level (2/2⁶ < 0.05). */
const MIN_DIFFERING_QUERIES = 6;

/**
 * A comparison's significance in words a curator can act on: which configuration did better,
 * by how much, how sure that is, and what to do when it is not sure.
 */
export function describeSignificance(s: SignificanceResult): string {
  const measure = measureLabel(s.measure);
  const [lo, hi] = s.bootstrapCi;
  const interval = `95 % interval ${formatDelta(lo)} to ${formatDelta(hi)}`;
  const record = `${s.other} did better on ${s.wins} ${s.wins === 1 ? 'query' : 'queries'}, worse on ${s.losses}, the same on ${s.ties}`;
  if (Math.abs(s.meanDifference) < 5e-4) {
    return `${s.other} and ${s.baseline} score the same on ${measure} (${record}).`;
  }
  const direction = s.meanDifference > 0 ? 'better' : 'worse';
  const head = `${s.other} is ${direction} than ${s.baseline} on ${measure} by ${formatDelta(s.meanDifference)} on average (${interval}); ${record}.`;
  if (s.permutationP < SIGNIFICANCE_LEVEL) {
    return `${head} A difference this large is unlikely to be chance (${formatP(s.permutationP)}, paired randomization test).`;
  }
  const differing = s.wins + s.losses;
  // With n queries that differ, a two-sided sign-flip test cannot go below 2 / 2^n: under 6 it
  // can never reach the 5 % level, however large the difference.
  const tooFew =
    differing < MIN_DIFFERING_QUERIES
      ? ` Only ${differing} ${differing === 1 ? 'query differs' : 'queries differ'}; the test needs at least ${MIN_DIFFERING_QUERIES} that differ to tell.`
      : '';
  return `${head} This could well be chance (${formatP(s.permutationP)}, paired randomization test): add and grade more queries before deciding.${tooFew}`;
}

export function describeInterleaving(r: InterleavingPairReport): string {
  const decided = r.winsA + r.winsB;
  if (r.withClicks === 0) {
    return `No clicks yet on ${r.searches} interleaved ${r.searches === 1 ? 'search' : 'searches'}: search as usual and open the photos you want.`;
  }
  if (decided === 0) return `${r.a} and ${r.b} tied on every search with clicks so far.`;
  const leader = r.winsA >= r.winsB ? r.a : r.b;
  const verdict =
    r.pValue < SIGNIFICANCE_LEVEL
      ? `${leader} is preferred, and that is unlikely to be chance (${formatP(r.pValue)}, sign test).`
      : `${r.winsA === r.winsB ? 'Neither is ahead' : `${leader} is ahead`}, but that could still be chance (${formatP(r.pValue)}, sign test): keep searching with interleaving on.`;
  return `${r.a} won ${r.winsA}, ${r.b} won ${r.winsB}, ${r.ties} tied. ${verdict}`;
}
