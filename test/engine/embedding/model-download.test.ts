import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../../src/engine/embedding/model-catalog.ts';
import {
  DownloadError,
  type DownloadProgress,
  downloadFile,
} from '../../../src/engine/embedding/model-download.ts';
import { sha256Hex } from '../../../src/engine/embedding/file-hash.ts';
import { ModelInstallError } from '../../../src/engine/embedding/model-install.ts';
import { readModelManifest } from '../../../src/engine/embedding/model-manifest.ts';
import { type InstallProgress, ModelRegistry } from '../../../src/engine/embedding/model-registry.ts';
import {
  type LoopbackFileServer,
  type LoopbackProxy,
  startFileServer,
  startProxy,
} from '../../fixtures/loopback-file-server.ts';
import { loopbackTls } from '../../fixtures/loopback-tls.ts';
import { makeTempDir } from '../../fixtures/synthetic-photos.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const noProxy = { HTTP_PROXY: '', HTTPS_PROXY: '', NO_PROXY: '' };
const tmp = makeTempDir('lookalike-download-');
const body = randomBytes(1_500_000);
const sha = sha256Hex(body);
let server: LoopbackFileServer;
let n = 0;
const dest = (): string => path.join(tmp.dir, `dl-${n++}`, 'model.bin');

beforeAll(async () => {
  server = await startFileServer(body);
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});
afterEach(() => {
  server.requests.length = 0;
  Object.assign(server.behaviour, {
    ranges: true,
    dropAfter: undefined,
    dropTimes: undefined,
    stall: false,
    stallAfter: undefined,
  });
  server.behaviour.etag = '"v1"';
});

/** A download the server cuts off after `bytes`, not retried: it leaves a part on disk and yields its error. */
async function interruptedDownload(file: string, bytes: number): Promise<unknown> {
  server.behaviour.dropAfter = bytes;
  return downloadFile({ url: server.url, dest: file, sha256: sha, env: noProxy, retries: 0 }).catch(
    (e: unknown) => e,
  );
}

