import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DurableIndex } from '../../../src/engine/index/durable-index.ts';
import { HnswIndex } from '../../../src/engine/index/hnsw-index.ts';
import { makeTempDir, seededRandom } from '../../fixtures/synthetic-photos.ts';
import {
  bruteForceTopK,
  openVectorLibrary,
  randomUnitVector,
  recallAt,
  TEST_DIM,
  testIndexParams,
  type VectorLibrary,
} from '../../fixtures/vector-library.ts';

const N = 500;

/** Mean recall@k of the graph against the exact ranking of the library's live vectors. */
function meanRecall(
  index: HnswIndex,
  live: ReadonlyMap<number, Float32Array>,
  rnd: () => number,
  k = 10,
): number {
  let sum = 0;
  const queries = 40;
  for (let q = 0; q < queries; q++) {
    const query = randomUnitVector(rnd);
    sum += recallAt(
      index.searchSync(query, k).map((h) => h.id),
      bruteForceTopK(query, live, k),
    );
  }
  return sum / queries;
}

function ids(index: HnswIndex, query: Float32Array, k: number): number[] {
  return index.searchSync(query, k).map((h) => h.id);
}

describe('HnswIndex', () => {
  it('grows past its initial capacity', () => {
    const rnd = seededRandom(1);
    const index = new HnswIndex(TEST_DIM, { ...testIndexParams, efConstruction: 40 }, 16);
    const vectors = new Map<number, Float32Array>();
    for (let id = 1; id <= 3000; id++) {
      const v = randomUnitVector(rnd);
      vectors.set(id, v);
      index.upsertSync(id, v);
    }
    expect(index.liveCount).toBe(3000);
    for (const id of [1, 17, 500, 1999, 3000]) {
      const [top] = index.searchSync(vectors.get(id)!, 1);
      expect(top!.id).toBe(id);
      expect(top!.score).toBeCloseTo(1, 5);
    }
  });

  it('replaces a changed vector, hides a deleted one and revives it on upsert', () => {
    const rnd = seededRandom(2);
    const index = new HnswIndex(TEST_DIM, testIndexParams);
    const vectors = Array.from({ length: 50 }, () => randomUnitVector(rnd));
    vectors.forEach((v, i) => index.upsertSync(i + 1, v));

    const moved = randomUnitVector(rnd);
    index.upsertSync(7, moved);
    expect(ids(index, moved, 1)).toEqual([7]);
    expect(ids(index, vectors[6]!, 50)[0]).not.toBe(7);

    index.removeSync(7);
    index.removeSync(7); // twice is harmless
    index.removeSync(12345); // unknown is harmless
    expect(index.has(7)).toBe(false);
    expect(index.liveCount).toBe(49);
    expect(index.deletedIds).toEqual([7]);
    expect(index.deletedRatio).toBeCloseTo(1 / 50);
    expect(ids(index, moved, 50)).not.toContain(7);
    expect(index.liveIds()).not.toContain(7);

    const back = randomUnitVector(rnd);
    index.upsertSync(7, back);
    expect(index.has(7)).toBe(true);
    expect(index.deletedIds).toEqual([]);
    expect(index.liveCount).toBe(50);
    expect(ids(index, back, 1)).toEqual([7]);
  });

  it('returns what a filter admits when it admits fewer than asked for, without throwing', () => {
    const rnd = seededRandom(3);
    const index = new HnswIndex(TEST_DIM, testIndexParams);
    for (let id = 1; id <= 300; id++) index.upsertSync(id, randomUnitVector(rnd));
    index.removeSync(2);
    const query = randomUnitVector(rnd);
    const admitted = new Set([1, 2, 3, 250]);
    const hits = index.searchSync(query, 10, (id) => admitted.has(id));
    // Every admitted live point, and nothing else (2 is deleted).
    expect(hits.map((h) => h.id).sort((a, b) => a - b)).toEqual([1, 3, 250]);
    expect(index.searchSync(query, 10, () => false)).toEqual([]);
    // Asking for more than there is gives everything live, best first.
    const all = index.searchSync(query, 10_000);
    expect(all).toHaveLength(299);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.score).toBeGreaterThanOrEqual(all[i]!.score);
    expect(new HnswIndex(TEST_DIM, testIndexParams).searchSync(query, 5)).toEqual([]);
  });

  it('round-trips through bytes, deleted labels included, and rejects bytes that do not fit', () => {
    const rnd = seededRandom(4);
    const index = new HnswIndex(TEST_DIM, testIndexParams, 16);
    const vectors = new Map<number, Float32Array>();
    for (let id = 1; id <= 200; id++) {
      const v = randomUnitVector(rnd);
      vectors.set(id, v);
      index.upsertSync(id, v);
    }
    index.removeSync(5);
    index.removeSync(6);
    vectors.delete(5);
    vectors.delete(6);
    const bytes = index.toBytesSync();

    const copy = HnswIndex.fromBytesSync(bytes, TEST_DIM, testIndexParams, index.deletedIds);
    expect(copy.liveCount).toBe(198);
    expect(copy.deletedIds.sort()).toEqual([5, 6]);
    const q = randomUnitVector(rnd);
    expect(ids(copy, q, 10)).toEqual(ids(index, q, 10));
    // The copy keeps working: it can grow and revive.
    copy.upsertSync(5, q);
    copy.upsertSync(1000, randomUnitVector(rnd));
    expect(ids(copy, q, 1)).toEqual([5]);
    expect(copy.liveCount).toBe(200);

    // Malformed bytes are refused before hnswlib sees them (a failed hnswlib load leaves a
    // dangling pointer that crashes the process when collected, so these must not reach it).
    const malformed = [
      bytes.subarray(0, bytes.length - 9),
      Buffer.concat([bytes, Buffer.alloc(4)]),
      bytes.subarray(0, 50),
      Buffer.alloc(0),
    ];
    for (const bad of malformed) {
      expect(() => HnswIndex.fromBytesSync(bad, TEST_DIM, testIndexParams, [])).toThrow(/snapshot/);
    }
    // A graph of another dimension must not be read as this one.
    expect(() => HnswIndex.fromBytesSync(bytes, TEST_DIM * 2, testIndexParams, [])).toThrow(/dimension/);
    // The deleted-label list must describe this graph.
    expect(() => HnswIndex.fromBytesSync(bytes, TEST_DIM, testIndexParams, [5, 6, 999])).toThrow(/deleted/);
    expect(() => HnswIndex.fromBytesSync(bytes, TEST_DIM, testIndexParams, [5, 6, 7])).toThrow(/deleted/);
  });
});

