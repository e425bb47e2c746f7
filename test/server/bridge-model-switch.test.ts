import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelManifest } from '../../src/engine/embedding/model-manifest.ts';
import { ModelRegistry } from '../../src/engine/embedding/model-registry.ts';
import type { ModelSwitchEvent } from '../../src/shared/api-contract.ts';
import type { LibraryStatus, SearchResponse } from '../../src/shared/library-api.ts';
import { BUNDLED_ID, SECOND_ID, secondModel } from '../fixtures/second-model.ts';
import { type BridgeFixture, repoRoot, startBridgeFixture } from './bridge-fixture.ts';

let f: BridgeFixture;
const events: ModelSwitchEvent[] = [];

beforeAll(async () => {
  f = await startBridgeFixture();
  expect((await f.call('addFolder', { path: f.photos })).status).toBe(200);
  await f.service.whenIdle();
  // The second model, installed into the fixture's models folder as `models add` would.
  const { manifest, modelPath } = secondModel();
  const registry = new ModelRegistry({
    dir: f.modelsDir,
    bundled: readModelManifest(path.join(repoRoot, 'resources', 'models', `${BUNDLED_ID}.json`)),
  });
  const description: Partial<typeof manifest> = { ...manifest };
  delete description.file;
  delete description.sha256;
  await registry.install({ file: modelPath, description });
  f.service.subscribe('modelSwitch', (e) => events.push(e));
}, 120_000);
afterAll(() => f.close());

describe('switching models through the API', () => {
  it('refuses ids that are not model ids, and models that are not installed', async () => {
    const bad = await f.call('useModel', { model: '../../etc/passwd' });
    expect(bad.status).toBe(400);
    const missing = await f.call('useModel', { model: 'not-installed' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /"not-installed" is not installed/,
    );
    const search = await f.call('search', {
      query: { kind: 'library', path: f.scene(1) },
      model: 'not-installed',
    });
    expect(search.status).toBe(400);
  });

  it('re-embeds in the background while searches keep answering, then the new model answers', async () => {
    const started = await f.call('useModel', { model: SECOND_ID });
    expect(started.status).toBe(200);
    expect(await started.json()).toMatchObject({
      active: BUNDLED_ID,
      reembedding: { model: SECOND_ID, total: 12 },
    });

    const answers: SearchResponse[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await f.call('search', {
        query: { kind: 'library', path: f.scene(3) },
        k: 5,
        collapse: false,
      });
      expect(res.status).toBe(200);
      answers.push((await res.json()) as SearchResponse);
    }
    expect(answers.every((a) => a.model === BUNDLED_ID || a.model === SECOND_ID)).toBe(true);
    expect(answers.every((a) => a.results[0]!.path === f.scene(3))).toBe(true);

    await f.service.whenIdle();
    const status = (await (await f.call('status')).json()) as LibraryStatus;
    expect(status.model.id).toBe(SECOND_ID);
    expect(status.reembedding).toBeNull();
    // The windows heard the switch start, progress, and end.
    expect(events[0]).toMatchObject({ active: BUNDLED_ID, reembedding: { model: SECOND_ID } });
    expect(events.at(-1)).toEqual({ active: SECOND_ID, reembedding: null });

    for (const model of [SECOND_ID, BUNDLED_ID]) {
      const res = await f.call('search', { query: { kind: 'library', path: f.scene(3) }, k: 3, model });
      expect(res.status).toBe(200);
      expect(((await res.json()) as SearchResponse).model).toBe(model);
    }
  }, 120_000);

  it('pauses and resumes a switch on request', async () => {
    await f.call('pauseModelSwitch');
    // Switching back needs no embedding (the bundled model's vectors were kept): it is done at once.
    await f.call('useModel', { model: BUNDLED_ID });
    await f.service.whenIdle();
    expect(((await (await f.call('status')).json()) as LibraryStatus).model.id).toBe(BUNDLED_ID);

    // A switch that needs embedding waits while paused.
    await f.engine.dropModelData(SECOND_ID);
    await f.call('useModel', { model: SECOND_ID });
    await new Promise((r) => setTimeout(r, 500));
    const paused = (await (await f.call('status')).json()) as LibraryStatus;
    expect(paused.model.id).toBe(BUNDLED_ID);
    expect(paused.reembedding).toMatchObject({ model: SECOND_ID, phase: 'paused', done: 0, total: 12 });

    const resumed = (await (await f.call('resumeModelSwitch')).json()) as ModelSwitchEvent;
    expect(resumed.reembedding?.phase).not.toBe('paused');
    await f.service.whenIdle();
    expect(((await (await f.call('status')).json()) as LibraryStatus).model.id).toBe(SECOND_ID);
  }, 60_000);
});
