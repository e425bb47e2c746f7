import { describe, expect, it } from 'vitest';
import {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from '../../../../src/engine/embedding/tflite/tflite-fixed-point.ts';
import { seededRandom } from '../../../fixtures/synthetic-photos.ts';

describe('TensorFlow Lite fixed-point requantization', () => {
  it('splits a real multiplier into a Q31 mantissa and an exponent, like frexp', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: 2 ** 30, shift: -1 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 3 * 2 ** 29, shift: 0 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    // A mantissa that rounds up to 2^31 moves into the exponent instead.
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    const rnd = seededRandom(5);
    for (let i = 0; i < 1000; i++) {
      const m = 10 ** (rnd() * 8 - 7);
      const q = quantizeMultiplier(m);
      expect(q.multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(q.multiplier).toBeLessThan(2 ** 31);
      expect(Math.abs((q.multiplier / 2 ** 31) * 2 ** q.shift - m) / m).toBeLessThan(2 ** -30);
    }
  });

  it('rounds the doubling high multiply to nearest and saturates its one overflow', () => {
    expect(saturatingRoundingDoublingHighMul(2 ** 30, 2 ** 30)).toBe(2 ** 29);
    expect(saturatingRoundingDoublingHighMul(-(2 ** 31), -(2 ** 31))).toBe(2 ** 31 - 1);
    // gemmlowp's nudge sends ties up: 1.5 → 2 and 0.5 → 1, but -1.5 → -1 and -0.5 → 0.
    expect(saturatingRoundingDoublingHighMul(3, 2 ** 30)).toBe(2);
    expect(saturatingRoundingDoublingHighMul(1, 2 ** 30)).toBe(1);
    expect(saturatingRoundingDoublingHighMul(-3, 2 ** 30)).toBe(-1);
    expect(saturatingRoundingDoublingHighMul(-1, 2 ** 30)).toBe(0);
    expect(saturatingRoundingDoublingHighMul(-5, 2 ** 30)).toBe(-2);
  });

  it('divides by a power of two rounding half away from zero', () => {
    expect([5, -5, 4, -4, 3, -3, 1, -1].map((x) => roundingDivideByPOT(x, 1))).toEqual([
      3, -3, 2, -2, 2, -2, 1, -1,
    ]);
    expect(roundingDivideByPOT(6, 2)).toBe(2); // 1.5
    expect(roundingDivideByPOT(-6, 2)).toBe(-2);
    expect(roundingDivideByPOT(5, 2)).toBe(1); // 1.25
    expect(roundingDivideByPOT(-(2 ** 31), 31)).toBe(-1);
    expect(roundingDivideByPOT(7, 0)).toBe(7);
  });

  it('scales accumulators to within one unit of the exact product', () => {
    const rnd = seededRandom(9);
    for (let i = 0; i < 5000; i++) {
      const x = Math.floor((rnd() * 2 - 1) * 2 ** 24);
      const m = rnd() * 0.999 + 0.0005;
      const y = multiplyByQuantizedMultiplier(x, quantizeMultiplier(m));
      expect(Math.abs(y - x * m)).toBeLessThan(1);
    }
  });

  it('rounds twice, as TensorFlow Lite does, rather than once', () => {
    // 11009674 × 0.48254 = 5312594.31: the high multiply gives 10625189 (from 10625188.62), and
    // halving that rounds the tie up, so TensorFlow Lite's answer is 5312595, not 5312594.
    const q = { multiplier: 2072488143, shift: -1 };
    expect(multiplyByQuantizedMultiplier(11009674, q)).toBe(5312595);
    expect(multiplyByQuantizedMultiplier(-1310157, { multiplier: 1569690615, shift: -3 })).toBe(-119707);
  });
});
