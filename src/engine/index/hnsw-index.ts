import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { IndexParams } from './index-params.ts';

const { HierarchicalNSW } = hnswlib;

/**
 * In-memory cosine HNSW graph labelled by image id. Tracks its own deleted labels because
 * hnswlib-node cannot report them. All calls are synchronous native work (say so: *Sync).
 */
export class HnswIndex {
  readonly dim: number;
  private readonly params: IndexParams;
  /** Search breadth; starts at params.ef, adjustable without rebuilding the graph. */
  private ef: number;
  private graph: InstanceType<typeof HierarchicalNSW>;
  private readonly labels = new Set<number>();
  private readonly deleted = new Set<number>();

  constructor(dim: number, params: IndexParams, capacity = 1024) {
    this.dim = dim;
    this.params = params;
    this.ef = params.ef;
    this.graph = new HierarchicalNSW('cosine', dim);
    this.graph.initIndex({
      maxElements: Math.max(16, capacity),
      m: params.m,
      efConstruction: params.efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: false,
    });
    this.graph.setEf(params.ef);
  }

  /** Restores a graph written by `toBytesSync`. Throws when the bytes are not a valid graph. */
  static fromBytesSync(
    bytes: Buffer,
    dim: number,
    params: IndexParams,
    deletedIds: readonly number[],
  ): HnswIndex {
    checkGraphLayout(bytes, dim);
    const index = new HnswIndex(dim, params, 16);
    // hnswlib-node reads only from files.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lookalike-hnsw-'));
    try {
      const file = path.join(dir, 'graph.bin');
      writeFileSync(file, bytes);
      index.graph.readIndexSync(file, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    index.graph.setEf(params.ef);
    for (const id of index.graph.getIdsList()) index.labels.add(id);
    for (const id of deletedIds) {
      if (!index.labels.has(id) || isLiveInGraph(index.graph, id)) {
        throw new Error('snapshot deleted-label list mismatch');
      }
      index.deleted.add(id);
    }
    return index;
  }

  toBytesSync(): Buffer {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lookalike-hnsw-'));
    try {
      const file = path.join(dir, 'graph.bin');
      this.graph.writeIndexSync(file);
      return readFileSync(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  get liveCount(): number {
    return this.labels.size - this.deleted.size;
  }

  get deletedIds(): number[] {
    return [...this.deleted];
  }

  get deletedRatio(): number {
    return this.labels.size === 0 ? 0 : this.deleted.size / this.labels.size;
  }

  has(id: number): boolean {
    return this.labels.has(id) && !this.deleted.has(id);
  }

  liveIds(): number[] {
    return [...this.labels].filter((id) => !this.deleted.has(id));
  }

  /** Adds or replaces the vector of an image. */
  upsertSync(id: number, vector: Float32Array): void {
    if (vector.length !== this.dim)
      throw new Error(`vector has ${vector.length} dims, index has ${this.dim}`);
    if (this.deleted.has(id)) {
      this.graph.unmarkDelete(id);
      this.deleted.delete(id);
    }
    if (!this.labels.has(id) && this.graph.getCurrentCount() >= this.graph.getMaxElements()) {
      this.graph.resizeIndex(Math.ceil(this.graph.getMaxElements() * 1.5) + 16);
    }
    this.graph.addPoint(Array.from(vector), id);
    this.labels.add(id);
  }

  removeSync(id: number): void {
    if (!this.labels.has(id) || this.deleted.has(id)) return;
    this.graph.markDelete(id);
    this.deleted.add(id);
  }

  setEfSync(ef: number): void {
    this.ef = ef;
  }

  /** Approximate nearest neighbours: ids with cosine similarity, best first (`ef`: this search's breadth). */
  searchSync(
    query: Float32Array,
    k: number,
    filter?: (id: number) => boolean,
    ef = this.ef,
  ): Array<{ id: number; score: number }> {
    const n = Math.min(k, this.liveCount);
    if (n <= 0) return [];
    this.graph.setEf(Math.max(ef, n));
    const { neighbors, distances } = this.graph.searchKnn(Array.from(query), n, filter);
    return neighbors.map((id, i) => ({ id, score: 1 - (distances[i] ?? 1) }));
  }
}

/** hnswlib's file header: 12 integer fields (10 of them size_t) and a double, 96 bytes on 64-bit builds. */
const HEADER_BYTES = 96;

/**
 * Rejects, by throwing, bytes that hnswlib's loader would reject or misread. It must never get
 * them: hnswlib-node frees the old graph before loading and keeps the dangling pointer when the
 * load throws, so the process later crashes (SIGSEGV) when the object is collected. And it
 * trusts the caller's dimension (`getNumDimensions` only echoes it), so a graph of another
 * dimension would be read out of bounds. Mirrors the checks of `HierarchicalNSW::loadIndex`.
 */
function checkGraphLayout(bytes: Buffer, dim: number): void {
  if (bytes.length < HEADER_BYTES) throw new Error('snapshot is not a graph: too short');
  const maxElements = Number(bytes.readBigUInt64LE(8));
  const count = Number(bytes.readBigUInt64LE(16));
  const bytesPerElement = Number(bytes.readBigUInt64LE(24));
  // label_offset_ - offsetData_: the bytes of one vector.
  if (bytes.readBigUInt64LE(32) - bytes.readBigUInt64LE(40) !== BigInt(dim * 4)) {
    throw new Error('snapshot dimension mismatch');
  }
  if (count > maxElements) throw new Error('snapshot is not a graph: bad element count');
  // The level-0 block, then each element's upper-level links, prefixed by their byte length.
  let pos = HEADER_BYTES + count * bytesPerElement;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.length) throw new Error('snapshot is not a graph: truncated');
    pos += 4 + bytes.readUInt32LE(pos);
  }
  if (pos !== bytes.length) throw new Error('snapshot is not a graph: bad length');
}

/**
 * Whether hnswlib holds a label unmarked. It cannot list its deleted labels, but reading a
 * deleted point throws; a label listed as deleted yet live would make `removeSync` and
 * `upsertSync` disagree with the graph (and hnswlib throw) later.
 */
function isLiveInGraph(graph: InstanceType<typeof HierarchicalNSW>, id: number): boolean {
  try {
    graph.getPoint(id);
    return true;
  } catch {
    return false;
  }
}