describe('downloading a file', () => {
  it('downloads the whole file with progress and leaves only the verified file', async () => {
    const file = dest();
    const progress: DownloadProgress[] = [];
    await downloadFile({
      url: server.url,
      dest: file,
      sha256: sha,
      env: noProxy,
      onProgress: (p) => progress.push(p),
    });
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual(['model.bin']);
    const last = progress.at(-1)!;
    expect(last.receivedBytes).toBe(body.length);
    expect(last.totalBytes).toBe(body.length);
    expect(last.bytesPerSecond).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.receivedBytes).toBeGreaterThanOrEqual(progress[i - 1]!.receivedBytes);
    }
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.range).toBeUndefined();
  });

  it('resumes an interrupted download with a Range request, and the bytes match', async () => {
    const file = dest();
    const first = await interruptedDownload(file, 600_000);
    expect(first).toBeInstanceOf(DownloadError);
    expect((first as DownloadError).reason).toBe('network');
    expect(existsSync(file)).toBe(false);
    const kept = statSync(`${file}.part`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);

    const result = await downloadFile({ url: server.url, dest: file, sha256: sha, env: noProxy });
    expect(result.resumedFrom).toBe(kept);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers.range).toBe(`bytes=${kept}-`);
    expect(server.requests[1]!.headers['if-range']).toBe('"v1"');
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual(['model.bin']);
  });

  it('retries a dropped connection by itself, resuming where it stopped', async () => {
    const file = dest();
    Object.assign(server.behaviour, { dropAfter: 400_000, dropTimes: 2 });
    const result = await downloadFile({ url: server.url, dest: file, sha256: sha, env: noProxy });
    expect(server.requests.map((r) => r.headers.range)).toEqual([
      undefined,
      expect.stringMatching(/^bytes=\d+-$/),
      expect.stringMatching(/^bytes=\d+-$/),
    ]);
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(readFileSync(file).equals(body)).toBe(true);
  });

  it('starts over cleanly when the server ignores Range', async () => {
    const file = dest();
    await interruptedDownload(file, 500_000);
    expect(statSync(`${file}.part`).size).toBeGreaterThan(0);
    server.behaviour.ranges = false;
    const result = await downloadFile({ url: server.url, dest: file, sha256: sha, env: noProxy });
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=/);
    expect(result.resumedFrom).toBe(0);
    expect(readFileSync(file).equals(body)).toBe(true);
  });

  it('starts over when the file changed on the server since the interruption (If-Range)', async () => {
    const file = dest();
    await interruptedDownload(file, 500_000);
    server.behaviour.etag = '"v2"';
    const result = await downloadFile({ url: server.url, dest: file, sha256: sha, env: noProxy });
    expect(server.requests[1]!.headers['if-range']).toBe('"v1"');
    expect(result.resumedFrom).toBe(0);
    expect(readFileSync(file).equals(body)).toBe(true);
  });

  it('starts over when a complete part on disk has the wrong bytes', async () => {
    const file = dest();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.part`, randomBytes(body.length));
    writeFileSync(`${file}.part.json`, JSON.stringify({ url: server.url, etag: '"v1"' }));
    await downloadFile({ url: server.url, dest: file, sha256: sha, env: noProxy });
    expect(server.requests.map((r) => r.headers.range)).toEqual([`bytes=${body.length}-`, undefined]);
    expect(readFileSync(file).equals(body)).toBe(true);
  });

  it('refuses a file with the wrong hash and keeps nothing of it', async () => {
    const file = dest();
    const err = await downloadFile({
      url: server.url,
      dest: file,
      sha256: 'c'.repeat(64),
      env: noProxy,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).reason).toBe('wrong-hash');
    expect((err as Error).message).toContain(sha);
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it('goes through the proxy from HTTP_PROXY, and around it for NO_PROXY hosts', async () => {
    const proxy: LoopbackProxy = await startProxy();
    try {
      const file = dest();
      await downloadFile({
        url: server.url,
        dest: file,
        sha256: sha,
        env: { HTTP_PROXY: proxy.url, NO_PROXY: '' },
      });
      expect(readFileSync(file).equals(body)).toBe(true);
      expect(proxy.seen.length).toBe(1);
      expect(proxy.seen[0]).toContain(new URL(server.url).host);
      const bypass = dest();
      await downloadFile({
        url: server.url,
        dest: bypass,
        sha256: sha,
        env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
      });
      expect(proxy.seen.length).toBe(1);
      expect(readFileSync(bypass).equals(body)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('tunnels an HTTPS download through the proxy from HTTPS_PROXY', async () => {
    const secure = await startFileServer(body, { tls: loopbackTls });
    const proxy = await startProxy();
    try {
      const file = dest();
      await downloadFile({
        url: secure.url,
        dest: file,
        sha256: sha,
        env: { HTTPS_PROXY: proxy.url, NO_PROXY: '' },
        ca: loopbackTls.cert,
      });
      expect(readFileSync(file).equals(body)).toBe(true);
      expect(proxy.seen).toEqual([`CONNECT ${new URL(secure.url).host}`]);
      expect(secure.requests).toHaveLength(1);
    } finally {
      await proxy.close();
      await secure.close();
    }
  });

  it('can be cancelled, keeping what arrived for a later resume', async () => {
    const file = dest();
    const controller = new AbortController();
    server.behaviour.stallAfter = 400_000;
    const err = await downloadFile({
      url: server.url,
      dest: file,
      sha256: sha,
      env: noProxy,
      // Cancelled once the bytes sent before the stall are on disk.
      onProgress: (p) => {
        if (p.receivedBytes === 400_000) controller.abort();
      },
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((err as DownloadError).reason).toBe('cancelled');
    expect(existsSync(file)).toBe(false);
    expect(statSync(`${file}.part`).size).toBe(400_000);
  });

  it('gives up on a server that stops sending, saying it timed out', async () => {
    const file = dest();
    server.behaviour.stall = true;
    const err = await downloadFile({
      url: server.url,
      dest: file,
      sha256: sha,
      env: noProxy,
      timeoutMs: 300,
      retries: 0,
    }).catch((e: unknown) => e);
    expect((err as DownloadError).reason).toBe('network');
    expect((err as Error).message).toMatch(/timed out/);
    expect(existsSync(file)).toBe(false);
  });

  it('reports an HTTP error status clearly', async () => {
    const err = await downloadFile({
      url: server.url.replace('/model', '/gone'),
      dest: dest(),
      sha256: sha,
      env: noProxy,
    }).catch((e: unknown) => e);
    expect((err as DownloadError).reason).toBe('http');
    expect((err as Error).message).toMatch(/answered 404/);
  });
});

const bundled = readModelManifest(path.join(repoRoot, 'resources', 'models', 'mobilenet-v2-nsfwjs-b13.json'));
const sharedTflite = path.resolve(repoRoot, '..', 'shared', 'models', 'mobilenet_v2_1.0_224_quant.tflite');

function catalogFor(url: string, sha256: string, bytes: number): CatalogEntry[] {
  return [
    {
      kind: 'download',
      id: 'mobilenet-v2-imagenet',
      name: 'MobileNetV2 (ImageNet), average-pooled',
      license: 'Apache-2.0',
      source: 'test server',
      notes: 'served from 127.0.0.1',
      download: { url, sha256, bytes, format: 'tflite' },
    },
  ];
}

describe('installing a catalog model by downloading it', () => {
  it('refuses a download with the wrong hash and installs nothing', async () => {
    const dir = path.join(tmp.dir, 'models-wrong-hash');
    const registry = new ModelRegistry({
      dir,
      bundled,
      catalog: catalogFor(server.url, 'd'.repeat(64), body.length),
      download: { env: noProxy },
    });
    const err = await registry.install({ catalogId: 'mobilenet-v2-imagenet' }).catch((e: unknown) => e);
    expect((err as DownloadError).reason).toBe('wrong-hash');
    expect(registry.list().map((m) => m.manifest.id)).toEqual(['mobilenet-v2-nsfwjs-b13']);
    expect(readdirSync(dir).filter((f) => f !== '.downloads')).toEqual([]);
    expect(readdirSync(path.join(dir, '.downloads'))).toEqual([]);
  });

  it.skipIf(!existsSync(sharedTflite))(
    'downloads the ImageNet MobileNetV2 from a loopback server, resumes, converts and installs it',
    async () => {
      const tflite = readFileSync(sharedTflite);
      const modelServer = await startFileServer(tflite);
      try {
        modelServer.behaviour.dropAfter = 1_000_000;
        const dir = path.join(tmp.dir, 'models-real');
        const registry = new ModelRegistry({
          dir,
          bundled,
          catalog: catalogFor(modelServer.url, sha256Hex(tflite), tflite.length),
          download: { env: noProxy },
        });
        const events: InstallProgress[] = [];
        const model = await registry.install(
          { catalogId: 'mobilenet-v2-imagenet' },
          { onProgress: (p) => events.push(p) },
        );
        expect(model.manifest.id).toBe('mobilenet-v2-imagenet');
        expect(model.origin).toBe('catalog');
        expect(model.manifest.output.dim).toBe(1280);
        expect(modelServer.requests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
        const phases = [...new Set(events.map((e) => e.phase))];
        expect(phases).toEqual(['downloading', 'verifying', 'converting', 'checking', 'installing', 'done']);
        expect(readdirSync(dir).sort()).toEqual(['.downloads', 'mobilenet-v2-imagenet']);
        expect(readdirSync(path.join(dir, '.downloads'))).toEqual([]);
        // Asking again does not download again.
        const again = await registry.install({ catalogId: 'mobilenet-v2-imagenet' });
        expect(again.manifest.sha256).toBe(model.manifest.sha256);
        expect(modelServer.requests).toHaveLength(2);
      } finally {
        await modelServer.close();
      }
    },
  );

  it('says what to do when the download server cannot be reached', async () => {
    const registry = new ModelRegistry({
      dir: path.join(tmp.dir, 'models-offline'),
      bundled,
      catalog: catalogFor(server.url.replace('/model', '/moved-away'), sha, body.length),
      download: { env: noProxy },
    });
    const err = await registry.install({ catalogId: 'mobilenet-v2-imagenet' }).catch((e: unknown) => e);
    expect((err as DownloadError).reason).toBe('http');
    expect((err as Error).message).toMatch(
      /answered 404 .*HTTPS_PROXY.*add that file: it is recognised by its hash/,
    );
  });

  it('says how to get a model the app does not download', async () => {
    const registry = new ModelRegistry({ dir: path.join(tmp.dir, 'models-clip'), bundled });
    const err = await registry.install({ catalogId: 'clip-vit-b32' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelInstallError);
    expect((err as Error).message).toMatch(/docs\/models\.md/);
  });
});
