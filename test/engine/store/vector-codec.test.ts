import { describe, expect, it } from 'vitest';
import { EmbeddingRepository } from '../../../src/engine/store/embedding-repository.ts';
import { decodeVector, encodeVector, vectorFormats } from '../../../src/engine/store/vector-codec.ts';
import { seededRandom } from '../../fixtures/synthetic-photos.ts';
import { openVectorLibrary, TEST_DIM } from '../../fixtures/vector-library.ts';

/** A unit vector like the models': non-negative after the signed square root, or signed. */
function unitVector(dim: number, seed: number, signed = false): Float32Array {
  const rnd = seededRandom(seed);
  const v = Float32Array.from({ length: dim }, () => (signed ? rnd() * 2 - 1 : rnd()) ** 2);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
}

describe('vector storage forms', () => {
  it('float32 is stored as it always was (no header) and read back exactly', () => {
    const v = unitVector(576, 1, true);
    const blob = encodeVector(v, 'float32');
    expect(blob.byteLength).toBe(576 * 4);
    // A BLOB as an older library holds it: the raw little-endian floats, at any offset.
    const legacy = Buffer.concat([Buffer.alloc(3), Buffer.from(new Uint8Array(v.buffer))]).subarray(3);
    expect(decodeVector(legacy)).toEqual(v);
    expect(decodeVector(blob)).toEqual(v);
  });

  it('float16 halves the size and keeps every value to half precision', () => {
    for (const dim of [576, 577, 3]) {
      const v = unitVector(dim, dim, true);
      const blob = encodeVector(v, 'float16');
      expect(blob.byteLength).toBe(1 + dim * 2);
      const back = decodeVector(blob);
      // Half precision: 11 significant bits, so a relative error of at most 2^-11.
      back.forEach((x, i) =>
        expect(Math.abs(x - v[i]!)).toBeLessThanOrEqual(Math.abs(v[i]!) * 2 ** -11 + 1e-7),
      );
    }
  });

  it('int8 with a scale takes a quarter of the size, errors within half a step', () => {
    for (const dim of [576, 577, 1]) {
      const v = unitVector(dim, 10 + dim, true);
      const blob = encodeVector(v, 'int8');
      expect(blob.byteLength % 2).toBe(1);
      expect(blob.byteLength).toBeLessThanOrEqual(6 + dim);
      const back = decodeVector(blob);
      const step = Math.max(...v.map(Math.abs)) / 127;
      expect(maxAbsDiff(back, v)).toBeLessThanOrEqual(step / 2 + 1e-7);
    }
    expect(decodeVector(encodeVector(new Float32Array(4), 'int8'))).toEqual(new Float32Array(4));
  });

  it('keeps cosine similarities to well within the near-duplicate threshold’s margin', () => {
    const a = unitVector(576, 21);
    const b = unitVector(576, 22);
    const dot = (x: Float32Array, y: Float32Array): number => x.reduce((s, xi, i) => s + xi * y[i]!, 0);
    for (const format of vectorFormats) {
      const err = Math.abs(dot(a, decodeVector(encodeVector(b, format))) - dot(a, b));
      expect(err).toBeLessThan(format === 'int8' ? 2e-3 : 1e-4);
    }
  });

  it('refuses a damaged vector with a clear message', () => {
    expect(() => decodeVector(Buffer.alloc(6))).toThrow(/6 bytes is damaged/);
    expect(() => decodeVector(Buffer.from([9, 0, 0]))).toThrow(/unknown form/);
  });

  it('a library holding vectors in several forms reads them all (older libraries keep working)', () => {
    const lib = openVectorLibrary(':memory:');
    try {
      const old = unitVector(TEST_DIM, 31);
      const oldId = lib.add(old, { contentHash: 'old' });
      const compact = new EmbeddingRepository(lib.db, lib.modelId, 'float16');
      const fresh = unitVector(TEST_DIM, 32);
      lib.db.transaction(() => {
        compact.put('fresh', fresh);
        lib.images.upsert({
          folderId: lib.folderId('/photos'),
          path: '/photos/fresh.jpg',
          size: 1,
          mtimeMs: 1,
          contentHash: 'fresh',
          width: 1,
          height: 1,
          format: 'jpeg',
          status: 'ok',
          skipCode: null,
          skipReason: null,
        });
      })();
      const freshId = lib.images.getByPath('/photos/fresh.jpg')!.id;
      const blobs = lib.db
        .prepare('SELECT content_hash AS h, length(vector) AS n FROM embeddings ORDER BY h')
        .all();
      expect(blobs).toEqual([
        { h: 'fresh', n: 1 + TEST_DIM * 2 },
        { h: 'old', n: TEST_DIM * 4 },
      ]);
      const read = compact.vectorsForImages([oldId, freshId]);
      expect(read.get(oldId)).toEqual(old);
      expect(maxAbsDiff(read.get(freshId)!, fresh)).toBeLessThan(1e-3);
      // The durable index builds from both.
      const index = lib.openIndex();
      expect(index.index.liveCount).toBe(2);
    } finally {
      lib.close();
    }
  });
});
