import { meanOf } from './metrics.ts';
import { seededRandom } from './seeded-random.ts';

/**
 * Whether one configuration's per-query scores differ from another's by more than chance, on
 * paired samples (the same queries under both):
 *
 *   permutation  Fisher's paired randomization test: under the null hypothesis each query's
 *                difference d_i = b_i - a_i is as likely to have had the other sign, so the
 *                p-value is the share of the 2^n sign assignments whose |mean| reaches the
 *                observed |mean(d)|. Enumerated exactly while 2^n <= iterations, otherwise
 *                estimated from `iterations` random assignments as (hits + 1) / (iterations + 1).
 *   bootstrap    resamples the n differences with replacement; the percentile interval of the
 *                resampled means is the confidence interval, and the p-value is the share of
 *                resampled means at least |mean(d)| away from mean(d) (the null shifted to 0).
 *   sign test    the two-sided exact binomial test of wins against losses (ties dropped).
 *
 * All draws come from a seeded generator: the same inputs and seed give the same numbers.
 */

export interface PairedTestOptions {
  iterations?: number;
  seed?: number;
}

export interface PermutationResult {
  meanDifference: number;
  pValue: number;
  /** True when every sign assignment was enumerated. */
  exact: boolean;
}

export interface BootstrapResult {
  meanDifference: number;
  ci: [number, number];
  pValue: number;
}

// Differences that should be equal can differ in the last bits after summing in another order.
const EPSILON = 1e-12;

export function pairedDifferences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length)
    throw new RangeError(`Paired samples differ in length: ${a.length} vs ${b.length}`);
  return a.map((x, i) => b[i]! - x);
}

export function pairedPermutationTest(
  a: readonly number[],
  b: readonly number[],
  options: PairedTestOptions = {},
): PermutationResult {
  const d = pairedDifferences(a, b);
  const n = d.length;
  const meanDifference = meanOf(d);
  const observed = Math.abs(meanDifference);
  if (n === 0 || observed <= EPSILON) return { meanDifference, pValue: 1, exact: true };
  const iterations = options.iterations ?? 10_000;
  const reaches = (sum: number): boolean => Math.abs(sum / n) >= observed - EPSILON;

  if (n <= 30 && 2 ** n <= iterations) {
    let hits = 0;
    const total = 2 ** n;
    for (let mask = 0; mask < total; mask++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -d[i]! : d[i]!;
      if (reaches(sum)) hits++;
    }
    return { meanDifference, pValue: hits / total, exact: true };
  }
  const random = seededRandom(options.seed ?? 1);
  let hits = 0;
  for (let it = 0; it < iterations; it++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += random() < 0.5 ? -d[i]! : d[i]!;
    if (reaches(sum)) hits++;
  }
  return { meanDifference, pValue: (hits + 1) / (iterations + 1), exact: false };
}

export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: PairedTestOptions & { confidence?: number } = {},
): BootstrapResult {
  const d = pairedDifferences(a, b);
  const n = d.length;
  const meanDifference = meanOf(d);
  if (n === 0) return { meanDifference: 0, ci: [0, 0], pValue: 1 };
  const iterations = options.iterations ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  const random = seededRandom(options.seed ?? 1);
  const means = new Float64Array(iterations);
  let far = 0;
  for (let it = 0; it < iterations; it++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[Math.floor(random() * n)]!;
    const m = sum / n;
    means[it] = m;
    if (Math.abs(m - meanDifference) >= Math.abs(meanDifference) - EPSILON) far++;
  }
  means.sort();
  const alpha = (1 - confidence) / 2;
  const ci: [number, number] = [quantile(means, alpha), quantile(means, 1 - alpha)];
  const pValue = Math.abs(meanDifference) <= EPSILON ? 1 : (far + 1) / (iterations + 1);
  return { meanDifference, ci, pValue };
}

/** Linear interpolation between order statistics (R's type 7) of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Two-sided exact binomial sign test: P(at least as lopsided as wins vs losses | p = 1/2). */
export function signTest(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  if (n <= 50) {
    // Binomial coefficients up to C(50, 25) are exact in a double, so small counts give exact p-values.
    let c = 1;
    let sum = 0;
    for (let i = 0; i <= k; i++) {
      if (i > 0) c = (c * (n - i + 1)) / i;
      sum += c;
    }
    return Math.min(1, (2 * sum) / 2 ** n);
  }
  // Sum C(n, i) / 2^n for i <= k in log space, so large counts neither overflow nor underflow.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

/** Wins, losses and ties of b against a per query (equal within rounding is a tie). */
export function winsLossesTies(
  a: readonly number[],
  b: readonly number[],
): { wins: number; losses: number; ties: number } {
  let wins = 0;
  let losses = 0;
  let ties = 0;
  for (const d of pairedDifferences(a, b)) {
    if (d > EPSILON) wins++;
    else if (d < -EPSILON) losses++;
    else ties++;
  }
  return { wins, losses, ties };
}
