import { dot, type Scored } from './duplicate-collapse.ts';

/**
 * Re-ranking by neighbourhood expansion: α-weighted query expansion (α-QE) and database-side
 * augmentation (DBA) on the candidate list, as in Radenović, Tolias & Chum, "Fine-tuning CNN Image
 * Retrieval with No Human Annotation" (TPAMI 2018) and Arandjelović & Zisserman, "Three things
 * everyone should know to improve object retrieval" (CVPR 2012).
 *
 * A photo is described by itself plus its closest neighbours, each weighted by similarity^α, so
 * that photos of the same kind of thing, which share neighbours, move closer together. It needs
 * no training and no stored state: the query's neighbours are its best candidates, a candidate's
 * neighbours come from the index. Measured in BENCHMARKS.md ("Re-ranking").
 */
export interface ExpansionParams {
  /** Neighbours added to a vector (the query's and each candidate's). */
  neighbours: number;
  /** Exponent on the (non-negative) similarity of each neighbour. */
  alpha: number;
  /** How many of the best candidates are re-scored with augmented vectors; the rest keep theirs. */
  depth: number;
}

export const DEFAULT_EXPANSION: ExpansionParams = { neighbours: 4, alpha: 3, depth: 100 };

// A neighbour this close is the query's own photo or a byte-identical copy: it adds nothing.
const SAME_PHOTO = 0.9999;

export interface NeighbourSource {
  /** The `count` nearest photos to a vector (any order), the photo itself included when indexed. */
  nearestSync(vector: Float32Array, count: number): Array<{ id: number; score: number }>;
  vectorsSync(ids: readonly number[]): Map<number, Float32Array>;
}

/**
 * Re-scores candidates (sorted best first by plain cosine) against the expanded query; the first
 * `depth` of them are compared by their augmented vectors. Returns them best first, keeping each
 * candidate's own vector (near-duplicate grouping works on the photos themselves).
 */
export function rerankByExpansionSync<T extends Scored>(
  query: Float32Array,
  candidates: readonly T[],
  source: NeighbourSource,
  params: ExpansionParams = DEFAULT_EXPANSION,
): T[] {
  if (candidates.length === 0) return [];
  const expandedQuery = augment(
    query,
    candidates.filter((c) => c.score < SAME_PHOTO).slice(0, params.neighbours),
    params.alpha,
  );
  const head = candidates.slice(0, params.depth);
  const neighbourLists = head.map((c) =>
    source
      .nearestSync(c.vector, params.neighbours + 1)
      .filter((n) => n.id !== c.id && n.score < SAME_PHOTO)
      .sort((a, b) => b.score - a.score)
      .slice(0, params.neighbours),
  );
  const vectors = source.vectorsSync([...new Set(neighbourLists.flat().map((n) => n.id))]);
  const rescoredHead = head
    .map((c, i) => {
      const found = neighbourLists[i]!.flatMap((n) => {
        const vector = vectors.get(n.id);
        return vector ? [{ score: n.score, vector }] : [];
      });
      return { ...c, score: dot(expandedQuery, augment(c.vector, found, params.alpha)) };
    })
    .sort((a, b) => b.score - a.score || a.id - b.id);
  // The tail is ranked by the expanded query alone; its scores never rise above the head's last.
  const floor = rescoredHead.at(-1)!.score;
  const tail = candidates
    .slice(params.depth)
    .map((c) => ({ ...c, score: Math.min(floor, dot(expandedQuery, c.vector)) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
  return [...rescoredHead, ...tail];
}

function augment(
  vector: Float32Array,
  neighbours: ReadonlyArray<{ score: number; vector: Float32Array }>,
  alpha: number,
): Float32Array {
  const out = Float32Array.from(vector);
  for (const n of neighbours) {
    const weight = Math.max(n.score, 0) ** alpha;
    for (let i = 0; i < out.length; i++) out[i]! += weight * n.vector[i]!;
  }
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return out;
}
