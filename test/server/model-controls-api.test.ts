import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSwitchEvent } from '../../src/shared/api-contract.ts';
import type { ModelInfo, ModelInstallEvent } from '../../src/shared/model-api.ts';
import { type LoopbackFileServer, startFileServer } from '../fixtures/loopback-file-server.ts';
import { writeScene } from '../fixtures/synthetic-photos.ts';
import { tinyOnnxModel } from '../fixtures/tiny-onnx-model.ts';
import { type BridgeFixture, startBridgeFixture } from './bridge-fixture.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const sharedTflite = path.resolve(repoRoot, '..', 'shared', 'models', 'mobilenet_v2_1.0_224_quant.tflite');
const SHARED_SHA256 = '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776';

/** Reads the Server-Sent Events stream, calling `seen` with each event until it returns true. */
async function untilEvent(res: Response, seen: (event: string, data: unknown) => boolean): Promise<void> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data && seen(event, JSON.parse(data))) return;
      }
    }
  } finally {
    await reader.cancel();
  }
}

let f: BridgeFixture;
let fileServer: LoopbackFileServer | undefined;

async function ok<T>(method: string, body: unknown = {}): Promise<T> {
  const res = await f.call(method, body);
  const json = (await res.json()) as unknown;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json as T;
}

beforeAll(async () => {
  const tflite = existsSync(sharedTflite) ? readFileSync(sharedTflite) : Buffer.from('unused');
  fileServer = await startFileServer(tflite);
  f = await startBridgeFixture({
    registry: {
      catalog: [
        {
          kind: 'download',
          id: 'mobilenet-v2-imagenet',
          name: 'MobileNetV2 (ImageNet), average-pooled',
          recommended: true,
          license: 'Apache-2.0',
          source: 'a loopback test server',
          notes: 'served from 127.0.0.1',
          download: { url: fileServer.url, sha256: SHARED_SHA256, bytes: tflite.length, format: 'tflite' },
        },
      ],
      // No proxy from the environment: the server is on this computer.
      download: { env: {}, timeoutMs: 5_000 },
    },
  });
});
afterAll(async () => {
  await f?.close();
  await fileServer?.close();
});

describe('cancelling a model download through the API', () => {
  it('says when there is nothing to cancel', async () => {
    expect(await ok('cancelModelInstall', { request: 'mobilenet-v2-imagenet' })).toEqual({
      cancelled: false,
    });
    expect(await ok('cancelModelInstall', { request: '/no/such/model.onnx' })).toEqual({ cancelled: false });
    const res = await f.call('cancelModelInstall', { request: '' });
    expect(res.status).toBe(400);
  });

  it.skipIf(!existsSync(sharedTflite))(
    'stops a download mid-way, installs nothing, and the next install resumes from what arrived',
    async () => {
      fileServer!.behaviour.stallAfter = 1_000_000;
      const stream = await f.get('/api/events');
      const started = untilEvent(
        stream,
        (event, data) =>
          event === 'modelInstall' && ((data as ModelInstallEvent).receivedBytes ?? 0) >= 1_000_000,
      );
      const install = f.call('installModel', { catalogId: 'mobilenet-v2-imagenet' });
      await started;

      expect(await ok('cancelModelInstall', { request: 'mobilenet-v2-imagenet' })).toEqual({
        cancelled: true,
      });
      const refused = await install;
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/cancelled/);
      expect(readdirSync(f.modelsDir).filter((n) => !n.startsWith('.'))).toEqual([]);
      expect((await ok<ModelInfo[]>('models')).find((m) => m.id === 'mobilenet-v2-imagenet')?.status).toBe(
        'available',
      );

      delete fileServer!.behaviour.stallAfter;
      const model = await ok<ModelInfo>('installModel', { catalogId: 'mobilenet-v2-imagenet' });
      expect(model).toMatchObject({ id: 'mobilenet-v2-imagenet', status: 'installed', dim: 1280 });
      // It went on from the bytes kept on disk.
      expect(fileServer!.requests.map((r) => r.headers.range ?? 'whole file')).toEqual([
        'whole file',
        'bytes=1000000-',
      ]);
    },
  );
});

describe('pausing and resuming a model switch through the API', () => {
  it('holds the re-embed while paused, and finishes it after resume', async () => {
    // Enough photos that the switch is still running when the pause arrives.
    for (let n = 0; n < 60; n++)
      await writeScene(path.join(f.photos, 'c', `more-${n}.jpg`), 5000 + n, 'jpeg');
    await ok('addFolder', { path: f.photos });
    await f.service.whenIdle();
    const tiny = tinyOnnxModel({ dim: 12, seed: 7 });
    writeFileSync(path.join(f.dir, 'tiny.onnx'), tiny.bytes);
    writeFileSync(path.join(f.dir, 'tiny.json'), JSON.stringify(tiny.description));
    const { id } = await ok<ModelInfo>('installModel', {
      path: path.join(f.dir, 'tiny.onnx'),
      manifestPath: path.join(f.dir, 'tiny.json'),
    });

    const started = await ok<ModelSwitchEvent>('useModel', { model: id });
    expect(started.active).toBe('mobilenet-v2-nsfwjs-b13');
    const paused = await ok<ModelSwitchEvent>('pauseModelSwitch');
    expect(paused.reembedding).toMatchObject({ model: id, phase: 'paused', total: 72 });
    const heldAt = paused.reembedding!.done;
    expect(heldAt).toBeLessThan(72);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const status = await ok<{ reembedding: ModelSwitchEvent['reembedding']; model: { id: string } }>(
      'status',
    );
    expect(status.model.id).toBe('mobilenet-v2-nsfwjs-b13');
    // A batch that was in flight may land; nothing after it.
    const stillHeld = status.reembedding!.done;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await ok<{ reembedding: ModelSwitchEvent['reembedding'] }>('status')).reembedding!.done).toBe(
      stillHeld,
    );

    const stream = await f.get('/api/events');
    const finished = untilEvent(
      stream,
      (event, data) => event === 'modelSwitch' && (data as ModelSwitchEvent).active === id,
    );
    const resumed = await ok<ModelSwitchEvent>('resumeModelSwitch');
    expect(resumed.reembedding?.phase ?? 'done').not.toBe('paused');
    await finished;
    expect((await ok<ModelInfo[]>('models')).find((m) => m.active)?.id).toBe(id);
  });
});
