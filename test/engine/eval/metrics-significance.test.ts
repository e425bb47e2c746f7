import { describe, expect, it } from 'vitest';
import {
  pairedBootstrap,
  pairedPermutationTest,
  signTest,
  winsLossesTies,
} from '../../../src/engine/eval/metrics-significance.ts';

describe('paired randomization test', () => {
  it('enumerates every sign assignment for a few queries (hand-computed p-values)', () => {
    // d = (1, 1, 1): only all-plus and all-minus reach |mean| = 1, so p = 2 / 8.
    expect(pairedPermutationTest([0, 0, 0], [1, 1, 1])).toEqual({
      meanDifference: 1,
      pValue: 0.25,
      exact: true,
    });
    // d = (1, 2): |mean| 1.5 is reached by (+,+) and (-,-) only; p = 2 / 4.
    expect(pairedPermutationTest([0, 0], [1, 2]).pValue).toBe(0.5);
    // d = (3, 1, -1): the sums ±3 ±1 ±1 are 5, 3, 3, 1, -1, -3, -3, -5 and the observed sum is 3;
    // |sum| >= 3 in 6 of 8.
    expect(pairedPermutationTest([0, 0, 0], [3, 1, -1]).pValue).toBe(6 / 8);
    // No difference at all: nothing to explain.
    expect(pairedPermutationTest([0.5, 0.2], [0.5, 0.2]).pValue).toBe(1);
    expect(pairedPermutationTest([], []).pValue).toBe(1);
  });

  it('estimates by seeded sampling when enumeration is too large, close to the exact value and reproducible', () => {
    const a = Array.from({ length: 16 }, (_, i) => (i % 3) / 4);
    const b = a.map((x, i) => x + (i % 4 === 0 ? -0.1 : 0.15));
    const exact = pairedPermutationTest(a, b, { iterations: 2 ** 16 });
    expect(exact.exact).toBe(true);
    const sampled = pairedPermutationTest(a, b, { iterations: 20_000, seed: 7 });
    expect(sampled.exact).toBe(false);
    expect(Math.abs(sampled.pValue - exact.pValue)).toBeLessThan(0.01);
    expect(pairedPermutationTest(a, b, { iterations: 20_000, seed: 7 })).toEqual(sampled);
    expect(pairedPermutationTest(a, b, { iterations: 20_000, seed: 8 }).pValue).not.toBe(sampled.pValue);
  });

  it('refuses samples that are not paired', () => {
    expect(() => pairedPermutationTest([1], [1, 2])).toThrow(RangeError);
  });
});

describe('paired bootstrap', () => {
  it('gives a point interval when every query moved by the same amount', () => {
    const r = pairedBootstrap([0.1, 0.5, 0.9], [0.3, 0.7, 1.1], { iterations: 500 });
    expect(r.meanDifference).toBeCloseTo(0.2, 12);
    expect(r.ci[0]).toBeCloseTo(0.2, 12);
    expect(r.ci[1]).toBeCloseTo(0.2, 12);
    // Every resampled mean equals the observed one: none is as far from it as 0 is.
    expect(r.pValue).toBeCloseTo(1 / 501, 12);
  });

  it('brackets the mean difference, contains 0 for a coin-flip difference, and is reproducible', () => {
    const a = [0, 0, 0, 0, 0, 0, 0, 0];
    const b = [1, -1, 1, -1, 1, -1, 1, -1];
    const r = pairedBootstrap(a, b, { seed: 3 });
    expect(r.meanDifference).toBe(0);
    expect(r.ci[0]).toBeLessThan(0);
    expect(r.ci[1]).toBeGreaterThan(0);
    expect(r.pValue).toBe(1);
    expect(pairedBootstrap(a, b, { seed: 3 })).toEqual(r);
    // Resampled means of ±1 over 8 queries are multiples of 1/4 within [-1, 1].
    expect(r.ci[0]).toBeGreaterThanOrEqual(-1);
    expect(r.ci[1]).toBeLessThanOrEqual(1);
  });
});

describe('sign test and per-query outcomes', () => {
  it('matches the binomial tail by hand', () => {
    expect(signTest(5, 0)).toBe(2 / 32);
    expect(signTest(0, 5)).toBe(2 / 32);
    // P(X <= 1 | n = 6) = (1 + 6) / 64, doubled.
    expect(signTest(5, 1)).toBeCloseTo(14 / 64, 12);
    expect(signTest(3, 3)).toBe(1);
    expect(signTest(0, 0)).toBe(1);
    // Large counts neither overflow nor underflow.
    expect(signTest(600, 400)).toBeGreaterThan(0);
    expect(signTest(600, 400)).toBeLessThan(1e-9);
  });

  it('counts wins, losses and ties of the second sample', () => {
    expect(winsLossesTies([0.5, 0.5, 0.5, 0.1], [0.6, 0.4, 0.5, 0.1 + 1e-15])).toEqual({
      wins: 1,
      losses: 1,
      ties: 2,
    });
  });
});
