import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DurableIndex } from '../../../src/engine/index/durable-index.ts';
import {
  collapseNearDuplicates,
  DEFAULT_DUPLICATE_THRESHOLD,
  dot,
  type Scored,
} from '../../../src/engine/search/duplicate-collapse.ts';
import { type SearchHit, SimilarSearch } from '../../../src/engine/search/similar-search.ts';
import { makeTempDir, seededRandom } from '../../fixtures/synthetic-photos.ts';
import {
  axis,
  bruteForceTopK,
  cosine,
  nearVector,
  normalize,
  openVectorLibrary,
  randomUnitVector,
  testIndexParams,
  type VectorLibrary,
} from '../../fixtures/vector-library.ts';

/** The mechanism is tested at a round threshold; the shipped default is measured (see duplicate-collapse.ts). */
const TEST_THRESHOLD = 0.95;

const at = (deg: number): Float32Array => {
  const r = (deg * Math.PI) / 180;
  return new Float32Array([Math.cos(r), Math.sin(r)]);
};

describe('collapseNearDuplicates', () => {
  const item = (id: number, vector: Float32Array, score = 1 - id / 100): Scored & { tag: string } => ({
    id,
    vector,
    score,
    tag: `#${id}`,
  });

  it('groups in rank order under the best-ranked lead, comparing with leads only', () => {
    const a = item(1, at(0));
    const b = item(2, at(15)); // cos 0.966 with a
    const c = item(3, at(90));
    const e = item(4, at(30)); // cos 0.866 with a, 0.966 with b (not a lead): its own group
    const d = item(5, at(80)); // cos 0.985 with c
    const groups = collapseNearDuplicates([a, b, c, e, d], TEST_THRESHOLD);
    expect(groups.map((g) => [g.lead.id, g.members.map((m) => m.id)])).toEqual([
      [1, [2]],
      [3, [5]],
      [4, []],
    ]);
    // The caller's items come back as they were (extra fields included).
    expect(groups[0]!.lead.tag).toBe('#1');
  });

  it('puts an item near two leads in the better-ranked group', () => {
    const x = item(1, at(0));
    const y = item(2, at(25)); // cos 0.906 with x: separate
    const z = item(3, at(12)); // cos 0.978 with x, 0.974 with y
    expect(collapseNearDuplicates([x, y, z], TEST_THRESHOLD).map((g) => g.members.map((m) => m.id))).toEqual([
      [3],
      [],
    ]);
  });

  it('joins at exactly the threshold, and honours a custom threshold', () => {
    const a = item(1, new Float32Array([1, 0]));
    const b = item(2, new Float32Array([0.5, Math.sqrt(0.75)]));
    expect(dot(a.vector, b.vector)).toBe(0.5);
    expect(collapseNearDuplicates([a, b], 0.5)).toHaveLength(1);
    expect(collapseNearDuplicates([a, b], 0.5000001)).toHaveLength(2);
    expect(collapseNearDuplicates([item(1, at(0)), item(2, at(15))], 0.99)).toHaveLength(2);
    expect(DEFAULT_DUPLICATE_THRESHOLD).toBeGreaterThan(0.9);
    expect(collapseNearDuplicates([])).toEqual([]);
  });

  it('forms the same groups as comparing every lead by its whole dot product', () => {
    // The definition, written plainly: the shortcut must never change a decision.
    const reference = (ranked: readonly Scored[], threshold: number, maxGroups = Infinity) => {
      const groups: Array<{ lead: Scored; members: Scored[] }> = [];
      for (const r of ranked) {
        const home = groups.find((g) => dot(g.lead.vector, r.vector) >= threshold);
        if (home) home.members.push(r);
        else if (groups.length < maxGroups) groups.push({ lead: r, members: [] });
      }
      return groups;
    };
    const rnd = seededRandom(11);
    for (const dim of [3, 64, 576]) {
      const bases = Array.from({ length: 40 }, () => randomUnitVector(rnd, dim));
      // Bursts at distances straddling the threshold, some vectors slightly off unit length (as
      // float16-stored vectors are), and exact copies.
      const photos = bases.flatMap((b, i) =>
        Array.from({ length: 1 + (i % 5) }, (_, j) => {
          const v = j === 0 ? b : nearVector(b, [0, 0.03, 0.06, 0.1, 0.2][j]!, rnd);
          return v.map((x) => x * (1 + (rnd() - 0.5) * 2e-3));
        }),
      );
      const query = randomUnitVector(rnd, dim);
      const ranked = photos
        .map((vector, id) => ({ id, vector, score: dot(query, vector) }))
        .sort((x, y) => y.score - x.score);
      for (const threshold of [0.9, 0.99, 0.996, 0.9999]) {
        const ids = (groups: Array<{ lead: Scored; members: Scored[] }>) =>
          groups.map((g) => [g.lead.id, ...g.members.map((m) => m.id)]);
        const expected = ids(reference(ranked, threshold));
        expect(ids(collapseNearDuplicates(ranked, threshold))).toEqual(expected);
        expect(ids(collapseNearDuplicates(ranked, threshold, 9))).toEqual(
          ids(reference(ranked, threshold, 9)),
        );
        if (threshold === 0.99) expect(expected.length).toBeLessThan(photos.length);
      }
      // A pair exactly at the threshold joins (the bound's margin never refuses it).
      const a = ranked[0]!;
      const b = { id: -1, vector: a.vector.slice(), score: a.score };
      expect(collapseNearDuplicates([a, b], dot(a.vector, b.vector))).toHaveLength(1);
    }
  });

  it('with a group limit, gives exactly the first groups of the full grouping', () => {
    const rnd = seededRandom(5);
    const bases = Array.from({ length: 30 }, () => randomUnitVector(rnd));
    // Bursts: several near-copies of each base, shuffled into one ranking.
    const photos = bases.flatMap((b, i) =>
      Array.from({ length: 1 + (i % 4) }, (_, j) => nearVector(b, j === 0 ? 0 : 0.05, rnd)),
    );
    const query = randomUnitVector(rnd);
    const ranked = photos
      .map((vector, id) => ({ id, vector, score: dot(query, vector) }))
      .sort((x, y) => y.score - x.score);
    const full = collapseNearDuplicates(ranked, TEST_THRESHOLD);
    expect(full.some((g) => g.members.length > 0)).toBe(true);
    for (const limit of [1, 7, 20, 30, 100]) {
      expect(collapseNearDuplicates(ranked, TEST_THRESHOLD, limit)).toEqual(full.slice(0, limit));
    }
  });
});

