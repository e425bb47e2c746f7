import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThumbnailCache } from '../../../src/engine/imaging/thumbnail-cache.ts';
import type { Semaphore } from '../../../src/engine/library/semaphore.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';

describe('ThumbnailCache: abandoned requests', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let cache: ThumbnailCache;
  const photo = (n: number): string => path.join(tmp.dir, 'photos', `p${n}.jpg`);
  /** How many thumbnails are on disk (each is one .webp). */
  const made = (): number =>
    readdirSync(path.join(tmp.dir, 'thumbs'), { recursive: true }).filter((n) => String(n).endsWith('.webp'))
      .length;
  // White-box, to make "waiting for its turn" certain rather than a matter of timing: the test
  // holds the cache's only rendering slot, and sees how many requests are queued and joined.
  const slots = (): Semaphore => (cache as unknown as { slots: Semaphore }).slots;
  const inFlight = (): Map<string, { wanted: number }> =>
    (cache as unknown as { inFlight: Map<string, { wanted: number }> }).inFlight;
  const wantedCounts = (): number[] => [...inFlight().values()].map((e) => e.wanted);

  beforeEach(async () => {
    tmp = makeTempDir();
    for (const n of [1, 2, 3, 4]) await writeScene(photo(n), n, 'jpeg', { width: 1600, height: 1200 });
    cache = new ThumbnailCache({ dir: path.join(tmp.dir, 'thumbs'), concurrency: 1 });
  });

  afterEach(() => tmp.cleanup());

  it('does not make a thumbnail every request for it abandoned while it waited its turn', async () => {
    await slots().acquire();
    const first = cache.get(photo(1), 320);
    const abandon = new AbortController();
    const second = cache.get(photo(2), 320, abandon.signal);
    const third = cache.get(photo(3), 320);
    // All three are queued behind the held slot.
    await vi.waitFor(() => expect(wantedCounts()).toEqual([Infinity, 1, Infinity]));
    abandon.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    slots().release();
    expect((await first).cached).toBe(false);
    expect((await third).cached).toBe(false);
    // Photos 1 and 3 were made; photo 2 never was.
    expect(made()).toBe(2);
    // Asked for again later, it is made then.
    expect((await cache.get(photo(2), 320)).cached).toBe(false);
    expect(made()).toBe(3);
  });

  it('still makes it for a request that wants it when another one for it is abandoned', async () => {
    await slots().acquire();
    const gone = new AbortController();
    const kept = new AbortController();
    const abandoned = cache.get(photo(4), 320, gone.signal);
    const wanted = cache.get(photo(4), 320, kept.signal);
    // Both wait for the same thumbnail.
    await vi.waitFor(() => expect(wantedCounts()).toEqual([2]));
    gone.abort();
    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    slots().release();
    const thumb = await wanted;
    expect(thumb.bytes.length).toBeGreaterThan(0);
    expect(made()).toBe(1);
    // A request already abandoned is refused at once.
    await expect(cache.get(photo(3), 320, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('lets a new request join a thumbnail already being made when the earlier ones left', async () => {
    type Internals = { render: () => unknown; store: (...args: unknown[]) => Promise<void> };
    const proto = ThumbnailCache.prototype as never as Internals;
    const render = vi.spyOn(proto, 'render');
    // Writing it to disk waits for the test, so the thumbnail is certainly still being made.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const write = proto.store;
    const store = vi.spyOn(proto, 'store').mockImplementation(async function (this: unknown, ...args) {
      await gate;
      return write.apply(this, args);
    });
    const gone = new AbortController();
    const abandoned = cache.get(photo(1), 320, gone.signal);
    await vi.waitFor(() => expect(store).toHaveBeenCalledTimes(1));
    // Its rendering has begun: leaving does not stop it…
    gone.abort();
    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    // …and a request arriving meanwhile gets that same thumbnail instead of making another.
    const again = cache.get(photo(1), 320);
    await vi.waitFor(() => expect(wantedCounts()).toEqual([Infinity]));
    open();
    expect((await again).cached).toBe(false);
    expect(render).toHaveBeenCalledTimes(1);
    expect(made()).toBe(1);
    render.mockRestore();
    store.mockRestore();
  });
});
