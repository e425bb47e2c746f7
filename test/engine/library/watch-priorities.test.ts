import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { FolderWatcher, type WatchEvent } from '../../../src/engine/library/folder-watcher.ts';
import { JobControl } from '../../../src/engine/library/job-control.ts';
import { makeTempDir, seededRandom, writeScene } from '../../fixtures/synthetic-photos.ts';
import { testEngineConfig } from '../../fixtures/test-engine.ts';

describe('JobControl', () => {
  it('waits while paused, resumes, and reports cancellation; a child follows its parent', async () => {
    const parent = new JobControl();
    const child = new JobControl(parent);
    parent.pause();
    let passed = false;
    const waiting = child.checkpoint().then((go) => (passed = go));
    await new Promise((r) => setTimeout(r, 20));
    expect(passed).toBe(false);
    parent.resume();
    expect(await waiting).toBe(true);
    parent.cancel();
    expect(await child.checkpoint()).toBe(false);
  });
});

describe('the watcher’s priorities (real engine, real files)', () => {
  const tmp = makeTempDir('lookalike-priorities-');
  const photos = path.join(tmp.dir, 'photos');
  const events: Array<WatchEvent & { at: number }> = [];
  let engine: Engine;
  let watcher: FolderWatcher;

  beforeAll(async () => {
    for (let i = 0; i < 160; i++)
      await writeScene(path.join(photos, 'old', `o${i}.jpg`), 3000 + i, 'jpeg', { width: 640, height: 480 });
    engine = Engine.open(testEngineConfig(path.join(tmp.dir, 'library.db'), { workload: 'background' }));
    // In the library but never read: the watcher's start-up check has all 160 to back-fill.
    await engine.addFolder(photos);
    watcher = new FolderWatcher(engine, (e) => events.push({ ...e, at: Date.now() }), {
      stableMs: 200,
      batchMs: 50,
    });
  }, 120_000);

  afterAll(async () => {
    await watcher.close();
    await engine.close();
    tmp.cleanup();
  });

  it('indexes a new photo before the back-fill of older ones finishes', async () => {
    await watcher.start();
    await writeScene(path.join(photos, 'new', 'fresh.jpg'), 4000);
    const until = async (pred: () => boolean): Promise<void> => {
      while (!pred()) await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => events.some((e) => e.type === 'reconciled'));
    const fresh = events.findIndex((e) => e.type === 'updated' && e.summary.indexed > 0);
    const reconciled = events.findIndex((e) => e.type === 'reconciled');
    expect(fresh).toBeGreaterThanOrEqual(0);
    expect(fresh).toBeLessThan(reconciled);
    const summary = events[reconciled] as Extract<WatchEvent, { type: 'reconciled' }>;
    // The fresh photo may also be in the back-fill’s list (scanned before it was indexed): it is not decoded twice.
    expect(summary.summary.indexed).toBeGreaterThanOrEqual(160);
  });

  it('indexes every photo of a trickle, however the arrivals line up with the updates', async () => {
    const rnd = seededRandom(9);
    const trickle: string[] = [];
    for (let i = 0; i < 15; i++) {
      trickle.push(await writeScene(path.join(photos, 'trickle', `t${i}.jpg`), 5000 + i));
      await new Promise((r) => setTimeout(r, 50 + rnd() * 400));
    }
    const deadline = Date.now() + 20_000;
    let missing = trickle;
    while (missing.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const res = await engine.searchByImage({ imagePath: trickle[0]!, k: 500, collapse: false });
      const found = new Set(res.results.map((r) => r.path));
      missing = trickle.filter((t) => !found.has(t));
    }
    expect(missing).toEqual([]);
  });

  it('pauses and resumes indexing', async () => {
    watcher.pause();
    const before = events.length;
    await writeScene(path.join(photos, 'new', 'while-paused.jpg'), 4001);
    await new Promise((r) => setTimeout(r, 1500));
    expect(events.slice(before).some((e) => e.type === 'updated' && e.summary.indexed > 0)).toBe(false);
    watcher.resume();
    const deadline = Date.now() + 15_000;
    while (
      !events.slice(before).some((e) => e.type === 'updated' && e.summary.indexed > 0) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await engine.searchByImage({ imagePath: path.join(photos, 'new', 'while-paused.jpg'), k: 1 });
    expect(res.results[0]!.path).toBe(path.join(photos, 'new', 'while-paused.jpg'));
  });
});
