import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/engine/store/database.ts';
import { EmbeddingRepository } from '../../../src/engine/store/embedding-repository.ts';
import { FolderRepository } from '../../../src/engine/store/folder-repository.ts';
import { type ImageRecord, ImageRepository } from '../../../src/engine/store/image-repository.ts';
import { IndexRepository } from '../../../src/engine/store/index-repository.ts';
import { ModelRepository } from '../../../src/engine/store/model-repository.ts';
import { decodeVector, encodeVector } from '../../../src/engine/store/vector-codec.ts';
import { makeTempDir, seededRandom } from '../../fixtures/synthetic-photos.ts';
import { randomUnitVector, testManifest } from '../../fixtures/vector-library.ts';

let tmp: ReturnType<typeof makeTempDir>;
let db: Database;
let folders: FolderRepository;
let images: ImageRepository;

beforeEach(() => {
  tmp = makeTempDir('lookalike-repos-');
  db = openDatabase(path.join(tmp.dir, 'library.db'));
  new ModelRepository(db).ensure(testManifest({ id: 'model-a' }));
  new ModelRepository(db).ensure(testManifest({ id: 'model-b' }));
  folders = new FolderRepository(db);
  images = new ImageRepository(db);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

function record(folderId: number, p: string, over: Partial<ImageRecord> = {}): ImageRecord {
  return {
    folderId,
    path: p,
    size: 100,
    mtimeMs: 1_700_000_000_000,
    contentHash: `hash:${p}`,
    width: 640,
    height: 480,
    format: 'jpeg',
    status: 'ok',
    skipCode: null,
    skipReason: null,
    ...over,
  };
}

function count(sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number }).n;
}

describe('FolderRepository', () => {
  it('adds idempotently, lists by path and removes with its images', () => {
    const b = folders.add('/b');
    const a = folders.add('/a');
    expect(folders.add('/b').id).toBe(b.id);
    expect(folders.list().map((f) => f.path)).toEqual(['/a', '/b']);
    images.upsert(record(a.id, '/a/1.jpg'));
    images.upsert(record(b.id, '/b/1.jpg'));
    folders.remove(a.id);
    expect(folders.getByPath('/a')).toBeUndefined();
    // ON DELETE CASCADE (foreign keys are on): the folder's images go with it.
    expect(images.getByPath('/a/1.jpg')).toBeUndefined();
    expect(images.getByPath('/b/1.jpg')).toBeDefined();
  });
});

