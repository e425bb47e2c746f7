/**
 * Benchmarks need libraries larger than the photos at hand: real vectors followed by noisy,
 * re-normalised copies of them (non-negative, like the model's features), deterministic per seed.
 */
export function padWithPerturbedCopies(
  real: readonly Float32Array[],
  total: number,
  seed: number,
): Float32Array[] {
  if (real.length === 0)
    throw new Error('The library has no vectors for this model: index some photos first.');
  const dim = real[0]!.length;
  let state = seed;
  const rnd = (): number => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Array.from({ length: Math.max(total, real.length) }, (_, i) => {
    if (i < real.length) return real[i]!;
    const base = real[i % real.length]!;
    const v = new Float32Array(dim);
    let n = 0;
    for (let d = 0; d < dim; d++) {
      v[d] = Math.max(0, base[d]! + 0.05 * rnd());
      n += v[d]! * v[d]!;
    }
    for (let d = 0; d < dim; d++) v[d] = v[d]! / Math.sqrt(n);
    return v;
  });
}
