import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_ID, SECOND_ID, secondModel } from '../fixtures/second-model.ts';
import { makeTempDir, writeScene } from '../fixtures/synthetic-photos.ts';
import { jsonLines, runCli } from './run-cli.ts';

const PHOTOS = 10;
const tmp = makeTempDir('lookalike-models-cli-');
const photos = path.join(tmp.dir, 'photos');
const library = path.join(tmp.dir, 'library.db');
const modelsDir = path.join(tmp.dir, 'models');
const common = ['--library', library, '--models-dir', modelsDir, '--device', 'cpu'];
const query = (): string => path.join(photos, 'p4.jpg');

interface StatusJson {
  model: { id: string };
  images: number;
  reembedding: { model: string; phase: string; done: number; total: number } | null;
}

function status(): StatusJson {
  const r = runCli(['status', ...common, '--json']);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
}

beforeAll(async () => {
  for (let n = 0; n < PHOTOS; n++) await writeScene(path.join(photos, `p${n}.jpg`), 2000 + n);
  expect(runCli(['index', photos, ...common, '--json']).status).toBe(0);
  // The second model is installed the way a person would: its ONNX file and a description.
  const { manifest, modelPath } = secondModel();
  // A description names no file or hash: the installer sets them for the file it is given.
  const description: Partial<typeof manifest> = { ...manifest };
  delete description.file;
  delete description.sha256;
  const descriptionFile = path.join(tmp.dir, 'second.json');
  writeFileSync(descriptionFile, JSON.stringify(description));
  const added = runCli([
    'models',
    'add',
    modelPath,
    '--manifest',
    descriptionFile,
    '--models-dir',
    modelsDir,
  ]);
  expect(added.stderr).not.toMatch(/Error/);
  expect(added.stdout.trim().split('\n').at(-1)).toBe(SECOND_ID);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('lookalike bench quality --model', () => {
  it('measures an installed model by id, and refuses one that is not installed', async () => {
    const set = path.join(tmp.dir, 'set');
    const rows = ['path\tgroup'];
    for (let n = 0; n < 6; n++) {
      for (const size of [320, 200]) {
        const file = `g${n}-${size}.jpg`;
        await writeScene(path.join(set, file), 3000 + n, 'jpeg', { width: size, height: (size * 3) / 4 });
        rows.push(`${file}\tg${n}`);
      }
    }
    writeFileSync(path.join(set, 'manifest.tsv'), rows.join('\n') + '\n');
    const r = runCli([
      'bench',
      'quality',
      set,
      '--model',
      SECOND_ID,
      '--models-dir',
      modelsDir,
      '--device',
      'cpu',
      '--json',
    ]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { images: number; model: { name: string; ns: number } };
    expect(report.images).toBe(12);
    expect(report.model.name).toBe(SECOND_ID);
    // Two sizes of one scene find each other.
    expect(report.model.ns).toBeGreaterThan(1.5);
    const missing = runCli(['bench', 'quality', set, '--model', 'not-installed', '--models-dir', modelsDir]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(
      new RegExp(`"not-installed" is not installed\\. Installed: ${BUNDLED_ID}, ${SECOND_ID}`),
    );
  }, 120_000);
});

describe('lookalike models use / remove', () => {
  it('records a switch without a terminal, and status shows it while the old model answers', () => {
    const r = runCli(['models', 'use', SECOND_ID, ...common]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Switching to ${SECOND_ID}: 0 of ${PHOTOS} photos embedded`));
    expect(status()).toMatchObject({
      model: { id: BUNDLED_ID },
      reembedding: { model: SECOND_ID, phase: 'waiting', done: 0, total: PHOTOS },
    });
    const text = runCli(['status', ...common]);
    expect(text.stdout).toMatch(/switching to .*: 0 of 10 photos embedded, waiting/);
    const search = runCli(['search', query(), ...common, '--json', '-k', '3']);
    expect((jsonLines(search.stdout)[0] as { model: string }).model).toBe(BUNDLED_ID);
    // The new model cannot answer by name until every photo is embedded for it.
    const early = runCli(['search', query(), ...common, '--model', SECOND_ID]);
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(/cannot answer yet: 0 of 10 photos/);
  });

  it('embeds and switches with --wait; searches say which model answered', () => {
    const r = runCli(['models', 'use', SECOND_ID, ...common, '--wait']);
    expect(r.stderr).not.toMatch(/Error|at /);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Switched to ${SECOND_ID}: ${PHOTOS} photos embedded`));
    expect(status()).toMatchObject({ model: { id: SECOND_ID }, reembedding: null });

    const both = [SECOND_ID, BUNDLED_ID].map((model) => {
      const s = runCli(['search', query(), ...common, '--json', '-k', '3', '--model', model]);
      expect(s.status).toBe(0);
      return jsonLines(s.stdout)[0] as { model: string; results: Array<{ path: string; score: number }> };
    });
    expect(both.map((b) => b.model)).toEqual([SECOND_ID, BUNDLED_ID]);
    expect(both.every((b) => b.results[0]!.path === query())).toBe(true);
    // The two models' answers differ (the same photos, other scores).
    expect(both[0]!.results.map((r) => r.score)).not.toEqual(both[1]!.results.map((r) => r.score));
  });

  it('refuses to remove the active model and the bundled one', () => {
    const active = runCli(['models', 'remove', SECOND_ID, ...common]);
    expect(active.status).not.toBe(0);
    expect(active.stderr).toMatch(/answering searches; switch to another model first/);
    const bundled = runCli(['models', 'remove', BUNDLED_ID, ...common]);
    expect(bundled.status).not.toBe(0);
    expect(bundled.stderr).toMatch(/part of the app and cannot be removed/);
  });

  it('switches back without embedding again, then removes the model and its library data', () => {
    const back = runCli(['models', 'use', BUNDLED_ID, ...common, '--wait']);
    expect(back.status).toBe(0);
    expect(back.stdout).toMatch(new RegExp(`Switched to ${BUNDLED_ID}: 0 photos embedded`));

    const removed = runCli(['models', 'remove', SECOND_ID, ...common]);
    expect(removed.stderr).toBe('');
    expect(removed.status).toBe(0);
    expect(removed.stdout).toMatch(
      new RegExp(`Removed ${SECOND_ID}: dropped ${PHOTOS} vectors and its index \\([0-9.]+ MB freed`),
    );
    const gone = runCli(['models', 'use', SECOND_ID, ...common]);
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toMatch(/not installed/);
    expect(status()).toMatchObject({ model: { id: BUNDLED_ID }, images: PHOTOS, reembedding: null });
  });
});
