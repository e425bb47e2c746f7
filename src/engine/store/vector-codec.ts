/**
 * How vectors are stored in the library. float32 BLOBs are what every library written so far
 * holds (4 bytes a value, no header); the compact forms carry a one-byte tag and always have an
 * odd length, so a BLOB says by itself which form it is in (float32 lengths are multiples of 4):
 * - float16: tag, then one IEEE half per value (2 bytes a value);
 * - int8: tag, a float32 scale, one signed byte per value (value ≈ byte × scale), and for an odd
 *   number of values one pad byte (the tag says which) so that the length stays odd.
 */
export type VectorFormat = 'float32' | 'float16' | 'int8';

export const vectorFormats: readonly VectorFormat[] = ['float32', 'float16', 'int8'];

const TAG_FLOAT16 = 0x01;
const TAG_INT8 = 0x02;
const TAG_INT8_PADDED = 0x03;

export function encodeVector(v: Float32Array, format: VectorFormat = 'float32'): Buffer {
  switch (format) {
    case 'float32':
      return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    case 'float16': {
      const out = Buffer.alloc(1 + v.length * 2);
      out[0] = TAG_FLOAT16;
      const halves = new Float16Array(v);
      Buffer.from(halves.buffer).copy(out, 1);
      return out;
    }
    case 'int8': {
      let max = 0;
      for (const x of v) max = Math.max(max, Math.abs(x));
      const scale = max > 0 ? max / 127 : 1;
      const padded = v.length % 2 === 1;
      const out = Buffer.alloc(5 + v.length + (padded ? 1 : 0));
      out[0] = padded ? TAG_INT8_PADDED : TAG_INT8;
      out.writeFloatLE(scale, 1);
      for (let i = 0; i < v.length; i++) out.writeInt8(Math.round(v[i]! / scale), 5 + i);
      return out;
    }
  }
}

/** Reads a stored vector in any of the forms (old float32 libraries included). */
export function decodeVector(blob: Buffer): Float32Array {
  if (blob.byteLength % 2 === 0) {
    if (blob.byteLength % 4 !== 0) throw new Error(`a stored vector of ${blob.byteLength} bytes is damaged`);
    // Copy: a BLOB's byteOffset need not be 4-aligned, which Float32Array views require.
    const out = new Float32Array(blob.byteLength / 4);
    new Uint8Array(out.buffer).set(blob);
    return out;
  }
  switch (blob[0]) {
    case TAG_FLOAT16: {
      const halves = new Float16Array((blob.byteLength - 1) / 2);
      new Uint8Array(halves.buffer).set(blob.subarray(1));
      return Float32Array.from(halves);
    }
    case TAG_INT8:
    case TAG_INT8_PADDED: {
      const n = blob.byteLength - 5 - (blob[0] === TAG_INT8_PADDED ? 1 : 0);
      const scale = blob.readFloatLE(1);
      const bytes = new Int8Array(blob.buffer, blob.byteOffset + 5, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes[i]! * scale;
      return out;
    }
    default:
      throw new Error(`a stored vector has an unknown form (tag ${blob[0]})`);
  }
}
