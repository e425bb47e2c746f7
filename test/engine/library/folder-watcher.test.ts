import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { repoRoot, runCli } from '../../cli/run-cli.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';
import { embeddingRows, testEngineConfig } from '../../fixtures/test-engine.ts';

/** `lookalike watch` as a real child process, and searches from this (another) process. */
const tmp = makeTempDir('lookalike-watch-');
const photos = path.join(tmp.dir, 'photos');
const spare = path.join(tmp.dir, 'spare');
const library = path.join(tmp.dir, 'library.db');
const engineConfig = testEngineConfig(library);

interface Event {
  type: string;
  folder?: string;
  summary?: { indexed: number; removed: number };
}

let child: ChildProcess;
const events: Event[] = [];
const waiters: Array<() => void> = [];

function waitForEvent(
  pred: (e: Event) => boolean,
  timeoutMs = 20_000,
  since = events.length,
): Promise<Event> {
  return new Promise((resolve, reject) => {
    const started = since;
    const timer = setTimeout(
      () => reject(new Error(`no matching watch event; saw ${JSON.stringify(events.slice(started))}`)),
      timeoutMs,
    );
    const check = (): void => {
      const hit = events.slice(started).find(pred);
      if (hit) {
        clearTimeout(timer);
        resolve(hit);
      } else waiters.push(check);
    };
    check();
  });
}

/** Polls a search from this process until `pred` holds for the library's answer. */
async function eventually(
  pred: (paths: string[]) => boolean,
  query: string,
  timeoutMs = 20_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  while (Date.now() < deadline) {
    const engine = Engine.open(engineConfig);
    try {
      last = (await engine.searchByImage({ imagePath: query, k: 100, collapse: false })).results.map(
        (r) => r.path,
      );
    } finally {
      await engine.close();
    }
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the library never got there; last answer: ${last.join(', ')}`);
}

beforeAll(async () => {
  for (let i = 0; i < 6; i++) await writeScene(path.join(photos, `p${i}.jpg`), 700 + i);
  for (let i = 0; i < 4; i++) await writeScene(path.join(spare, `s${i}.jpg`), 800 + i);
  expect(runCli(['index', photos, '--library', library, '--device', 'cpu']).status).toBe(0);
  // A change made while nothing was watching: found by the start-up check.
  rmSync(path.join(photos, 'p5.jpg'));
  child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'src', 'cli', 'main.ts'),
      'watch',
      '--library',
      library,
      '--device',
      'cpu',
      '--json',
      '--recheck-every',
      '300',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    events.push(JSON.parse(line) as Event);
    for (const w of waiters.splice(0)) w();
  });
  // Watching starts at once; the start-up check of the whole library follows in the background.
  await waitForEvent((e) => e.type === 'ready', 60_000, 0);
  const reconciled = await waitForEvent((e) => e.type === 'reconciled', 60_000, 0);
  expect(reconciled.summary).toMatchObject({ indexed: 0, removed: 1 });
}, 120_000);

afterAll(() => {
  child?.kill('SIGKILL');
  tmp.cleanup();
});

describe('lookalike watch', () => {
  it('indexes a file that arrives slowly, once it is complete', async () => {
    const source = await writeScene(path.join(tmp.dir, 'incoming.jpg'), 900);
    const bytes = readFileSync(source);
    const target = path.join(photos, 'camera', 'IMG_0001.jpg');
    mkdirSync(path.dirname(target), { recursive: true });
    // Written in three parts, like a camera import or a sync tool.
    writeFileSync(target, bytes.subarray(0, 1000));
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(target, bytes.subarray(1000, 3000));
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(target, bytes.subarray(3000));
    const found = await eventually((p) => p[0] === target, source);
    expect(found).not.toContain(path.join(photos, 'p5.jpg'));
    // It was read only when whole: never recorded as damaged.
    expect(
      events.some((e) => JSON.stringify(e).includes('IMG_0001') && JSON.stringify(e).includes('damaged')),
    ).toBe(false);
  });

  it('keeps a renamed photo’s identity: no new embedding, the new path replaces the old', async () => {
    const before = embeddingRows(library);
    const from = path.join(photos, 'p1.jpg');
    const to = path.join(photos, 'renamed', 'p1-holiday.jpg');
    mkdirSync(path.dirname(to), { recursive: true });
    renameSync(from, to);
    const found = await eventually((p) => p[0] === to && !p.includes(from), to);
    expect(found.filter((p) => p.endsWith('p1-holiday.jpg'))).toHaveLength(1);
    expect(embeddingRows(library)).toBe(before);
  });

  it('drops the photos of a deleted subfolder and ignores hidden folders', async () => {
    const query = path.join(photos, 'p0.jpg');
    writeFileSync(path.join(tmp.dir, 'marker'), '');
    await writeScene(path.join(photos, '.cache', 'thumb.jpg'), 700);
    rmSync(path.join(photos, 'renamed'), { recursive: true });
    const answer = await eventually(
      (p) => !p.some((x) => x.includes(`${path.sep}renamed${path.sep}`)),
      query,
    );
    expect(answer.some((p) => p.includes('.cache'))).toBe(false);
  });

  it('keeps the photos of a library folder that goes away, and catches up when it returns', async () => {
    const query = path.join(photos, 'p2.jpg');
    const away = path.join(tmp.dir, 'unplugged');
    renameSync(photos, away);
    await waitForEvent((e) => e.type === 'folder-unavailable' && e.folder === photos);
    const status = JSON.parse(
      runCli(['status', '--library', library, '--device', 'cpu', '--json']).stdout,
    ) as { images: number };
    expect(status.images).toBeGreaterThanOrEqual(5);
    // While away, a photo was added on the drive.
    await writeScene(path.join(away, 'added-while-away.jpg'), 950);
    renameSync(away, photos);
    await waitForEvent((e) => e.type === 'folder-available' && e.folder === photos);
    await eventually((p) => p.includes(path.join(photos, 'added-while-away.jpg')), query);
  });

  it('stops cleanly on SIGTERM, leaving a snapshot that covers everything', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const status = JSON.parse(
      runCli(['status', '--library', library, '--device', 'cpu', '--json']).stdout,
    ) as {
      index: { state: string; pendingChanges: number };
    };
    expect(status.index).toMatchObject({ state: 'snapshot', pendingChanges: 0 });
    const db = new BetterSqlite3(library, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
