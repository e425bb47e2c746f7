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

export const searchRequestSchema = z.object({
  /** A photo on disk (absolute path); the query need not be in the library. */
  imagePath: z.string().min(1),
  crop: cropSchema.optional(),
  k: z.number().int().min(1).max(10_000).default(20),
  collapse: z.boolean().default(true),
  /** Restrict results to these library folders (absolute paths). */
  folders: z.array(z.string()).optional(),
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
  model: string;
  device: string;
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
}