describe('ImageRepository', () => {
  it('keeps the same id when a path is re-upserted, and updates the record', () => {
    const f = folders.add('/photos');
    const id = images.upsert(record(f.id, '/photos/x.jpg'));
    const other = images.upsert(record(f.id, '/photos/y.jpg'));
    expect(other).not.toBe(id);
    const again = images.upsert(
      record(f.id, '/photos/x.jpg', {
        size: 200,
        mtimeMs: 5,
        contentHash: null,
        status: 'skipped',
        skipCode: 'decode',
        skipReason: 'broken',
      }),
    );
    expect(again).toBe(id);
    expect(images.getByPath('/photos/x.jpg')).toMatchObject({
      id,
      folderId: f.id,
      size: 200,
      mtimeMs: 5,
      contentHash: null,
      status: 'skipped',
      skipCode: 'decode',
      skipReason: 'broken',
    });
    expect(images.countByStatus()).toEqual({ ok: 1, skipped: 1 });
    expect(images.skipped()).toEqual([{ path: '/photos/x.jpg', reason: 'broken' }]);
  });

  it('gives the scanner fingerprints per folder, keyed by path', () => {
    const a = folders.add('/a');
    const b = folders.add('/b');
    const id1 = images.upsert(record(a.id, '/a/1.jpg', { size: 11, mtimeMs: 111 }));
    const id2 = images.upsert(
      record(a.id, '/a/2.gif', { status: 'skipped', skipCode: 'io', skipReason: 'busy', contentHash: null }),
    );
    images.upsert(record(b.id, '/b/1.jpg'));
    const fp = images.fingerprintsInFolder(a.id);
    expect([...fp.keys()].sort()).toEqual(['/a/1.jpg', '/a/2.gif']);
    expect(fp.get('/a/1.jpg')).toMatchObject({
      id: id1,
      size: 11,
      mtimeMs: 111,
      status: 'ok',
      skipCode: null,
    });
    expect(fp.get('/a/2.gif')).toMatchObject({ id: id2, status: 'skipped', skipCode: 'io' });
    expect(images.countsByFolder().get(a.id)).toEqual({ ok: 1, skipped: 1 });
    expect(images.countsByFolder().get(b.id)).toEqual({ ok: 1, skipped: 0 });
  });

  it('filters live images by folder, finds finished images by hash, fetches many and deletes', () => {
    const a = folders.add('/a');
    const b = folders.add('/b');
    const ok = images.upsert(record(a.id, '/a/ok.jpg', { contentHash: 'same' }));
    const skipped = images.upsert(record(a.id, '/a/bad.jpg', { status: 'skipped', contentHash: 'same' }));
    const inB = images.upsert(record(b.id, '/b/ok.jpg'));
    const deep = images.upsert(record(a.id, '/a/sub/deep.jpg'));
    images.upsert(record(a.id, '/ab/not-under-a.jpg'));
    expect(images.idsUnder(['/a'])).toEqual(new Set([ok, deep]));
    expect(images.idsUnder(['/a/sub'])).toEqual(new Set([deep]));
    expect(images.idsUnder(['/a/', '/b'])).toEqual(new Set([ok, deep, inB]));
    expect(images.idsUnder([])).toEqual(new Set());
    expect(images.findOkByHash('same')?.id).toBe(ok);
    expect(images.findOkByHash('nope')).toBeUndefined();
    expect(
      images
        .getMany([inB, skipped, 999])
        .map((r) => r.id)
        .sort(),
    ).toEqual([inB, skipped].sort());
    expect(images.getMany([])).toEqual([]);
    images.delete(ok);
    expect(images.findOkByHash('same')).toBeUndefined();
  });
});

