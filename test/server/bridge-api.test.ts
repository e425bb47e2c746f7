import { readdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexingState } from '../../src/shared/indexing-state.ts';
import type { LibraryStatus, SearchResponse } from '../../src/shared/library-api.ts';
import { sceneSvg, writeScene } from '../fixtures/synthetic-photos.ts';
import { type BridgeFixture, imagePath, SCENE_SIZE, startBridgeFixture } from './bridge-fixture.ts';

let f: BridgeFixture;

beforeAll(async () => {
  f = await startBridgeFixture();
});

afterAll(async () => {
  await f?.close();
});

interface ServerEvent {
  event: string;
  data: unknown;
}

/** Reads Server-Sent Events until `done` says so (or the timeout passes). */
async function readEvents(
  res: Response,
  done: (events: ServerEvent[]) => boolean,
  timeoutMs = 60_000,
): Promise<ServerEvent[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: ServerEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(events)) {
      if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events)}`);
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as unknown });
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

async function upload(
  bytes: Uint8Array,
  name: string,
): Promise<{ id: string; width: number; height: number }> {
  const res = await fetch(`${f.server.origin}/api/uploadQuery`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${f.server.token}`,
      'content-type': 'application/octet-stream',
      'x-lookalike-params': encodeURIComponent(JSON.stringify({ name })),
    },
    body: bytes,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; width: number; height: number };
}

async function search(body: unknown): Promise<SearchResponse> {
  const res = await f.call('search', body);
  const json = (await res.json()) as unknown;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json as SearchResponse;
}

describe('indexing through the API', () => {
  it('adds a folder and streams progress until the job is done', async () => {
    const stream = await f.get('/api/events');
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const added = await f.call('addFolder', { path: `${f.photos}/` });
    expect(await added.json()).toEqual({ folder: f.photos });

    const events = await readEvents(stream, (evs) =>
      evs.some((e) => e.event === 'libraryChanged' && (e.data as { reason: string }).reason === 'indexed'),
    );
    const states = events.filter((e) => e.event === 'indexing').map((e) => e.data as IndexingState);
    expect(states[0]!.phase).toBeDefined(); // the state at connection time comes first
    expect(states.some((s) => s.phase === 'indexing' && s.total === 12)).toBe(true);
    const last = states.at(-1)!;
    expect(last.phase).toBe('idle');
    expect(last.lastRun).toMatchObject({
      kind: 'index',
      folders: [f.photos],
      indexed: 12,
      skipped: 0,
      error: null,
    });

    const status = (await (await f.call('status')).json()) as LibraryStatus;
    expect(status.images).toBe(12);
    expect(status.folders).toEqual([{ path: f.photos, images: 12, skipped: 0 }]);
    expect((await (await f.call('indexingState')).json()) as IndexingState).toMatchObject({ phase: 'idle' });
  });
});

