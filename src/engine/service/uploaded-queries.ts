import { randomUUID } from 'node:crypto';
import type { ImageInfo, RenderedPreview } from '../imaging/image-preview.ts';

export interface StoredQuery {
  id: string;
  name: string;
  bytes: Buffer;
  info: ImageInfo;
  /** Rendered previews by longest side, made on first request. */
  previews: Map<number, Promise<RenderedPreview>>;
}

export interface UploadedQueriesOptions {
  maxCount?: number;
  maxBytes?: number;
}

/**
 * Query images sent by windows (dropped, pasted, picked), kept in memory so that a re-run with
 * another crop or filter sends only an id. Bounded by count and bytes; the least recently used
 * go first. Nothing is written to disk: a query photo is the person's, not the library's.
 */
export class UploadedQueries {
  private readonly entries = new Map<string, StoredQuery>();
  private readonly maxCount: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(options: UploadedQueriesOptions = {}) {
    this.maxCount = options.maxCount ?? 32;
    this.maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  }

  add(bytes: Buffer, name: string, info: ImageInfo): StoredQuery {
    const entry: StoredQuery = { id: randomUUID(), name, bytes, info, previews: new Map() };
    this.entries.set(entry.id, entry);
    this.bytes += bytes.length;
    for (const [id, old] of this.entries) {
      if (this.entries.size <= this.maxCount && this.bytes <= this.maxBytes) break;
      if (id === entry.id) break;
      this.entries.delete(id);
      this.bytes -= old.bytes.length;
    }
    return entry;
  }

  /** The query, marked as recently used. */
  get(id: string): StoredQuery | undefined {
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