describe('EmbeddingRepository', () => {
  const rnd = seededRandom(7);

  it('stores float32 vectors exactly', () => {
    const v = randomUnitVector(rnd);
    const blob = encodeVector(v);
    expect(blob.byteLength).toBe(v.length * 4);
    // An odd offset, as a BLOB may come back: decoding copies rather than viewing.
    const shifted = Buffer.concat([Buffer.alloc(1), blob]).subarray(1);
    expect(decodeVector(shifted)).toEqual(v);

    const emb = new EmbeddingRepository(db, 'model-a');
    const f = folders.add('/p');
    const id = images.upsert(record(f.id, '/p/1.jpg', { contentHash: 'h1' }));
    expect(emb.has('h1')).toBe(false);
    emb.put('h1', v);
    expect(emb.has('h1')).toBe(true);
    expect(emb.vectorsForImages([id]).get(id)).toEqual(v);
    // Re-embedding replaces the vector.
    const w = randomUnitVector(rnd);
    emb.put('h1', w);
    expect(emb.vectorsForImages([id]).get(id)).toEqual(w);
  });

  it('byte-identical files share one embedding row, and both images get the vector', () => {
    const emb = new EmbeddingRepository(db, 'model-a');
    const f = folders.add('/p');
    const v = randomUnitVector(rnd);
    emb.put('dup', v);
    const first = images.upsert(record(f.id, '/p/original.jpg', { contentHash: 'dup' }));
    const copy = images.upsert(record(f.id, '/p/copy of original.jpg', { contentHash: 'dup' }));
    // The indexer asks before embedding: the copy needs no new vector.
    expect(emb.has('dup')).toBe(true);
    expect(count("SELECT COUNT(*) AS n FROM embeddings WHERE content_hash = 'dup'")).toBe(1);
    const got = emb.vectorsForImages([first, copy]);
    expect(got.get(first)).toEqual(v);
    expect(got.get(copy)).toEqual(v);
    expect(emb.liveIds()).toEqual([first, copy]);
  });

  it("returns vectors only for 'ok' images embedded by this model", () => {
    const a = new EmbeddingRepository(db, 'model-a');
    const b = new EmbeddingRepository(db, 'model-b');
    const f = folders.add('/p');
    const ok = images.upsert(record(f.id, '/p/ok.jpg', { contentHash: 'h-ok' }));
    const skipped = images.upsert(record(f.id, '/p/skip.jpg', { contentHash: 'h-skip', status: 'skipped' }));
    const notEmbedded = images.upsert(record(f.id, '/p/new.jpg', { contentHash: 'h-new' }));
    const onlyB = images.upsert(record(f.id, '/p/b.jpg', { contentHash: 'h-b' }));
    a.put('h-ok', randomUnitVector(rnd));
    a.put('h-skip', randomUnitVector(rnd));
    b.put('h-b', randomUnitVector(rnd));
    expect([...a.vectorsForImages([ok, skipped, notEmbedded, onlyB, 12345]).keys()]).toEqual([ok]);
    expect(a.vectorsForImages([])).toEqual(new Map());
    expect(a.liveIds()).toEqual([ok]);
    expect([...a.iterateLive()].map((r) => r.id)).toEqual([ok]);
    expect(b.liveIds()).toEqual([onlyB]);
  });

  it('pruneOrphans drops only this model’s vectors that no image refers to', () => {
    const a = new EmbeddingRepository(db, 'model-a');
    const b = new EmbeddingRepository(db, 'model-b');
    const f = folders.add('/p');
    images.upsert(record(f.id, '/p/1.jpg', { contentHash: 'kept' }));
    // A skipped image with no hash must not make NOT IN match nothing (NULL semantics).
    images.upsert(record(f.id, '/p/2.jpg', { contentHash: null, status: 'skipped' }));
    for (const h of ['kept', 'gone-1', 'gone-2']) a.put(h, randomUnitVector(rnd));
    b.put('gone-b', randomUnitVector(rnd));
    expect(a.pruneOrphans()).toBe(2);
    expect(a.has('kept')).toBe(true);
    expect(a.has('gone-1')).toBe(false);
    expect(b.has('gone-b')).toBe(true);
    expect(a.pruneOrphans()).toBe(0);
    expect(b.pruneOrphans()).toBe(1);
  });
});

describe('ModelRepository.ensure', () => {
  function seedModel(modelId: string): { emb: EmbeddingRepository; idx: IndexRepository } {
    const emb = new EmbeddingRepository(db, modelId);
    const idx = new IndexRepository(db, modelId);
    const rnd = seededRandom(modelId.length);
    emb.put(`h-${modelId}`, randomUnitVector(rnd));
    idx.logChange(1, 'add');
    idx.saveSnapshot(
      { highWater: idx.highWater(), liveCount: 1, deletedIds: [], params: '{}' },
      Buffer.from('graph'),
    );
    idx.logChange(2, 'add');
    return { emb, idx };
  }

  function rowsOf(modelId: string): { embeddings: number; snapshots: number; ops: number } {
    return {
      embeddings: count('SELECT COUNT(*) AS n FROM embeddings WHERE model_id = ?', modelId),
      snapshots: count('SELECT COUNT(*) AS n FROM index_snapshots WHERE model_id = ?', modelId),
      ops: count('SELECT COUNT(*) AS n FROM index_ops WHERE model_id = ?', modelId),
    };
  }

  it('is a no-op for the same model file', () => {
    seedModel('model-a');
    new ModelRepository(db).ensure(testManifest({ id: 'model-a' }));
    expect(rowsOf('model-a')).toEqual({ embeddings: 1, snapshots: 1, ops: 1 });
  });

  it("a changed file drops that model's vectors, snapshots (with chunks) and log, not another model's", () => {
    seedModel('model-a');
    seedModel('model-b');
    const sha = 'b'.repeat(64);
    new ModelRepository(db).ensure(testManifest({ id: 'model-a', sha256: sha }));
    expect(rowsOf('model-a')).toEqual({ embeddings: 0, snapshots: 0, ops: 0 });
    expect(rowsOf('model-b')).toEqual({ embeddings: 1, snapshots: 1, ops: 1 });
    // The chunks went with their snapshot (cascade); model-b's are still there.
    expect(count('SELECT COUNT(*) AS n FROM index_snapshot_chunks')).toBe(1);
    const row = db.prepare("SELECT sha256, dim, manifest FROM models WHERE id = 'model-a'").get() as {
      sha256: string;
      dim: number;
      manifest: string;
    };
    expect(row.sha256).toBe(sha);
    expect(JSON.parse(row.manifest)).toMatchObject({ id: 'model-a', sha256: sha });
  });

  it('a changed output dimension also starts that model over', () => {
    seedModel('model-a');
    new ModelRepository(db).ensure(testManifest({ id: 'model-a', dim: 64 }));
    expect(rowsOf('model-a')).toEqual({ embeddings: 0, snapshots: 0, ops: 0 });
    expect(db.prepare("SELECT dim FROM models WHERE id = 'model-a'").get()).toEqual({ dim: 64 });
  });
});

