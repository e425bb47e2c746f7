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

/**
 * Greedy grouping in rank order: each result joins the first better-ranked group whose lead it
 * nearly duplicates, so every group is led by its best match and the ranking is preserved.
 * With `maxGroups`, the result is the first `maxGroups` of the full grouping: once they exist, a
 * later result either joins one of them or would lead a group past the end, so it is compared with
 * those leads only (grouping 1,200 candidates into 200 groups does a third of the comparisons).
 */
export function collapseNearDuplicates<T extends Scored>(
  ranked: readonly T[],
  threshold = DEFAULT_DUPLICATE_THRESHOLD,
  maxGroups = Infinity,
): CollapsedGroup<T>[] {
  const groups: CollapsedGroup<T>[] = [];
  for (const r of ranked) {
    const home = groups.find((g) => dot(g.lead.vector, r.vector) >= threshold);
    if (home) home.members.push(r);
    else if (groups.length < maxGroups) groups.push({ lead: r, members: [] });
  }
  return groups;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