describe('SimilarSearch', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let lib: VectorLibrary;
  let durable: DurableIndex;
  let search: SimilarSearch;
  const rnd = seededRandom(99);

  beforeEach(() => {
    tmp = makeTempDir('lookalike-search-');
    lib = openVectorLibrary(path.join(tmp.dir, 'library.db'));
    durable = lib.openIndex();
    search = new SimilarSearch({
      index: () => durable,
      embeddings: lib.embeddings,
      images: lib.images,
      params: testIndexParams,
      allowedIds: (folders) => lib.images.idsUnder(folders),
    });
  });
  afterEach(() => {
    lib.close();
    tmp.cleanup();
  });

  function fill(n: number, folder: string, around?: Float32Array, spread = 0.8): number[] {
    return Array.from({ length: n }, () =>
      lib.add(around ? nearVector(around, spread, rnd) : randomUnitVector(rnd), { folder }),
    );
  }

  function hitIds(hits: SearchHit[]): number[] {
    return hits.map((h) => h.image.id);
  }

  /** Every hit's score is the exact cosine with its stored vector, and they come best first. */
  function expectExactAndSorted(query: Float32Array, hits: SearchHit[]): void {
    hits.forEach((h, i) => {
      expect(h.rank).toBe(i + 1);
      expect(h.score).toBeCloseTo(dot(query, lib.live.get(h.image.id)!), 6);
      if (i > 0) expect(h.score).toBeLessThanOrEqual(hits[i - 1]!.score);
      for (const d of h.duplicates) expect(d.score).toBeCloseTo(dot(query, lib.live.get(d.image.id)!), 6);
    });
  }

  it('returns nothing from an empty library', () => {
    expect(search.searchSync(randomUnitVector(rnd), { k: 5, collapse: true })).toEqual([]);
  });

  it('ranks by exact cosine on the stored vectors, k at a time, with the rows to render', () => {
    fill(300, '/photos');
    for (let q = 0; q < 5; q++) {
      const query = randomUnitVector(rnd);
      const hits = search.searchSync(query, { k: 10, collapse: false });
      expect(hits).toHaveLength(10);
      expectExactAndSorted(query, hits);
      expect(hitIds(hits)).toEqual(bruteForceTopK(query, lib.live, 10));
      for (const h of hits) {
        expect(h.image).toMatchObject({ status: 'ok', path: expect.stringMatching(/^\/photos\//) });
        expect(h.duplicates).toEqual([]);
      }
    }
    const query = randomUnitVector(rnd);
    expect(search.searchSync(query, { k: 1, collapse: false })).toHaveLength(1);
    expect(search.searchSync(query, { k: 3, collapse: true })).toHaveLength(3);
  });

  it('returns the whole library when k exceeds it', () => {
    fill(7, '/photos');
    const query = randomUnitVector(rnd);
    const hits = search.searchSync(query, { k: 50, collapse: false });
    expect(hitIds(hits)).toEqual(bruteForceTopK(query, lib.live, 50));
    expect(hits).toHaveLength(7);
  });

  it('scores with the stored vector even when the graph holds an older one', () => {
    fill(100, '/photos');
    const query = randomUnitVector(rnd);
    const top = bruteForceTopK(query, lib.live, 1)[0]!;
    durable.refreshSync();
    const graphScore = durable.index.searchSync(query, 1)[0]!.score;
    // The stored vector changes under the graph (no log entry: the graph is now stale).
    const stored = normalize(lib.live.get(top)!.map((x, i) => x + 0.5 * query[i]!));
    const hash = lib.images.getMany([top])[0]!.contentHash!;
    lib.embeddings.put(hash, stored);
    lib.live.set(top, stored);
    const hits = search.searchSync(query, { k: 5, collapse: false });
    const hit = hits.find((h) => h.image.id === top)!;
    expect(hit.score).toBeCloseTo(dot(query, stored), 6);
    expect(hit.score - graphScore).toBeGreaterThan(0.05);
    expectExactAndSorted(query, hits);
  });

  it('filters by folder, even when other folders hold closer photos', () => {
    const query = randomUnitVector(rnd);
    const near = fill(60, '/near', query, 0.5); // all much closer to the query
    const far = fill(60, '/far');
    const tiny = fill(3, '/tiny');
    const [farFolder, nearFolder] = ['/far', '/near'].map((f) => lib.folders.getByPath(f)!.id);

    const unfiltered = search.searchSync(query, { k: 10, collapse: false });
    expect(hitIds(unfiltered).every((id) => near.includes(id))).toBe(true);

    const hits = search.searchSync(query, { k: 10, collapse: false, within: ['/far'] });
    expect(hits).toHaveLength(10);
    expect(hits.every((h) => h.image.folderId === farFolder)).toBe(true);
    const farVectors = new Map(far.map((id) => [id, lib.live.get(id)!]));
    expect(hitIds(hits)).toEqual(bruteForceTopK(query, farVectors, 10));
    expectExactAndSorted(query, hits);

    // A folder with fewer photos than asked for gives what it has.
    const few = search.searchSync(query, { k: 10, collapse: true, within: ['/tiny'] });
    expect(hitIds(few).sort()).toEqual([...tiny].sort());

    // Several folders at once.
    const both = search.searchSync(query, { k: 70, collapse: false, within: ['/tiny', '/far'] });
    expect(both).toHaveLength(63);
    expect(both.some((h) => h.image.folderId === nearFolder)).toBe(false);
  });

  it('leaves out excluded ids (the query photo itself) and still fills k', () => {
    const ids = fill(200, '/photos');
    const self = ids[17]!;
    const query = lib.live.get(self)!;
    expect(hitIds(search.searchSync(query, { k: 5, collapse: false }))[0]).toBe(self);
    const hits = search.searchSync(query, { k: 5, collapse: false, excludeIds: [self] });
    expect(hitIds(hits)).not.toContain(self);
    const rest = new Map([...lib.live].filter(([id]) => id !== self));
    expect(hitIds(hits)).toEqual(bruteForceTopK(query, rest, 5));
  });

  it('never returns a deleted photo, also when another connection deleted it', () => {
    const ids = fill(150, '/photos');
    const victim = ids[5]!;
    const query = lib.live.get(victim)!;
    const other = openVectorLibrary(lib.file);
    try {
      other.remove(victim);
    } finally {
      other.close();
    }
    lib.live.delete(victim);
    const hits = search.searchSync(query, { k: 10, collapse: true });
    expect(hitIds(hits)).not.toContain(victim);
    expect(hits.flatMap((h) => h.duplicates.map((d) => d.image.id))).not.toContain(victim);
    expect(hits).toHaveLength(10);
  });

  describe('near-duplicates', () => {
    let query: Float32Array;
    let burst: number[];

    beforeEach(() => {
      const lead = randomUnitVector(rnd);
      query = nearVector(lead, 0.5, rnd);
      burst = [lib.add(lead, { folder: '/photos' })];
      for (let i = 0; i < 3; i++) burst.push(lib.add(nearVector(lead, 0.1, rnd), { folder: '/photos' }));
      // A byte-identical copy: same content, one shared vector.
      const hash = lib.images.getMany([burst[0]!])[0]!.contentHash!;
      burst.push(lib.add(lead, { folder: '/copies', contentHash: hash }));
      for (const id of burst) expect(cosine(lib.live.get(id)!, lead)).toBeGreaterThan(0.97);
      fill(200, '/photos');
      // Context the assertions below rely on: the burst outranks everything else.
      const top = bruteForceTopK(query, lib.live, burst.length);
      expect([...top].sort()).toEqual([...burst].sort());
    });

    it('folds them under the best-ranked one and still returns k groups', () => {
      const hits = search.searchSync(query, { k: 5, collapse: true, duplicateThreshold: TEST_THRESHOLD });
      expect(hits).toHaveLength(5);
      expectExactAndSorted(query, hits);
      const ranked = bruteForceTopK(query, lib.live, 20);
      // The group leads with the best of the burst; the rest follow, best first.
      expect(hits[0]!.image.id).toBe(ranked[0]);
      expect(hits[0]!.duplicates.map((d) => d.image.id)).toEqual(ranked.slice(1, burst.length));
      expect(hits[0]!.duplicates.every((d) => d.score <= hits[0]!.score)).toBe(true);
      expect(hits[0]!.duplicates.some((d) => d.image.path.startsWith('/copies/'))).toBe(true);
      // The other groups are the next best photos, none a near-duplicate of another lead.
      expect(hitIds(hits).slice(1)).toEqual(ranked.slice(burst.length, burst.length + 4));
      for (let i = 0; i < hits.length; i++) {
        for (let j = i + 1; j < hits.length; j++) {
          expect(cosine(lib.live.get(hits[i]!.image.id)!, lib.live.get(hits[j]!.image.id)!)).toBeLessThan(
            DEFAULT_DUPLICATE_THRESHOLD,
          );
        }
      }
    });

    it('still fills k groups when a long burst takes up every candidate of the first pass', () => {
      // 40 more frames of the same scene: more than k x overfetch x 2 candidates.
      const lead = lib.live.get(burst[0]!)!;
      for (let i = 0; i < 40; i++) burst.push(lib.add(nearVector(lead, 0.05, rnd), { folder: '/photos' }));
      const hits = search.searchSync(query, { k: 5, collapse: true, duplicateThreshold: TEST_THRESHOLD });
      expect(hits).toHaveLength(5);
      expect(hits[0]!.duplicates).toHaveLength(burst.length - 1);
      const ranked = bruteForceTopK(query, lib.live, burst.length + 4);
      expect(hitIds(hits).slice(1)).toEqual(ranked.slice(burst.length));
      expectExactAndSorted(query, hits);
    });

    it('lists them separately without collapsing, or with a stricter threshold', () => {
      const hits = search.searchSync(query, { k: 8, collapse: false });
      expect(hits).toHaveLength(8);
      expect([...hitIds(hits).slice(0, burst.length)].sort()).toEqual([...burst].sort());
      expect(hits.every((h) => h.duplicates.length === 0)).toBe(true);
      expectExactAndSorted(query, hits);

      // Only the byte-identical copy (cosine 1) is still a duplicate at 0.99999.
      const strict = search.searchSync(query, { k: 8, collapse: true, duplicateThreshold: 0.99999 });
      expect(strict).toHaveLength(8);
      const grouped = strict.filter((h) => h.duplicates.length > 0);
      expect(grouped).toHaveLength(1);
      expect(grouped[0]!.duplicates).toHaveLength(1);
      expect([grouped[0]!.image.id, grouped[0]!.duplicates[0]!.image.id].sort()).toEqual(
        [burst[0]!, burst.at(-1)!].sort(),
      );
    });
  });

  it('re-ranks by neighbourhoods through the real index when asked, within the folder filter', () => {
    // Kind A (folder /photos/a) and kind B stretching towards A, whose nearest photo to the query
    // ranks above the least typical A photo by plain similarity (see neighbour-expansion.test.ts).
    const mix = (x: Float32Array, wx: number, y: Float32Array, wy: number): Float32Array =>
      normalize(x.map((v, i) => wx * v + wy * y[i]!));
    // Three orthogonal directions, so the geometry below holds whatever the noise.
    const [a, b, c] = [0, 1, 2].map((k) => axis(k)) as [Float32Array, Float32Array, Float32Array];
    const kindA = [0, 1, 2, 3].map(() => lib.add(nearVector(a, 0.1, rnd), { folder: '/photos/a' }));
    const atypicalA = lib.add(mix(a, 1, c, 1), { folder: '/photos/a' });
    const lookAlike = lib.add(mix(b, 1, a, 1.5), { folder: '/photos/b' });
    for (let i = 0; i < 4; i++) lib.add(nearVector(mix(b, 1, a, 0.6), 0.1, rnd), { folder: '/photos/b' });
    const query = nearVector(a, 0.1, rnd);

    const plain = hitIds(search.searchSync(query, { k: 6, collapse: false }));
    expect(plain.indexOf(lookAlike)).toBeLessThan(plain.indexOf(atypicalA));
    const reranked = search.searchSync(query, { k: 6, collapse: false, rerank: true });
    expect(new Set(hitIds(reranked).slice(0, 5))).toEqual(new Set([...kindA, atypicalA]));
    expect(reranked.map((h) => h.rank)).toEqual([1, 2, 3, 4, 5, 6]);

    const onlyB = search.searchSync(query, { k: 3, collapse: false, rerank: true, within: ['/photos/b'] });
    expect(onlyB.every((h) => h.image.path.startsWith('/photos/b/'))).toBe(true);
    expect(onlyB).toHaveLength(3);
  });
});
