import type { DurableIndex } from '../index/durable-index.ts';
import type { IndexParams } from '../index/index-params.ts';
import type { EmbeddingRepository } from '../store/embedding-repository.ts';
import type { ImageRepository, ImageRow } from '../store/image-repository.ts';
import { rerankByExpansionSync } from './neighbour-expansion.ts';
import {
  type CollapsedGroup,
  collapseNearDuplicates,
  DEFAULT_DUPLICATE_THRESHOLD,
  dot,
  type Scored,
} from './duplicate-collapse.ts';

export interface SearchOptions {
  k: number;
  collapse: boolean;
  duplicateThreshold?: number;
  /** Only images under one of these folders (absolute paths). */
  within?: readonly string[];
  /** Image ids never to return (e.g. the query photo itself). */
  excludeIds?: readonly number[];
  /** HNSW search breadth for this search (default: the index's). */
  ef?: number;
  /** Re-rank the candidates by neighbourhood expansion (neighbour-expansion.ts). */
  rerank?: boolean;
}

export interface SearchHit {
  image: ImageRow;
  score: number;
  rank: number;
  /** Near-duplicates folded under this result (when collapsing), best first. */
  duplicates: Array<{ image: ImageRow; score: number }>;
}

/**
 * Nearest neighbours, then exact re-scoring against the stored vectors (the graph's distances
 * are approximate and may be stale), filtering, and near-duplicate collapse.
 */
export class SimilarSearch {
  private readonly deps: {
    index: () => DurableIndex;
    embeddings: EmbeddingRepository;
    images: ImageRepository;
    params: IndexParams;
    allowedIds: (folders: readonly string[]) => Set<number>;
  };
  constructor(deps: SimilarSearch['deps']) {
    this.deps = deps;
  }

  searchSync(query: Float32Array, options: SearchOptions): SearchHit[] {
    const durable = this.deps.index();
    durable.refreshSync();
    const exclude = new Set(options.excludeIds ?? []);
    const allowed = options.within?.length ? this.deps.allowedIds(options.within) : undefined;
    // Collapsing folds results together, so ask for more to still fill k groups.
    let want = options.k * this.deps.params.overfetch * (options.collapse ? 2 : 1) + exclude.size;
    for (;;) {
      const candidates = durable.index.searchSync(
        query,
        want,
        allowed ? (id) => allowed.has(id) : undefined,
        options.ef,
      );
      const vectors = this.deps.embeddings.vectorsForImages(candidates.map((c) => c.id));
      const plain = [...vectors]
        .filter(([id]) => !exclude.has(id) && (!allowed || allowed.has(id)))
        .map(([id, vector]) => ({ id, vector, score: dot(query, vector) }))
        .sort((a, b) => b.score - a.score || a.id - b.id);
      const scored = options.rerank
        ? rerankByExpansionSync(query, plain, {
            nearestSync: (vector, count) => durable.index.searchSync(vector, count),
            vectorsSync: (ids) => this.deps.embeddings.vectorsForImages(ids),
          })
        : plain;

      const groups = options.collapse
        ? collapseNearDuplicates(scored, options.duplicateThreshold ?? DEFAULT_DUPLICATE_THRESHOLD, options.k)
        : scored.map((lead) => ({ lead, members: [] }));
      // A long burst can fold every candidate into a few groups: while the graph may hold
      // more (it returned all that was asked), ask for twice as many.
      if (groups.length < options.k && candidates.length >= want) {
        want *= 2;
        continue;
      }
      return this.toHits(groups.slice(0, options.k));
    }
  }

  private toHits(top: Array<CollapsedGroup<Scored>>): SearchHit[] {
    const rows = new Map(
      this.deps.images
        .getMany(top.flatMap((g) => [g.lead.id, ...g.members.map((m) => m.id)]))
        .map((r) => [r.id, r]),
    );
    return top.map((g, i) => ({
      image: rows.get(g.lead.id)!,
      score: g.lead.score,
      rank: i + 1,
      duplicates: g.members.map((m) => ({ image: rows.get(m.id)!, score: m.score })),
    }));
  }
}