describe('IndexRepository', () => {
  it('logs changes per model in order and reports each touched image once', () => {
    const a = new IndexRepository(db, 'model-a');
    const b = new IndexRepository(db, 'model-b');
    expect(a.highWater()).toBe(0);
    expect(a.touchedSince(0)).toEqual({ ids: [], highWater: 0 });
    a.logChange(10, 'add');
    b.logChange(99, 'add');
    a.logChange(11, 'add');
    a.logChange(10, 'delete');
    const hw = a.highWater();
    expect(a.touchedSince(0)).toEqual({ ids: [10, 11], highWater: hw });
    expect(a.changesSince(0)).toBe(3);
    expect(b.touchedSince(0).ids).toEqual([99]);
    const afterFirst = a.touchedSince(0).highWater - 1;
    expect(a.touchedSince(afterFirst)).toEqual({ ids: [10], highWater: hw });
    // Nothing new: the position given is kept.
    expect(a.touchedSince(hw)).toEqual({ ids: [], highWater: hw });
  });

  it('round-trips a snapshot and forgets older snapshots and the log it covers', () => {
    const idx = new IndexRepository(db, 'model-a');
    const other = new IndexRepository(db, 'model-b');
    other.logChange(1, 'add');
    other.saveSnapshot(
      { highWater: other.highWater(), liveCount: 1, deletedIds: [], params: '{}' },
      Buffer.from('b'),
    );

    for (let i = 1; i <= 3; i++) idx.logChange(i, 'add');
    const first = randomBytes(10_000);
    idx.saveSnapshot({ highWater: idx.highWater(), liveCount: 3, deletedIds: [], params: '{"m":16}' }, first);
    idx.logChange(3, 'delete');
    const hw = idx.highWater();
    idx.logChange(4, 'add');
    const second = randomBytes(20_000);
    idx.saveSnapshot({ highWater: hw, liveCount: 2, deletedIds: [3], params: '{"m":16}' }, second);

    const meta = idx.latestSnapshot()!;
    expect(meta).toMatchObject({ highWater: hw, liveCount: 2, deletedIds: [3], params: '{"m":16}' });
    expect(idx.readSnapshotBytes(meta.id)!.equals(second)).toBe(true);
    // One snapshot per model survives, stored as a single chunk with the right checksum.
    expect(count("SELECT COUNT(*) AS n FROM index_snapshots WHERE model_id = 'model-a'")).toBe(1);
    expect(
      db
        .prepare(
          'SELECT chunk_no AS chunkNo, length(data) AS len FROM index_snapshot_chunks WHERE snapshot_id = ?',
        )
        .all(meta.id),
    ).toEqual([{ chunkNo: 0, len: second.length }]);
    expect(
      db.prepare('SELECT byte_length AS len, sha256 FROM index_snapshots WHERE id = ?').get(meta.id),
    ).toEqual({
      len: second.length,
      sha256: createHash('sha256').update(second).digest('hex'),
    });
    // Log entries up to the snapshot's high-water mark are gone; later ones stay for replay.
    expect(idx.touchedSince(0).ids).toEqual([4]);
    expect(idx.changesSince(meta.highWater)).toBe(1);
    // The other model's snapshot and log are untouched.
    expect(other.readSnapshotBytes(other.latestSnapshot()!.id)!.toString()).toBe('b');
    expect(count('SELECT COUNT(*) AS n FROM index_snapshot_chunks')).toBe(2);
  });

  it('does not replace a snapshot that covers more of the log (saved meanwhile by another connection)', () => {
    const idx = new IndexRepository(db, 'model-a');
    for (let i = 1; i <= 5; i++) idx.logChange(i, 'add');
    const behind = idx.highWater() - 2;
    const ahead = idx.highWater();
    expect(idx.snapshotHighWater()).toBe(0);
    expect(
      idx.saveSnapshot({ highWater: ahead, liveCount: 5, deletedIds: [], params: '{}' }, Buffer.from('new')),
    ).toBe(true);
    expect(
      idx.saveSnapshot({ highWater: behind, liveCount: 3, deletedIds: [], params: '{}' }, Buffer.from('old')),
    ).toBe(false);
    const meta = idx.latestSnapshot()!;
    expect(meta.highWater).toBe(ahead);
    expect(idx.snapshotHighWater()).toBe(ahead);
    expect(idx.readSnapshotBytes(meta.id)!.toString()).toBe('new');
    // Equal coverage may replace it (a compacted graph of the same state).
    expect(
      idx.saveSnapshot({ highWater: ahead, liveCount: 5, deletedIds: [], params: '{}' }, Buffer.from('same')),
    ).toBe(true);
    expect(count('SELECT COUNT(*) AS n FROM index_snapshots')).toBe(1);
  });

  it('splits a large snapshot into 8 MiB chunks and reassembles it', () => {
    const idx = new IndexRepository(db, 'model-a');
    const chunk = 8 * 1024 * 1024;
    const bytes = Buffer.alloc(chunk + 123);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
    idx.saveSnapshot({ highWater: 0, liveCount: 0, deletedIds: [], params: '{}' }, bytes);
    const meta = idx.latestSnapshot()!;
    expect(
      db
        .prepare(
          'SELECT chunk_no AS chunkNo, length(data) AS len FROM index_snapshot_chunks WHERE snapshot_id = ? ORDER BY chunk_no',
        )
        .all(meta.id),
    ).toEqual([
      { chunkNo: 0, len: chunk },
      { chunkNo: 1, len: 123 },
    ]);
    expect(idx.readSnapshotBytes(meta.id)!.equals(bytes)).toBe(true);
  });

  it('refuses snapshot bytes that were tampered with, truncated or lost', () => {
    const idx = new IndexRepository(db, 'model-a');
    const bytes = randomBytes(4096);
    idx.saveSnapshot({ highWater: 0, liveCount: 0, deletedIds: [], params: '{}' }, bytes);
    const { id } = idx.latestSnapshot()!;
    expect(idx.readSnapshotBytes(id)).toBeDefined();

    // Same length, different content: only the checksum can tell.
    db.prepare('UPDATE index_snapshot_chunks SET data = randomblob(length(data)) WHERE snapshot_id = ?').run(
      id,
    );
    expect(idx.readSnapshotBytes(id)).toBeUndefined();

    db.prepare('UPDATE index_snapshot_chunks SET data = ? WHERE snapshot_id = ?').run(
      bytes.subarray(0, 100),
      id,
    );
    expect(idx.readSnapshotBytes(id)).toBeUndefined();

    db.prepare('DELETE FROM index_snapshot_chunks WHERE snapshot_id = ?').run(id);
    expect(idx.readSnapshotBytes(id)).toBeUndefined();
    expect(idx.readSnapshotBytes(id + 1000)).toBeUndefined();
  });
});
