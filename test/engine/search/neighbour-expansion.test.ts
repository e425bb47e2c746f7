import { describe, expect, it } from 'vitest';
import { dot, type Scored } from '../../../src/engine/search/duplicate-collapse.ts';
import {
  type NeighbourSource,
  rerankByExpansionSync,
} from '../../../src/engine/search/neighbour-expansion.ts';
import { seededRandom } from '../../fixtures/synthetic-photos.ts';
import { axis, nearVector, normalize } from '../../fixtures/vector-library.ts';

/** Exact nearest neighbours over a small set of photos. */
function exactSource(photos: ReadonlyMap<number, Float32Array>): NeighbourSource {
  return {
    nearestSync: (vector, count) =>
      [...photos]
        .map(([id, v]) => ({ id, score: dot(vector, v) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, count),
    vectorsSync: (ids) => new Map(ids.map((id) => [id, photos.get(id)!])),
  };
}

function rankedByCosine(query: Float32Array, photos: ReadonlyMap<number, Float32Array>): Scored[] {
  return [...photos]
    .map(([id, vector]) => ({ id, vector, score: dot(query, vector) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

const mix = (a: Float32Array, wa: number, b: Float32Array, wb: number): Float32Array =>
  normalize(a.map((x, i) => wa * x + wb * b[i]!));

describe('re-ranking by neighbourhood expansion', () => {
  // Two kinds of thing, A (ids 1-5) and B (ids 10-14). Photo 10 is of kind B but happens to look
  // a little more like the query than photo 5, the least typical photo of kind A.
  const rnd = seededRandom(7);
  // Three orthogonal directions, so the geometry below holds whatever the noise.
  const [a, b, c] = [0, 1, 2].map((k) => axis(k)) as [Float32Array, Float32Array, Float32Array];
  const photos = new Map<number, Float32Array>();
  for (let i = 1; i <= 4; i++) photos.set(i, nearVector(a, 0.1, rnd));
  photos.set(5, mix(a, 1, c, 1));
  // Kind B stretches towards A; photo 10 is its end nearest to the query.
  photos.set(10, mix(b, 1, a, 1.5));
  for (let i = 11; i <= 14; i++) photos.set(i, nearVector(mix(b, 1, a, 0.6), 0.1, rnd));
  const query = nearVector(a, 0.1, rnd);

  it('lets photos of the same kind, which share neighbours, overtake a look-alike of another kind', () => {
    const plain = rankedByCosine(query, photos);
    const plainOrder = plain.map((c) => c.id);
    expect(plainOrder.indexOf(10)).toBeLessThan(plainOrder.indexOf(5));

    const reranked = rerankByExpansionSync(query, plain, exactSource(photos));
    const order = reranked.map((c) => c.id);
    expect(order.slice(0, 5).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    // Scores are best first and every candidate keeps its own vector for near-duplicate grouping.
    for (let i = 1; i < reranked.length; i++)
      expect(reranked[i]!.score).toBeLessThanOrEqual(reranked[i - 1]!.score);
    for (const c of reranked) expect(c.vector).toBe(photos.get(c.id));
  });

  it('keeps the query photo itself first when it is in the library, with a score of 1', () => {
    const own = photos.get(3)!;
    const reranked = rerankByExpansionSync(own, rankedByCosine(own, photos), exactSource(photos));
    expect(reranked[0]!.id).toBe(3);
    expect(reranked[0]!.score).toBeCloseTo(1, 5);
  });

  it('re-scores only the first `depth` candidates with their neighbours and never ranks the rest above them', () => {
    const plain = rankedByCosine(query, photos);
    const reranked = rerankByExpansionSync(query, plain, exactSource(photos), {
      neighbours: 3,
      alpha: 3,
      depth: 4,
    });
    expect(reranked).toHaveLength(plain.length);
    expect(new Set(reranked.slice(0, 4).map((c) => c.id))).toEqual(
      new Set(plain.slice(0, 4).map((c) => c.id)),
    );
    const headFloor = reranked[3]!.score;
    for (const c of reranked.slice(4)) expect(c.score).toBeLessThanOrEqual(headFloor);
  });

  it('changes nothing for photos without neighbours and handles an empty list', () => {
    const lonely = new Map([[1, a]]);
    const reranked = rerankByExpansionSync(a, rankedByCosine(a, lonely), exactSource(lonely));
    expect(reranked.map((c) => c.id)).toEqual([1]);
    expect(rerankByExpansionSync(a, [], exactSource(lonely))).toEqual([]);
  });
});
