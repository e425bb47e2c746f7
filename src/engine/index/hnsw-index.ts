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
  private graph: InstanceType<typeof HierarchicalNSW>;
  private readonly labels = new Set<number>();
  private readonly deleted = new Set<number>();

  constructor(dim: number, params: IndexParams, capacity = 1024) {
    this.dim = dim;
    this.params = params;
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
  static fromBytesSync(bytes: Buffer, dim: number, params: IndexParams, deletedIds: readonly number[]): HnswIndex {
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
    if (index.graph.getNumDimensions() !== dim) throw new Error('snapshot dimension mismatch');
    index.graph.setEf(params.ef);
    for (const id of index.graph.getIdsList()) index.labels.add(id);
    for (const id of deletedIds) {
      if (!index.labels.has(id)) throw new Error('snapshot deleted-label list mismatch');
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
    if (vector.length !== this.dim) throw new Error(`vector has ${vector.length} dims, index has ${this.dim}`);
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

  /** Approximate nearest neighbours: ids with cosine similarity, best first. */
  searchSync(query: Float32Array, k: number, filter?: (id: number) => boolean): Array<{ id: number; score: number }> {
    const n = Math.min(k, this.liveCount);
    if (n <= 0) return [];
    this.graph.setEf(Math.max(this.params.ef, n));
    const { neighbors, distances } = this.graph.searchKnn(Array.from(query), n, filter);
    return neighbors.map((id, i) => ({ id, score: 1 - (distances[i] ?? 1) }));
  }
}
