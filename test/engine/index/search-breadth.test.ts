import { describe, expect, it } from 'vitest';
import { HnswIndex } from '../../../src/engine/index/hnsw-index.ts';
import { seededRandom } from '../../fixtures/synthetic-photos.ts';
import {
  bruteForceTopK,
  randomUnitVector,
  recallAt,
  testIndexParams,
} from '../../fixtures/vector-library.ts';

describe('a search’s own breadth (ef)', () => {
  it('overrides the index’s for one search only: narrow searches miss neighbours that broad ones find', () => {
    const rnd = seededRandom(11);
    const dim = 32;
    // A sparse graph, so that a breadth of 1 really is greedy.
    const index = new HnswIndex(dim, { ...testIndexParams, m: 4, efConstruction: 20, ef: 50 }, 3000);
    const vectors = new Map<number, Float32Array>();
    for (let id = 1; id <= 3000; id++) {
      const v = randomUnitVector(rnd, dim);
      vectors.set(id, v);
      index.upsertSync(id, v);
    }
    let narrow = 0;
    let broad = 0;
    let asBuilt = 0;
    const queries = 60;
    for (let q = 0; q < queries; q++) {
      const query = randomUnitVector(rnd, dim);
      const truth = bruteForceTopK(query, vectors, 1);
      narrow += recallAt(
        index.searchSync(query, 1, undefined, 1).map((r) => r.id),
        truth,
      );
      broad += recallAt(
        index.searchSync(query, 1, undefined, 400).map((r) => r.id),
        truth,
      );
      asBuilt += recallAt(
        index.searchSync(query, 1).map((r) => r.id),
        truth,
      );
    }
    expect(broad / queries).toBeGreaterThan(0.95);
    expect(narrow / queries).toBeLessThan(broad / queries - 0.1);
    // The index's own breadth is untouched by the searches above.
    expect(asBuilt / queries).toBeGreaterThan(narrow / queries);
  });
});
