import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Semaphore } from '../library/semaphore.ts';
import { renderPreview } from './image-preview.ts';
import { ImageSkip, toImageSkip } from './skip-reason.ts';

export interface Thumbnail {
  bytes: Buffer;
  contentType: 'image/webp';
  /** Changes whenever the photo (path, size or modification time) or the requested size changes. */
  etag: string;
  /** Served from the disk cache rather than rendered now. */
  cached: boolean;
}

export interface ThumbnailCacheOptions {
  /** Where thumbnails are kept, e.g. next to the library database. */
  dir: string;
  /** Renders at once; sharp runs one libvips thread per image (image-decoder.ts). */
  concurrency?: number;
}

/** A thumbnail being made, and how many requests still want it. */
interface InFlight {
  promise: Promise<Thumbnail>;
  wanted: number;
  /** Aborted when every request for it was abandoned: it is then not made, unless already started. */
  unwanted: AbortController;
  started: boolean;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Thumbnails and previews made once with sharp and kept on disk, one file per version of a photo:
 * `<dir>/<2 hex>/<path hash>-<long side>-<mtime>-<bytes>.webp`. A photo that changes gets a new
 * name (the old one is removed when the new one is written), so a stale picture is never shown.
 */
export class ThumbnailCache {
  readonly dir: string;
  private readonly slots: Semaphore;
  private readonly inFlight = new Map<string, InFlight>();

  constructor(options: ThumbnailCacheOptions) {
    this.dir = options.dir;
    this.slots = new Semaphore(options.concurrency ?? Math.max(2, os.availableParallelism()));
  }

  /** The photo at `longSide` pixels at most, EXIF-oriented. Throws ImageSkip (missing, damaged…). */
  async get(filePath: string, longSide: number, signal?: AbortSignal): Promise<Thumbnail> {
    const st = await stat(filePath).catch((err: unknown) => {
      throw toImageSkip(err);
    });
    if (!st.isFile()) throw new ImageSkip('not-a-file', 'not a regular file');
    const pathKey = sha256(filePath).slice(0, 32);
    const version = `${longSide}-${Math.trunc(st.mtimeMs)}-${st.size}`;
    const name = `${pathKey}-${version}.webp`;
    const file = path.join(this.dir, pathKey.slice(0, 2), name);
    const etag = `"${pathKey.slice(0, 16)}-${version}"`;

    const cached = await readFile(file).catch(() => undefined);
    if (cached) return { bytes: cached, contentType: 'image/webp', etag, cached: true };
    signal?.throwIfAborted();

    let pending = this.inFlight.get(file);
    // One nobody wanted any more is not made; a new request starts it again (or joins it, when
    // it was already being made).
    if (!pending || (pending.unwanted.signal.aborted && !pending.started)) {
      const entry = { wanted: 0, unwanted: new AbortController(), started: false } as InFlight;
      entry.promise = this.render(filePath, longSide, file, `${pathKey}-${longSide}-`, etag, entry);
      const settled = (): void => {
        if (this.inFlight.get(file) === entry) this.inFlight.delete(file);
      };
      // Handled here: when every request was abandoned, nobody else awaits it.
      entry.promise.then(settled, settled);
      this.inFlight.set(file, entry);
      pending = entry;
    }
    return this.wanted(pending, signal);
  }

  /**
   * The thumbnail for one request: one that is abandoned (the window scrolled past, or a new
   * search replaced the results) stops waiting at once, and once no request wants a thumbnail it
   * is not made at all when its turn comes (behind the ones still wanted).
   */
  private async wanted(entry: InFlight, signal: AbortSignal | undefined): Promise<Thumbnail> {
    if (!signal) {
      // Wanted for good: it is made whatever the others do.
      entry.wanted = Infinity;
      return entry.promise;
    }
    entry.wanted++;
    let release!: () => void;
    const abandoned = new Promise<never>((_, reject) => {
      release = () => {
        if (--entry.wanted === 0) entry.unwanted.abort();
        reject(signal.reason);
      };
      signal.addEventListener('abort', release, { once: true });
    });
    try {
      return await Promise.race([entry.promise, abandoned]);
    } finally {
      if (!signal.aborted) {
        signal.removeEventListener('abort', release);
        entry.wanted--;
      }
    }
  }

  /** Removes every cached size and version of these photos (they left the library). Best effort. */
  async forget(filePaths: readonly string[]): Promise<void> {
    const byDir = new Map<string, string[]>();
    for (const p of filePaths) {
      const key = sha256(p).slice(0, 32);
      const dir = path.join(this.dir, key.slice(0, 2));
      byDir.set(dir, [...(byDir.get(dir) ?? []), `${key}-`]);
    }
    for (const [dir, prefixes] of byDir) {
      const names = await readdir(dir).catch(() => [] as string[]);
      await Promise.all(
        names
          .filter((n) => prefixes.some((p) => n.startsWith(p)))
          .map((n) => unlink(path.join(dir, n)).catch(() => {})),
      );
    }
  }

  private async render(
    source: string,
    longSide: number,
    file: string,
    stalePrefix: string,
    etag: string,
    entry: Pick<InFlight, 'unwanted' | 'started'>,
  ): Promise<Thumbnail> {
    await this.slots.acquire();
    let bytes: Buffer;
    try {
      entry.unwanted.signal.throwIfAborted();
      entry.started = true;
      bytes = (await renderPreview(source, longSide)).bytes;
    } finally {
      this.slots.release();
    }
    await this.store(file, bytes, stalePrefix).catch(() => {
      // A cache that cannot be written (read-only disk, full disk) only costs speed.
    });
    return { bytes, contentType: 'image/webp', etag, cached: false };
  }

  /** Writes atomically (temp file, then rename) and removes older versions of the same photo and size. */
  private async store(file: string, bytes: Buffer, stalePrefix: string): Promise<void> {
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    const keep = path.basename(file);
    const names = await readdir(dir);
    await Promise.all(
      names
        .filter((n) => n.startsWith(stalePrefix) && n !== keep && n.endsWith('.webp'))
        .map((n) => unlink(path.join(dir, n)).catch(() => {})),
    );
  }
}
