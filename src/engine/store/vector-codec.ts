/** Vectors are stored as little-endian float32 BLOBs. */
export function encodeVector(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function decodeVector(blob: Buffer): Float32Array {
  // Copy: a BLOB's byteOffset need not be 4-aligned, which Float32Array views require.
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}
