import { symlinkSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BridgeFixture, imagePath, startBridgeFixture } from './bridge-fixture.ts';

let f: BridgeFixture;

beforeAll(async () => {
  f = await startBridgeFixture({ maxUploadBytes: 1024 * 1024, withRenderer: true });
  expect((await f.call('addFolder', { path: f.photos })).status).toBe(200);
  await f.service.whenIdle();
});

afterAll(async () => {
  await f?.close();
});

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}

/** A raw request, for headers fetch will not let a page set (Host, Origin). */
function rawGet(port: number, pathAndQuery: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathAndQuery, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the access token', () => {
  it('is required on every API request, as a header or in the query', async () => {
    const none = await fetch(`${f.server.origin}/api/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await errorOf(none)).toMatchObject({ status: 401, code: 'unauthorized' });
    const wrong = await f.call(
      'status',
      {},
      { headers: { authorization: 'Bearer not-the-token-at-all', 'content-type': 'application/json' } },
    );
    expect(wrong.status).toBe(401);
    expect((await f.call('status')).status).toBe(200);

    expect((await f.get(imagePath(f.scene(1)), { token: null })).status).toBe(401);
    expect((await f.get(imagePath(f.scene(1)), { token: 'x'.repeat(43) })).status).toBe(401);
    expect((await f.get(imagePath(f.scene(1)))).status).toBe(200);
    expect((await f.get('/api/events', { token: null })).status).toBe(401);
  });

  it('is not needed for the page itself, which is served with a strict CSP', async () => {
    const page = await f.get('/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const asset = await f.get('/assets/app-1234.js', { token: null });
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    // Nothing outside the renderer folder is reachable through it.
    expect(await rawGet(f.server.port, '/../library.db', { host: `127.0.0.1:${f.server.port}` })).toBe(404);
    expect(await rawGet(f.server.port, '/%2e%2e/library.db', { host: `127.0.0.1:${f.server.port}` })).toBe(
      404,
    );
  });

  it('only answers requests addressed to the loopback server from its own pages', async () => {
    const q = `${imagePath(f.scene(1))}&token=${f.server.token}`;
    expect(await rawGet(f.server.port, q, { host: `127.0.0.1:${f.server.port}` })).toBe(200);
    expect(await rawGet(f.server.port, q, { host: `localhost:${f.server.port}` })).toBe(200);
    expect(await rawGet(f.server.port, q, { host: 'evil.example:80' })).toBe(403);
    expect(
      await rawGet(f.server.port, q, { host: `127.0.0.1:${f.server.port}`, origin: 'https://evil.example' }),
    ).toBe(403);
  });
});

describe('files outside the library', () => {
  it('are refused with 403, however the path is written', async () => {
    const secret = path.join(f.outside, 'secret.jpg');
    const attempts = [
      secret,
      '/etc/passwd',
      path.join(f.photos, '..', 'outside', 'secret.jpg'),
      `${f.photos}/a/../../outside/secret.jpg`,
      f.libraryPath,
    ];
    for (const p of attempts) {
      const res = await f.get(imagePath(p));
      expect({ p, status: res.status }).toEqual({ p, status: 403 });
      expect((await res.json()) as unknown).toMatchObject({ error: { code: 'forbidden' } });
    }
    // A relative path is not resolved against anything: it is a malformed request.
    expect((await f.get(imagePath('photos/a/scene-1.jpg'))).status).toBe(400);
  });

  it('are refused when a symbolic link inside a library folder leads to them', async () => {
    const link = path.join(f.photos, 'a', 'innocent.jpg');
    symlinkSync(path.join(f.outside, 'secret.jpg'), link);
    const dirLink = path.join(f.photos, 'b', 'linked-folder');
    symlinkSync(f.outside, dirLink, 'dir');
    expect((await f.get(imagePath(link))).status).toBe(403);
    expect((await f.get(imagePath(path.join(dirLink, 'secret.jpg')))).status).toBe(403);
    const search = await f.call('search', { query: { kind: 'library', path: link } });
    expect(await errorOf(search)).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('cannot be used as a query by path either', async () => {
    const res = await f.call('search', {
      query: { kind: 'library', path: path.join(f.outside, 'secret.jpg') },
    });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('answers 404 for a missing photo inside the library', async () => {
    const res = await f.get(imagePath(path.join(f.photos, 'a', 'nope.jpg')));
    expect(await errorOf(res)).toMatchObject({ status: 404, code: 'not-found' });
  });
});

describe('requests that do not fit the contract', () => {
  it('are 400 with a message that names the problem', async () => {
    const missing = await errorOf(await f.call('addFolder', {}));
    expect(missing).toMatchObject({ status: 400, code: 'bad-request' });
    expect(missing.message).toMatch(/addFolder.*path/);

    const badK = await errorOf(await f.call('search', { query: { kind: 'upload', id: 'abcdefgh12' }, k: 0 }));
    expect(badK.status).toBe(400);
    expect(badK.message).toMatch(/k:/);

    const extra = await errorOf(await f.call('status', { verbose: true }));
    expect(extra.status).toBe(400);
    expect(extra.message).toMatch(/verbose/);

    const badCrop = await errorOf(
      await f.call('search', {
        query: { kind: 'library', path: f.scene(1) },
        crop: { x: 0, y: 0, width: -1, height: 1, unit: 'fraction' },
      }),
    );
    expect(badCrop.status).toBe(400);
    expect(badCrop.message).toMatch(/crop\.width/);

    const notJson = await f.call('status', undefined, { body: '{nope' });
    expect(await errorOf(notJson)).toMatchObject({ status: 400, message: expect.stringMatching(/JSON/) });

    const wrongType = await f.call('status', undefined, {
      headers: { authorization: `Bearer ${f.server.token}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(400);

    expect((await f.get('/api/image?size=thumb')).status).toBe(400);
    expect(
      (await f.get(`/api/image?${new URLSearchParams({ path: f.scene(1), size: 'huge' })}`)).status,
    ).toBe(400);
  });

  it('name unknown methods and relative folder paths plainly', async () => {
    expect(await errorOf(await f.call('dropDatabase'))).toMatchObject({ status: 404, code: 'not-found' });
    const relative = await errorOf(await f.call('addFolder', { path: 'Pictures' }));
    expect(relative).toMatchObject({ status: 400, message: expect.stringMatching(/full path/) });
    const file = await errorOf(await f.call('addFolder', { path: f.scene(1) }));
    expect(file).toMatchObject({ status: 400, message: expect.stringMatching(/not a folder/) });
    // A folder inside a library folder is already part of it.
    const inside = await f.call('addFolder', { path: path.join(f.photos, 'a') });
    expect(await inside.json()).toEqual({ folder: f.photos });
    await f.service.whenIdle();
  });

  it('refuses uploads over the size limit with 413', async () => {
    const res = await fetch(`${f.server.origin}/api/uploadQuery`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.server.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(2 * 1024 * 1024),
    });
    expect(await errorOf(res)).toMatchObject({ status: 413, code: 'too-large' });
  });

  it('refuses an upload that is not an image with 422 and the reason', async () => {
    const res = await fetch(`${f.server.origin}/api/uploadQuery`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${f.server.token}`,
        'content-type': 'application/octet-stream',
        'x-lookalike-params': encodeURIComponent(JSON.stringify({ name: 'notes.txt' })),
      },
      body: new TextEncoder().encode('this is not a photo'),
    });
    const error = await errorOf(res);
    expect(error).toMatchObject({ status: 422, code: 'unsupported-image' });
    expect(error.message).toMatch(/notes\.txt.*not an image/);
  });
});