describe('search', () => {
  it('finds the photo an uploaded smaller, re-encoded copy came from', async () => {
    const bytes = await sharp(f.scene(5)).resize(300).jpeg({ quality: 70 }).toBuffer();
    const uploaded = await upload(bytes, 'copy of scene 5.jpg');
    expect(uploaded).toMatchObject({ width: 300, height: 225 });
    const res = await search({ query: { kind: 'upload', id: uploaded.id }, k: 5 });
    expect(res.query).toBe('copy of scene 5.jpg');
    expect(res.results[0]).toMatchObject({ path: f.scene(5), rank: 1 });
    expect(res.results.length).toBeLessThanOrEqual(5);
    expect(res.device).toBe('cpu');

    // The uploaded query can be shown (a preview, EXIF-oriented) by id.
    const preview = await f.get(`/api/image?upload=${uploaded.id}&size=preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/webp');
  });

  it('searches with a crop of an uploaded collage: each half finds its own photo', async () => {
    const half = (n: number): Promise<Buffer> =>
      sharp(Buffer.from(sceneSvg(2000 + n, SCENE_SIZE.width, SCENE_SIZE.height)))
        .resize(320, 480, { fit: 'fill' })
        .png()
        .toBuffer();
    const collage = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000' } })
      .composite([
        { input: await half(2), left: 0, top: 0 },
        { input: await half(9), left: 320, top: 0 },
      ])
      .jpeg()
      .toBuffer();
    const { id } = await upload(collage, 'collage.jpg');
    const left = await search({
      query: { kind: 'upload', id },
      crop: { x: 0, y: 0, width: 0.5, height: 1, unit: 'fraction' },
      k: 3,
    });
    const right = await search({
      query: { kind: 'upload', id },
      crop: { x: 320, y: 0, width: 320, height: 480, unit: 'px' },
      k: 3,
    });
    expect(left.results[0]!.path).toBe(f.scene(2));
    expect(right.results[0]!.path).toBe(f.scene(9));
    // The whole collage, and the left half again: the same answers as searching afresh.
    const whole = await search({ query: { kind: 'upload', id }, k: 3 });
    const fresh = await search({
      query: { kind: 'upload', id: (await upload(collage, 'again.jpg')).id },
      k: 3,
    });
    expect(whole.results).toEqual(fresh.results);
    const leftAgain = await search({
      query: { kind: 'upload', id },
      crop: { x: 0, y: 0, width: 0.5, height: 1, unit: 'fraction' },
      k: 3,
    });
    expect(leftAgain.results).toEqual(left.results);
  });

  it('says which query photo cannot be decoded, each time it is searched', async () => {
    // Its header is whole (the upload accepts it), its picture data is cut short.
    const whole = await sharp(f.scene(4)).jpeg().toBuffer();
    const { id } = await upload(whole.subarray(0, 700), 'cut short.jpg');
    for (let i = 0; i < 2; i++) {
      const res = await f.call('search', { query: { kind: 'upload', id }, k: 3 });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status).toBe(422);
      expect(body.error.message).toMatch(/^Cannot use cut short\.jpg as a query: /);
    }
  });

  it('finds similar photos to a library photo, and filters by folder', async () => {
    const similar = await search({ query: { kind: 'library', path: f.scene(8) }, k: 4 });
    expect(similar.query).toBe(f.scene(8));
    expect(similar.results[0]!.path).toBe(f.scene(8));
    expect(similar.results[0]!.score).toBeCloseTo(1, 4);
    const onlyB = await search({
      query: { kind: 'library', path: f.scene(1) },
      folders: [path.join(f.photos, 'b')],
      k: 20,
    });
    expect(onlyB.results.length).toBe(6);
    expect(onlyB.results.every((r) => r.path.startsWith(path.join(f.photos, 'b') + path.sep))).toBe(true);
  });

  it('logs a search as an impression unless it is a provisional first screen, and says its own time', async () => {
    const query = { kind: 'library', path: f.scene(8) };
    const clickThrough = async (): Promise<number> =>
      ((await (await f.call('evalClickThrough', {})).json()) as { impressions: number }).impressions;
    const before = await clickThrough();
    const res = await f.call('search', { query, k: 2, provisional: true });
    expect(res.headers.get('server-timing')).toMatch(/^app;dur=\d+(\.\d)?$/);
    const firstScreen = (await res.json()) as SearchResponse;
    expect(firstScreen.impressionId).toBeUndefined();
    expect(await clickThrough()).toBe(before);
    const full = await search({ query, k: 4 });
    expect(full.results.slice(0, 2)).toEqual(firstScreen.results);
    expect(full.impressionId).toBeGreaterThan(0);
    expect(await clickThrough()).toBe(before + 1);
  });

  it('says when an uploaded query is no longer kept', async () => {
    const res = await f.call('search', { query: { kind: 'upload', id: 'no-such-upload-id' } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no longer kept/);
  });
});

describe('thumbnails', () => {
  it('are made once, cached on disk, and remade when the photo changes', async () => {
    const photo = f.scene(3);
    const first = await f.get(imagePath(photo));
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/webp');
    expect(first.headers.get('x-thumbnail-cache')).toBe('miss');
    const etag = first.headers.get('etag')!;
    const firstBytes = Buffer.from(await first.arrayBuffer());
    const meta = await sharp(firstBytes).metadata();
    expect(Math.max(meta.width, meta.height)).toBe(320);

    const second = await f.get(imagePath(photo));
    expect(second.headers.get('x-thumbnail-cache')).toBe('hit');
    expect(second.headers.get('etag')).toBe(etag);
    expect(Buffer.from(await second.arrayBuffer()).equals(firstBytes)).toBe(true);
    const revalidated = await f.get(imagePath(photo), { headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(304);

    const cacheDir = `${f.libraryPath}.thumbs`;
    const cachedFiles = (): string[] =>
      readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.webp'));
    const before = cachedFiles();
    expect(before).toHaveLength(1);

    await writeScene(photo, 7777, 'jpeg', SCENE_SIZE);
    const later = new Date(Date.now() + 5000);
    utimesSync(photo, later, later);
    const changed = await f.get(imagePath(photo));
    expect(changed.headers.get('x-thumbnail-cache')).toBe('miss');
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(Buffer.from(await changed.arrayBuffer()).equals(firstBytes)).toBe(false);
    // The stale version is gone; one file per photo and size remains.
    const after = cachedFiles();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);

    const preview = await f.get(imagePath(photo, 'preview'));
    const previewMeta = await sharp(Buffer.from(await preview.arrayBuffer())).metadata();
    expect(previewMeta.width).toBe(SCENE_SIZE.width); // never enlarged
  });
});

describe('removing a folder', () => {
  it('takes its photos out of the library and stops serving them', async () => {
    const res = await f.call('removeFolder', { path: f.photos });
    expect(await res.json()).toEqual({ folder: f.photos });
    await f.service.whenIdle();
    const status = (await (await f.call('status')).json()) as LibraryStatus;
    expect(status).toMatchObject({ images: 0, folders: [] });
    expect(status.index.vectors).toBe(0);
    expect((await f.get(imagePath(f.scene(1)))).status).toBe(403);
    expect((await f.call('removeFolder', { path: f.photos })).status).toBe(404);
  });
});
