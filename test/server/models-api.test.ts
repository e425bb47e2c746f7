import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelManifest } from '../../src/engine/embedding/model-manifest.ts';
import { ModelRegistry } from '../../src/engine/embedding/model-registry.ts';
import { Engine } from '../../src/engine/engine.ts';
import { LibraryService } from '../../src/engine/service/library-service.ts';
import type { ModelInfo, ModelInstallEvent } from '../../src/shared/model-api.ts';
import { testEngineConfig } from '../fixtures/test-engine.ts';
import { tinyOnnxModel } from '../fixtures/tiny-onnx-model.ts';
import { type BridgeFixture, startBridgeFixture } from './bridge-fixture.ts';

let f: BridgeFixture;
const tiny = tinyOnnxModel({ dim: 12 });
let onnxFile: string;
let manifestFile: string;

beforeAll(async () => {
  f = await startBridgeFixture();
  onnxFile = path.join(f.dir, 'tiny.onnx');
  manifestFile = path.join(f.dir, 'tiny.json');
  writeFileSync(onnxFile, tiny.bytes);
  writeFileSync(manifestFile, JSON.stringify(tiny.description));
});
afterAll(async () => {
  await f?.close();
});

async function ok<T>(method: string, body: unknown): Promise<T> {
  const res = await f.call(method, body);
  const json = (await res.json()) as unknown;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json as T;
}

async function refused(method: string, body: unknown, status: number): Promise<string> {
  const res = await f.call(method, body);
  expect(res.status).toBe(status);
  return ((await res.json()) as { error: { message: string } }).error.message;
}

/** Collects `modelInstall` Server-Sent Events until one says done or failed. */
async function installEvents(res: Response): Promise<ModelInstallEvent[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: ModelInstallEvent[] = [];
  let buffer = '';
  try {
    while (!events.some((e) => e.phase === 'done' || e.phase === 'failed')) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: modelInstall$/m.test(block) && data) events.push(JSON.parse(data) as ModelInstallEvent);
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

describe('models through the API', () => {
  it('lists the bundled model as active and the catalog’s recommended model as available', async () => {
    const models = await ok<ModelInfo[]>('models', {});
    expect(models[0]).toMatchObject({ id: 'mobilenet-v2-nsfwjs-b13', status: 'installed', active: true });
    expect(models.find((m) => m.recommended)).toMatchObject({
      id: 'mobilenet-v2-imagenet',
      status: 'available',
      install: 'download',
      bytes: 3_610_798,
    });
  });

  it('installs an ONNX file with its manifest, with progress events', async () => {
    const stream = await f.get('/api/events');
    const events = installEvents(stream);
    const model = await ok<ModelInfo>('installModel', { path: onnxFile, manifestPath: manifestFile });
    expect(model).toMatchObject({
      id: 'tiny-model',
      status: 'installed',
      origin: 'file',
      dim: 12,
      active: false,
    });
    expect((await events).map((e) => e.phase)).toEqual(['verifying', 'checking', 'installing', 'done']);
    expect((await ok<ModelInfo[]>('models', {})).map((m) => m.id)).toContain('tiny-model');
    expect(readdirSync(f.modelsDir)).toContain('tiny-model');
  });

  it('refuses a wrong model with the reason, and a failed event', async () => {
    const wrong = path.join(f.dir, 'wrong.json');
    writeFileSync(
      wrong,
      JSON.stringify({ ...tiny.description, id: 'wrong', output: { name: 'embedding', dim: 99 } }),
    );
    const stream = await f.get('/api/events');
    const events = installEvents(stream);
    const message = await refused('installModel', { path: onnxFile, manifestPath: wrong }, 400);
    expect(message).toMatch(/gives 12 numbers per picture .*output\.dim is 99/);
    expect((await events).at(-1)).toMatchObject({ phase: 'failed', request: onnxFile });
    expect(existsSync(path.join(f.modelsDir, 'wrong'))).toBe(false);
  });

  it('validates install requests at the boundary', async () => {
    expect(await refused('installModel', {}, 400)).toBeTruthy();
    expect(await refused('installModel', { path: '/tmp/notes.txt' }, 400)).toMatch(/\.onnx or \.tflite/);
    expect(await refused('installModel', { path: 'relative/model.onnx' }, 400)).toMatch(/full path/);
    expect(await refused('installModel', { catalogId: 'Not An Id' }, 400)).toBeTruthy();
    expect(await refused('installModel', { path: onnxFile, manifestPath: '/etc/passwd' }, 400)).toMatch(
      /a manifest file ends in \.json/,
    );
    const secret = path.join(f.dir, 'secret.json');
    writeFileSync(secret, 'password=hunter2');
    const garbled = await refused('installModel', { path: onnxFile, manifestPath: secret }, 400);
    expect(garbled).toMatch(/is not valid JSON/);
    expect(garbled).not.toContain('hunter2');
    expect(
      await refused(
        'installModel',
        { path: path.join(f.dir, 'missing.onnx'), manifestPath: manifestFile },
        404,
      ),
    ).toMatch(/Cannot read/);
  });

  it('lists the models for a library whose model is not installed in the engine’s models folder', async () => {
    await ok('useModel', { model: 'tiny-model' });
    const config = testEngineConfig(f.libraryPath);
    const engine = Engine.open({
      ...config,
      models: new ModelRegistry({
        dir: path.join(f.dir, 'other-models'),
        bundled: readModelManifest(config.modelManifestPath),
      }),
    });
    const service = new LibraryService(engine, { log: () => {} });
    try {
      const models = await service.models();
      expect(models[0]).toMatchObject({ id: 'mobilenet-v2-nsfwjs-b13', status: 'installed', active: false });
      expect(models.filter((m) => m.active)).toEqual([]);
    } finally {
      await service.close();
      await engine.close();
      await ok('useModel', { model: 'mobilenet-v2-nsfwjs-b13' });
    }
  });

  it('removes a model, but never the bundled one or the one in use', async () => {
    expect(await refused('removeModel', { id: 'mobilenet-v2-nsfwjs-b13' }, 409)).toMatch(/bundled/);
    // The library has no photos, so the switch completes at once.
    await ok('useModel', { model: 'tiny-model' });
    expect((await ok<ModelInfo[]>('models', {})).find((m) => m.active)?.id).toBe('tiny-model');
    expect(await refused('removeModel', { id: 'tiny-model' }, 400)).toMatch(/answering searches/);
    await ok('useModel', { model: 'mobilenet-v2-nsfwjs-b13' });
    const removed = await ok<{ id: string; removed: boolean }>('removeModel', { id: 'tiny-model' });
    expect(removed).toMatchObject({ id: 'tiny-model', removed: true });
    expect((await ok<ModelInfo[]>('models', {})).map((m) => m.id)).not.toContain('tiny-model');
    expect(await refused('removeModel', { id: 'tiny-model' }, 404)).toMatch(/No model "tiny-model"/);
  });
});
