import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { LibraryService } from '../../../src/engine/service/library-service.ts';
import type { ModelSwitchEvent } from '../../../src/shared/api-contract.ts';
import { repoRoot, runCli } from '../../cli/run-cli.ts';
import { BUNDLED_ID, SECOND_ID, testModelSource } from '../../fixtures/second-model.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';
import { testEngineConfig } from '../../fixtures/test-engine.ts';

const PHOTOS = 60;
const tmp = makeTempDir('lookalike-switch-restart-');
const photos = path.join(tmp.dir, 'photos');
const library = path.join(tmp.dir, 'library.db');
const config = testEngineConfig(library, { models: testModelSource() });

/** Runs the re-embed in a real child process and kills it (SIGKILL) once `after` photos are done. */
function killReembedAfter(after: number): Promise<{ lastDone: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'test', 'fixtures', 'reembed-child.ts'), library],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    let lastDone = 0;
    let finished = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { done?: number; finished?: boolean };
      if (msg.finished) finished = true;
      lastDone = Math.max(lastDone, msg.done ?? 0);
      if (lastDone >= after) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ lastDone, finished }));
  });
}

function vectorsFor(model: string): number {
  const db = new BetterSqlite3(library, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return (db.prepare('SELECT COUNT(*) AS n FROM embeddings WHERE model_id = ?').get(model) as { n: number })
      .n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  for (let n = 0; n < PHOTOS; n++) {
    await writeScene(path.join(photos, `p${n}.jpg`), 900 + n, 'jpeg', { width: 640, height: 480 });
  }
});
afterAll(() => tmp.cleanup());

describe('a re-embed killed part-way', () => {
  it('is finished by the next process, from where it stopped, and only then swaps', async () => {
    const first = Engine.open(config);
    await first.indexFolders([photos]);
    await first.close();

    const killed = await killReembedAfter(6);
    expect(killed.finished).toBe(false);
    const kept = vectorsFor(SECOND_ID);
    // Everything committed before the kill is kept; the switch is not done.
    expect(kept).toBeGreaterThanOrEqual(6);
    expect(kept).toBeLessThan(PHOTOS);

    const engine = Engine.open(config);
    try {
      // The old model still answers, completely, and the switch is remembered.
      expect(engine.modelSwitch()).toMatchObject({
        model: SECOND_ID,
        phase: 'waiting',
        done: kept,
        total: PHOTOS,
      });
      const before = await engine.searchByImage({
        imagePath: path.join(photos, 'p9.jpg'),
        k: PHOTOS,
        collapse: false,
      });
      expect(before.model).toBe(BUNDLED_ID);
      expect(before.results).toHaveLength(PHOTOS);

      const summary = await engine.continueModelSwitch();
      // Only what was missing was embedded.
      expect(summary).toMatchObject({ complete: true, switched: true, embedded: PHOTOS - kept });
      expect(vectorsFor(SECOND_ID)).toBe(PHOTOS);
      const after = await engine.searchByImage({
        imagePath: path.join(photos, 'p9.jpg'),
        k: PHOTOS,
        collapse: false,
      });
      expect(after.model).toBe(SECOND_ID);
      expect(after.results).toHaveLength(PHOTOS);
      expect(after.results[0]!.path).toBe(path.join(photos, 'p9.jpg'));
    } finally {
      await engine.close();
    }
  }, 240_000);

  it('lookalike models use stops cleanly on Ctrl+C, and running it again goes on from there', async () => {
    // Back to the bundled model, whose vectors are dropped first so that it has to embed again.
    const engine = Engine.open(config);
    await engine.dropModelData(BUNDLED_ID);
    await engine.close();
    const cli = path.join(repoRoot, 'src', 'cli', 'main.ts');
    const args = ['models', 'use', BUNDLED_ID, '--library', library, '--device', 'cpu', '--wait'];
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let interrupted = false;
    for (let waited = 0; waited < 120_000 && child.exitCode === null; waited += 50) {
      if (vectorsFor(BUNDLED_ID) >= 6) {
        child.kill('SIGINT');
        interrupted = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(interrupted).toBe(true);
    expect(await exited).toBe(0);
    const stopped = /Stopped: (\d+) of 60 photos embedded for mobilenet-v2-nsfwjs-b13;/.exec(stdout);
    expect(stopped, stdout).not.toBeNull();
    const done = Number(stopped![1]);
    expect(done).toBeLessThan(PHOTOS);
    expect(vectorsFor(BUNDLED_ID)).toBe(done);

    const again = runCli(args);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Switched to ${BUNDLED_ID}: ${PHOTOS - done} photos embedded`);
  }, 240_000);

  it('a running app (the service behind serve and the desktop app) goes on with a switch left unfinished', async () => {
    const before = Engine.open(config);
    await before.dropModelData(SECOND_ID);
    before.useModel(SECOND_ID);
    await before.close();

    const engine = Engine.open(config);
    const service = new LibraryService(engine, { log: () => undefined });
    const seen: ModelSwitchEvent[] = [];
    service.subscribe('modelSwitch', (e) => seen.push(e));
    try {
      await service.whenIdle();
      expect((await service.status()).model.id).toBe(SECOND_ID);
      expect(vectorsFor(SECOND_ID)).toBe(PHOTOS);
      expect(seen.at(-1)).toEqual({ active: SECOND_ID, reembedding: null });
    } finally {
      await service.close();
      await engine.close();
    }
  }, 240_000);

  it('lookalike watch goes on with a switch left unfinished and reports it', async () => {
    const before = Engine.open(config);
    await before.dropModelData(BUNDLED_ID);
    before.useModel(BUNDLED_ID);
    await before.close();

    const cli = path.join(repoRoot, 'src', 'cli', 'main.ts');
    const child = spawn(process.execPath, [cli, 'watch', '--library', library, '--device', 'cpu', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    const switches: Array<{ active: string; reembedding: { model: string; done: number } | null }> = [];
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the switch did not finish')), 120_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        const event = JSON.parse(line) as { type: string };
        if (event.type !== 'model-switch') return;
        switches.push(event as unknown as (typeof switches)[number]);
        if (switches.at(-1)!.reembedding === null) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(switches[0]).toMatchObject({ active: SECOND_ID, reembedding: { model: BUNDLED_ID } });
    expect(switches.at(-1)).toEqual({
      type: 'model-switch',
      active: BUNDLED_ID,
      reembedding: null,
      at: expect.any(String),
    });
    expect(vectorsFor(BUNDLED_ID)).toBe(PHOTOS);
  }, 240_000);
});
