/**
 * Cosine at or above which two photos count as near-duplicates (burst frames, slightly shifted or
 * re-encoded copies). Measured on the default model (BENCHMARKS.md, "Near-duplicate threshold"):
 * shifted crops of a photo score ≥ 0.9958, other views of the same object have a median of 0.9936,
 * and different objects stay below 0.988.
 */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.996;

export interface Scored {
  id: number;
  score: number;
  vector: Float32Array;
}

export interface CollapsedGroup<T extends Scored> {
  lead: T;
  members: T[];
}

/** Coordinates summed between checks of a running distance against its bound. */
const DISTANCE_CHUNK = 8;

/**
 * Greedy grouping in rank order: each result joins the first better-ranked group whose lead it
 * nearly duplicates (cosine ≥ threshold), so every group is led by its best match and the ranking
 * is preserved. With `maxGroups`, the result is the first `maxGroups` of the full grouping: once
 * they exist, a later result either joins one of them or would lead a group past the end, so it
 * is compared with those leads only.
 *
 * Most pairs are far apart, so the test is decided without most of each dot product: since
 * a·b ≥ t ⇔ ‖a − b‖² ≤ ‖a‖² + ‖b‖² − 2t and a partial sum of squared differences only grows, a
 * pair is refused as soon as a prefix of its distance passes that bound, summed over the
 * coordinates that vary most among these candidates first; pairs that stay within it get the
 * exact dot product. Same groups as comparing every dot product, several times faster
 * (BENCHMARKS.md, "First screen first").
 */
export function collapseNearDuplicates<T extends Scored>(
  ranked: readonly T[],
  threshold = DEFAULT_DUPLICATE_THRESHOLD,
  maxGroups = Infinity,
): CollapsedGroup<T>[] {
  const groups: CollapsedGroup<T>[] = [];
  if (ranked.length === 0) return groups;
  const dim = ranked[0]!.vector.length;
  const order = mostVaryingFirst(ranked, dim);
  // The leads' vectors in that coordinate order, one after another, with their squared norms.
  let leads = new Float32Array(dim * Math.min(ranked.length, maxGroups, 64));
  const leadNorms: number[] = [];
  const candidate = new Float32Array(dim);
  for (const r of ranked) {
    for (let i = 0; i < dim; i++) candidate[i] = r.vector[order[i]!]!;
    const norm = dot(r.vector, r.vector);
    let home = -1;
    for (let g = 0; g < groups.length && home < 0; g++) {
      // The margin keeps rounding in the running sum from refusing a pair the dot product accepts.
      const bound = leadNorms[g]! + norm - 2 * threshold + 1e-9;
      if (bound < 0) continue;
      const base = g * dim;
      let distance = 0;
      for (let start = 0; start < dim && distance <= bound; start += DISTANCE_CHUNK) {
        const end = Math.min(dim, start + DISTANCE_CHUNK);
        for (let i = start; i < end; i++) {
          const d = leads[base + i]! - candidate[i]!;
          distance += d * d;
        }
      }
      if (distance <= bound && dot(groups[g]!.lead.vector, r.vector) >= threshold) home = g;
    }
    if (home >= 0) groups[home]!.members.push(r);
    else if (groups.length < maxGroups) {
      if ((groups.length + 1) * dim > leads.length) {
        const grown = new Float32Array(leads.length * 2);
        grown.set(leads);
        leads = grown;
      }
      leads.set(candidate, groups.length * dim);
      leadNorms.push(norm);
      groups.push({ lead: r, members: [] });
    }
  }
  return groups;
}

/** Coordinate indices, those whose values vary most across the items first. */
function mostVaryingFirst(items: readonly Scored[], dim: number): Uint32Array {
  const sum = new Float64Array(dim);
  const squares = new Float64Array(dim);
  for (const { vector } of items) {
    for (let i = 0; i < dim; i++) {
      sum[i]! += vector[i]!;
      squares[i]! += vector[i]! * vector[i]!;
    }
  }
  const variance = Array.from(sum, (s, i) => squares[i]! - (s * s) / items.length);
  return Uint32Array.from(variance.map((_, i) => i).sort((x, y) => variance[y]! - variance[x]! || x - y));
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
