import { z } from 'zod';

/**
 * The engine's contract, shared by every transport (direct calls, IPC, HTTP). Requests are
 * validated with these schemas at each boundary; responses are plain data.
 */
export const cropSchema = z.object({
  x: z.number().nonnegative(),
  y: z.number().nonnegative(),
  width: z.number().positive(),
  height: z.number().positive(),
  unit: z.enum(['px', 'fraction']),
});
export type Crop = z.infer<typeof cropSchema>;

/** A model's id, as its manifest gives it. */
export const modelIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'not a model id')
  .max(128);

export const searchRequestSchema = z.object({
  /** A photo on disk (absolute path); the query need not be in the library. */
  imagePath: z.string().min(1),
  crop: cropSchema.optional(),
  k: z.number().int().min(1).max(10_000).default(20),
  collapse: z.boolean().default(true),
  /** Restrict results to these library folders (absolute paths). */
  folders: z.array(z.string()).optional(),
  /** HNSW search breadth for this search only (evaluation compares settings; default: the library's). */
  ef: z.number().int().min(1).max(10_000).optional(),
  /** Answer with this model's index instead of the active one's (it must cover every photo). */
  model: modelIdSchema.optional(),
  /** Re-rank by neighbourhood expansion (query expansion + database-side augmentation); default: the model's choice. */
  rerank: z.boolean().optional(),
});
export type SearchRequest = z.input<typeof searchRequestSchema>;

export interface SearchResultItem {
  path: string;
  score: number;
  rank: number;
  width: number | null;
  height: number | null;
  /** Near-duplicates collapsed under this result. */
  duplicates: Array<{ path: string; score: number }>;
}

export interface SearchResponse {
  query: string;
  results: SearchResultItem[];
  tookMs: number;
  /** The model whose index answered (every result comes from it). */
  model: string;
  device: string;
  /** The logged impression of these results, for reporting clicks on them (evalLogClick). */
  impressionId?: number;
}

export interface FolderStatus {
  path: string;
  images: number;
  skipped: number;
}

export interface LibraryStatus {
  library: string;
  folders: FolderStatus[];
  images: number;
  skipped: number;
  model: { id: string; dim: number };
  device: { provider: string; fallbacks: Array<{ provider: string; reason: string }> };
  index: { state: string; detail: string; vectors: number; pendingChanges: number };
  /** A switch to another model under way (its re-embed progress), or null. */
  reembedding: ReembeddingStatus | null;
}

/** The library being embedded for another model while the active one keeps answering. */
export interface ReembeddingStatus {
  /** The model being switched to; it answers once its index covers every photo. */
  model: string;
  /** embedding: running in this process; paused; waiting: due (stopped, or running elsewhere). */
  phase: 'embedding' | 'paused' | 'waiting';
  /** Live photos with a vector for `model`, out of all live photos. */
  done: number;
  total: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  startedAt: number | null;
}
