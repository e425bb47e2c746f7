/**
 * HNSW parameters. Defaults were chosen by measurement (see BENCHMARKS.md, "Index parameters"):
 * recall@10 of the exact ranking, build time and query time on real photo embeddings.
 */
export interface IndexParams {
  /** Graph degree: higher = better recall, more memory. */
  m: number;
  efConstruction: number;
  /** Search breadth; raised to the number of candidates asked for when that is larger. */
  ef: number;
  /** Candidates fetched per wanted result, before exact re-scoring and filtering. */
  overfetch: number;
}

export const defaultIndexParams: IndexParams = { m: 16, efConstruction: 100, ef: 64, overfetch: 3 };
