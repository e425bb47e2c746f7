/**
 * TensorFlow Lite's fixed-point requantization (gemmlowp's rounding rules), bit for bit: a real
 * multiplier m becomes a Q31 integer and a power-of-two exponent, and int32 accumulators are
 * scaled with a rounding doubling high multiply followed by a rounding right shift.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TWO_31 = 2147483648;

export interface QuantizedMultiplier {
  /** Q31 mantissa in [2^30, 2^31), or 0. */
  multiplier: number;
  /** Power-of-two exponent: m = multiplier / 2^31 × 2^shift. */
  shift: number;
}

/** std::frexp + rounding, as tflite::QuantizeMultiplier does it. */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  // log2 can land one off for values next to a power of two; frexp's mantissa is in [0.5, 1).
  if (q >= 1) {
    q /= 2;
    shift++;
  } else if (q < 0.5) {
    q *= 2;
    shift--;
  }
  let fixed = roundHalfAway(q * TWO_31);
  if (fixed === TWO_31) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: fixed, shift };
}

/** std::round: halves go away from zero (Math.round sends -0.5 up). */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** gemmlowp SaturatingRoundingDoublingHighMul: round(a × b / 2^31), saturating the one overflow. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  // BigInt division truncates toward zero, like the C++ int64 division it mirrors.
  return Number((ab + nudge) / 2147483648n);
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** tflite::MultiplyByQuantizedMultiplier (the accumulator scaling of conv and depthwise conv). */
export function multiplyByQuantizedMultiplier(x: number, q: QuantizedMultiplier): number {
  const left = q.shift > 0 ? q.shift : 0;
  const right = q.shift > 0 ? 0 : -q.shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(toInt32(x * 2 ** left), q.multiplier), right);
}

/** C++ int32 wrap-around, for the products TensorFlow Lite leaves in 32 bits. */
function toInt32(x: number): number {
  return x | 0;
}