describe('DurableIndex', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let file: string;
  let lib: VectorLibrary;
  const others: VectorLibrary[] = [];
  beforeEach(() => {
    tmp = makeTempDir('lookalike-durable-');
    file = path.join(tmp.dir, 'library.db');
    lib = openVectorLibrary(file);
  });
  afterEach(() => {
    for (const o of others.splice(0)) if (o.db.open) o.db.close();
    if (lib.db.open) lib.close();
    tmp.cleanup();
  });

  /** Closes the library and opens it again, as a restart of the app would. */
  function reopen(): DurableIndex {
    lib.close();
    lib = openVectorLibrary(file);
    return lib.openIndex();
  }

  function fill(n: number, rnd: () => number, folder = '/photos'): number[] {
    return Array.from({ length: n }, () => lib.add(randomUnitVector(rnd), { folder }));
  }

  /** A library of N photos with a snapshot covering all of them. */
  function snapshotted(seed: number): () => number {
    const rnd = seededRandom(seed);
    const durable = lib.openIndex();
    fill(N, rnd);
    durable.snapshotSync();
    return rnd;
  }

  it('starts empty, then serves a reopened snapshot without replay and with exact-level recall', () => {
    const rnd = seededRandom(10);
    const durable = lib.openIndex();
    expect(durable.health).toEqual({ state: 'empty' });
    expect(durable.index.liveCount).toBe(0);
    fill(N, rnd);
    expect(durable.pendingSinceSnapshot()).toBe(N);
    expect(durable.refreshSync()).toBe(N);
    expect(durable.index.liveCount).toBe(N);
    durable.snapshotSync();
    expect(durable.pendingSinceSnapshot()).toBe(0);

    const reopened = reopen();
    expect(reopened.health).toEqual({ state: 'snapshot', replayed: 0 });
    expect(reopened.index.liveCount).toBe(N);
    expect(meanRecall(reopened.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);
    // The loaded graph answers as the one that was saved.
    const q = randomUnitVector(rnd);
    expect(ids(reopened.index, q, 10)).toEqual(ids(durable.index, q, 10));
  });

  it('builds from the stored vectors when there is no snapshot yet', () => {
    const rnd = seededRandom(11);
    fill(100, rnd);
    const durable = reopen();
    expect(durable.health).toEqual({ state: 'rebuilt', reason: 'no snapshot yet' });
    expect(durable.index.liveCount).toBe(100);
    expect(meanRecall(durable.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);
  });

  it('replays adds, changed vectors and deletes made after the snapshot', () => {
    const rnd = snapshotted(12);
    const [changed, ...rest] = [...lib.live.keys()];
    const oldVector = lib.live.get(changed!)!;
    const added = fill(20, rnd);
    // A changed file: same path, new content, new vector; the image keeps its id.
    const newVector = randomUnitVector(rnd);
    const changedPath = lib.images.getMany([changed!])[0]!.path;
    expect(lib.add(newVector, { path: changedPath })).toBe(changed);
    const deleted = new Map(rest.slice(0, 10).map((id) => [id, lib.live.get(id)!]));
    for (const id of deleted.keys()) lib.remove(id);

    const durable = reopen();
    expect(durable.health).toEqual({ state: 'snapshot', replayed: 20 + 1 + 10 });
    expect(durable.index.liveCount).toBe(N + 20 - 10);
    for (const [id, vector] of deleted) {
      expect(durable.index.has(id)).toBe(false);
      // Not even a query equal to its old vector brings it back.
      expect(ids(durable.index, vector, 20)).not.toContain(id);
    }
    for (const id of added) expect(durable.index.has(id)).toBe(true);
    const [top] = durable.index.searchSync(newVector, 1);
    expect(top).toMatchObject({ id: changed });
    expect(top!.score).toBeCloseTo(1, 5);
    expect(durable.index.searchSync(oldVector, 1)[0]!.id).not.toBe(changed);
    expect(meanRecall(durable.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);
  });

  it('rebuilds from the stored vectors when the snapshot bytes are corrupt', () => {
    const rnd = snapshotted(13);
    const late = fill(5, rnd);
    lib.db.exec('UPDATE index_snapshot_chunks SET data = randomblob(length(data))');

    const durable = reopen();
    expect(durable.health).toEqual({ state: 'rebuilt', reason: 'snapshot unreadable' });
    expect(durable.index.liveCount).toBe(N + 5);
    for (const id of late) expect(durable.index.has(id)).toBe(true);
    expect(durable.index.deletedRatio).toBe(0);
    expect(meanRecall(durable.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);
  });

  it('rebuilds when the graph disagrees with the database, and never returns the missing photo', () => {
    const rnd = snapshotted(14);
    // A row removed without its log entry (e.g. by hand, or a bug elsewhere).
    const victim = [...lib.live.keys()][42]!;
    const victimVector = lib.live.get(victim)!;
    lib.db.prepare('DELETE FROM images WHERE id = ?').run(victim);
    lib.live.delete(victim);

    const durable = reopen();
    expect(durable.health.state).toBe('rebuilt');
    expect(durable.health).toMatchObject({
      reason: expect.stringMatching(/index held 500 photos, library has 499/),
    });
    expect(durable.index.has(victim)).toBe(false);
    expect(ids(durable.index, victimVector, 10)).not.toContain(victim);
    expect(durable.index.liveCount).toBe(N - 1);
    expect(meanRecall(durable.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);

    // The rebuilt graph is what the next snapshot saves: the open after that needs no rebuild.
    durable.snapshotSync();
    expect(reopen().health).toEqual({ state: 'snapshot', replayed: 0 });
  });

  it('rebuilds when a photo the database has is missing from the graph', () => {
    const rnd = snapshotted(15);
    // Swap one photo for another, neither logged: the counts agree, the ids do not.
    const victim = [...lib.live.keys()][0]!;
    lib.db.prepare('DELETE FROM images WHERE id = ?').run(victim);
    lib.live.delete(victim);
    const lateVector = randomUnitVector(rnd);
    const late = lib.add(lateVector);
    lib.db.prepare('DELETE FROM index_ops WHERE image_id = ? AND op = ?').run(late, 'add');

    const durable = reopen();
    expect(durable.health).toEqual({ state: 'rebuilt', reason: `photo ${late} missing from the index` });
    expect(durable.index.has(late)).toBe(true);
    expect(durable.index.has(victim)).toBe(false);
    expect(ids(durable.index, lateVector, 1)).toEqual([late]);
  });

  it('rebuilds when the deleted-label list saved with the snapshot is wrong', () => {
    const rnd = snapshotted(16);
    const gone = [...lib.live.keys()].slice(0, 10);
    const goneVectors = gone.map((id) => lib.live.get(id)!);
    for (const id of gone) lib.remove(id);
    const durable = lib.openIndex();
    durable.snapshotSync();
    expect(
      JSON.parse(
        (lib.db.prepare('SELECT deleted_ids AS d FROM index_snapshots').get() as { d: string }).d,
      ).sort(),
    ).toEqual([...gone].sort());
    expect(reopen().health).toEqual({ state: 'snapshot', replayed: 0 });

    const setDeleted = (list: number[]): void => {
      lib.db.prepare('UPDATE index_snapshots SET deleted_ids = ?').run(JSON.stringify(list));
    };
    const live = [...lib.live.keys()];
    for (const wrong of [[], gone.slice(1), [...gone, 987654], [...gone, live[0]!]]) {
      setDeleted(wrong);
      const d = reopen();
      expect(d.health.state).toBe('rebuilt');
      expect(d.index.liveCount).toBe(N - 10);
      for (const v of goneVectors) expect(ids(d.index, v, 10).filter((id) => gone.includes(id))).toEqual([]);
      expect(meanRecall(d.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);
    }

    // A list that misses a deleted label, and a logged delete of that label to replay: hnswlib
    // refuses to delete it twice, which must end in a rebuild, not in a failure to open.
    setDeleted(gone.slice(1));
    lib.indexLog.logChange(gone[0]!, 'delete');
    const d = reopen();
    expect(d.health).toEqual({ state: 'rebuilt', reason: 'snapshot unreadable' });
    expect(d.index.has(gone[0]!)).toBe(false);
    expect(d.index.liveCount).toBe(N - 10);
  });

  it("keeps its view of a second connection's changes current with one refresh", () => {
    const rnd = snapshotted(17);
    const other = openVectorLibrary(file);
    others.push(other);
    const mine = lib.openIndex();
    const theirs = other.openIndex();
    expect(theirs.health).toEqual({ state: 'snapshot', replayed: 0 });

    // The "watcher" (first connection) indexes and deletes; the "app" (second) refreshes once.
    const added = fill(30, rnd);
    const removed = [...lib.live.keys()].slice(0, 5);
    const removedVectors = removed.map((id) => lib.live.get(id)!);
    for (const id of removed) lib.remove(id);
    expect(theirs.refreshSync()).toBe(35);
    for (const id of added) expect(theirs.index.has(id)).toBe(true);
    for (const id of removed) expect(theirs.index.has(id)).toBe(false);
    for (const v of removedVectors)
      expect(ids(theirs.index, v, 10).some((id) => removed.includes(id))).toBe(false);
    expect(theirs.refreshSync()).toBe(0);

    // The writer snapshots, which prunes the log the reader has not seen yet.
    const more = fill(10, rnd);
    const dropped = added[0]!;
    lib.remove(dropped);
    mine.snapshotSync();
    expect(lib.indexLog.changesSince(0)).toBe(0);
    theirs.refreshSync();
    for (const id of more) expect(theirs.index.has(id)).toBe(true);
    expect(theirs.index.has(dropped)).toBe(false);
    expect(theirs.index.liveCount).toBe(lib.live.size);

    // And the other way round: the reader's own later changes still arrive.
    const fromApp = other.add(randomUnitVector(rnd));
    mine.refreshSync();
    expect(mine.index.has(fromApp)).toBe(true);
    theirs.refreshSync();
    expect(theirs.index.has(fromApp)).toBe(true);
  });

  it('compacts a graph with over 20% deleted points when snapshotting', () => {
    const rnd = snapshotted(18);
    const durable = lib.openIndex();
    const gone = [...lib.live.keys()].filter((_, i) => i % 4 === 0); // 25%
    const goneVectors = gone.map((id) => lib.live.get(id)!);
    for (const id of gone) lib.remove(id);
    durable.refreshSync();
    expect(durable.index.deletedRatio).toBeCloseTo(0.25, 2);
    durable.snapshotSync();
    expect(durable.index.deletedRatio).toBe(0);
    expect(lib.db.prepare('SELECT deleted_ids AS d FROM index_snapshots').get()).toEqual({ d: '[]' });

    const reopened = reopen();
    expect(reopened.health).toEqual({ state: 'snapshot', replayed: 0 });
    expect(reopened.index.deletedRatio).toBe(0);
    expect(reopened.index.deletedIds).toEqual([]);
    expect(reopened.index.liveCount).toBe(N - gone.length);
    for (const v of goneVectors)
      expect(ids(reopened.index, v, 10).some((id) => gone.includes(id))).toBe(false);
    expect(meanRecall(reopened.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);
  });

  it('compacts in the background: searches keep working, and changes made meanwhile are kept', async () => {
    const rnd = snapshotted(19);
    const durable = lib.openIndex();
    const gone = [...lib.live.keys()].filter((_, i) => i % 3 === 0);
    for (const id of gone) lib.remove(id);
    durable.refreshSync();
    expect(durable.needsCompaction).toBe(true);

    let searchesDuringCompaction = 0;
    let added: number | undefined;
    let removedMeanwhile: number | undefined;
    const compaction = durable.compactAsync(32);
    // The event loop stays free: searches (and other changes) run between slices.
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const q = randomUnitVector(rnd);
        expect(durable.index.searchSync(q, 5).length).toBe(5);
        searchesDuringCompaction++;
        if (searchesDuringCompaction === 2) {
          added = lib.add(randomUnitVector(rnd));
          removedMeanwhile = [...lib.live.keys()][5]!;
          lib.remove(removedMeanwhile);
        }
        if (searchesDuringCompaction < 5) setImmediate(tick);
        else resolve();
      };
      setImmediate(tick);
    });
    await compaction;
    expect(searchesDuringCompaction).toBe(5);
    expect(durable.needsCompaction).toBe(false);
    // At most the one photo removed mid-build is left marked (it may have been copied first).
    expect(durable.index.deletedIds.length).toBeLessThanOrEqual(1);
    expect(durable.index.has(added!)).toBe(true);
    expect(durable.index.has(removedMeanwhile!)).toBe(false);
    expect(durable.index.liveCount).toBe(lib.live.size);
    expect(meanRecall(durable.index, lib.live, rnd)).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps a few deleted points (marked, listed) below the compaction threshold', () => {
    snapshotted(19);
    const durable = lib.openIndex();
    const gone = [...lib.live.keys()].slice(0, 20); // 4%
    for (const id of gone) lib.remove(id);
    durable.snapshotSync();
    expect(durable.index.deletedRatio).toBeCloseTo(20 / N);
    const reopened = reopen();
    expect(reopened.health).toEqual({ state: 'snapshot', replayed: 0 });
    expect(reopened.index.deletedIds.sort()).toEqual([...gone].sort());
    expect(reopened.index.liveCount).toBe(N - 20);
  });

  it('saves and reloads a graph emptied by deletions', () => {
    const rnd = seededRandom(21);
    const durable = lib.openIndex();
    for (const id of fill(30, rnd)) lib.remove(id);
    durable.snapshotSync();
    expect(durable.index.liveCount).toBe(0);
    const reopened = reopen();
    expect(reopened.health).toEqual({ state: 'snapshot', replayed: 0 });
    const v = randomUnitVector(rnd);
    const id = lib.add(v);
    reopened.refreshSync();
    expect(ids(reopened.index, v, 5)).toEqual([id]);
  });

  it('revives a photo that was skipped and then indexed again under the same id', () => {
    const rnd = snapshotted(20);
    const durable = lib.openIndex();
    const id = [...lib.live.keys()][3]!;
    const row = lib.images.getMany([id])[0]!;
    // The indexer's path for a file that became unreadable: status skipped, delete logged.
    lib.db.transaction(() => {
      lib.images.upsert({
        ...row,
        contentHash: null,
        status: 'skipped',
        skipCode: 'decode',
        skipReason: 'broken',
      });
      lib.indexLog.logChange(id, 'delete');
    })();
    lib.live.delete(id);
    durable.refreshSync();
    expect(durable.index.has(id)).toBe(false);
    durable.snapshotSync();

    // Fixed on disk: the same path is indexed again and keeps its id.
    const fixed = randomUnitVector(rnd);
    expect(lib.add(fixed, { path: row.path })).toBe(id);
    durable.refreshSync();
    expect(durable.index.has(id)).toBe(true);
    expect(ids(durable.index, fixed, 1)).toEqual([id]);

    // And the same after a restart, replayed on top of the snapshot that had it deleted.
    const reopened = reopen();
    expect(reopened.health).toEqual({ state: 'snapshot', replayed: 1 });
    expect(reopened.index.has(id)).toBe(true);
    expect(reopened.index.searchSync(fixed, 1)[0]).toMatchObject({ id });
    expect(reopened.index.searchSync(fixed, 1)[0]!.score).toBeCloseTo(1, 5);
  });
});
