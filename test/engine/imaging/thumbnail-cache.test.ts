import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThumbnailCache } from '../../../src/engine/imaging/thumbnail-cache.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';

describe('ThumbnailCache: abandoned requests', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let cache: ThumbnailCache;
  const photo = (n: number): string => path.join(tmp.dir, 'photos', `p${n}.jpg`);
  /** How many thumbnails are on disk (each is one .webp). */
  const made = (): number =>
    readdirSync(path.join(tmp.dir, 'thumbs'), { recursive: true }).filter((n) => String(n).endsWith('.webp'))
      .length;

  beforeEach(async () => {
    tmp = makeTempDir();
    for (const n of [1, 2, 3, 4]) await writeScene(photo(n), n, 'jpeg', { width: 1600, height: 1200 });
    // One at a time, so later requests wait for a turn.
    cache = new ThumbnailCache({ dir: path.join(tmp.dir, 'thumbs'), concurrency: 1 });
  });

  afterEach(() => tmp.cleanup());

  it('does not make a thumbnail every request for it abandoned while it waited its turn', async () => {
    const first = cache.get(photo(1), 320);
    const abandon = new AbortController();
    const second = cache.get(photo(2), 320, abandon.signal);
    const third = cache.get(photo(3), 320);
    abandon.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect((await first).cached).toBe(false);
    expect((await third).cached).toBe(false);
    // Photos 1 and 3 were made; photo 2 never was.
    expect(made()).toBe(2);
    // Asked for again later, it is made then.
    expect((await cache.get(photo(2), 320)).cached).toBe(false);
    expect(made()).toBe(3);
  });

  it('still makes it for a request that wants it when another one for it is abandoned', async () => {
    const busy = cache.get(photo(1), 320);
    const gone = new AbortController();
    const kept = new AbortController();
    const abandoned = cache.get(photo(4), 320, gone.signal);
    const wanted = cache.get(photo(4), 320, kept.signal);
    gone.abort();
    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    const thumb = await wanted;
    expect(thumb.bytes.length).toBeGreaterThan(0);
    await busy;
    expect(made()).toBe(2);
    // A request already abandoned is refused at once.
    await expect(cache.get(photo(3), 320, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
