import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { repoRoot, runCli } from '../../cli/run-cli.ts';
import { makeTempDir, seededRandom, writeScene } from '../../fixtures/synthetic-photos.ts';
import { testEngineConfig } from '../../fixtures/test-engine.ts';

/**
 * Kills a real `lookalike index` process at random moments (while it starts, embeds, commits,
 * snapshots) and checks after each kill that the library is intact and truthful, then that a
 * restart finishes the job. Files are also added and deleted between runs.
 */
// LOOKALIKE_CRASH_RUNS raises the count for a longer soak (BENCHMARKS.md records one).
const RUNS = Number(process.env.LOOKALIKE_CRASH_RUNS ?? 12);
const tmp = makeTempDir('lookalike-crash-');
const photos = path.join(tmp.dir, 'photos');
const library = path.join(tmp.dir, 'library.db');
const engineConfig = testEngineConfig(library);

function killIndexAfter(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'src', 'cli', 'main.ts'),
        'index',
        photos,
        '--library',
        library,
        '--device',
        'cpu',
      ],
      { stdio: 'ignore', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function okPathsInDb(): Set<string> {
  const db = new BetterSqlite3(library, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare(`SELECT path FROM images WHERE status = 'ok'`).all() as Array<{ path: string }>;
    return new Set(rows.map((r) => r.path));
  } finally {
    db.close();
  }
}

/** Whether the library is still short of the photos on disk (a run was stopped before its end). */
function isIncomplete(): boolean {
  if (!existsSync(library)) return true;
  const onDisk = new Set(readdirSync(photos).map((f) => path.join(photos, f)));
  const ok = okPathsInDb();
  return ok.size !== onDisk.size || [...onDisk].some((p) => !ok.has(p));
}

/**
 * Whatever the library says is indexed is searchable exactly once, and nothing else is returned;
 * photos deleted from disk are never returned, even before the library has recorded it.
 */
async function expectTruthfulLibrary(deleted: ReadonlySet<string>): Promise<number> {
  if (!existsSync(library)) return 0;
  const ok = okPathsInDb();
  if (ok.size === 0) return 0;
  const engine = Engine.open(engineConfig);
  try {
    const anyPhoto = [...ok].find((p) => !deleted.has(p))!;
    const res = await engine.searchByImage({ imagePath: anyPhoto, k: 1000, collapse: false });
    const returned = res.results.map((r) => r.path);
    expect(new Set(returned).size).toBe(returned.length);
    expect(new Set(returned)).toEqual(new Set([...ok].filter((p) => !deleted.has(p))));
    expect(res.results[0]!.path).toBe(anyPhoto);
  } finally {
    await engine.close();
  }
  return ok.size;
}

beforeAll(async () => {
  for (let i = 0; i < 48; i++) await writeScene(path.join(photos, `p${i}.jpg`), 300 + i);
});
afterAll(() => tmp.cleanup());

describe('crash safety', () => {
  it(
    `survives ${RUNS} kill -9s at random moments without losing or corrupting anything`,
    async () => {
      // Kills are spread over the time a run takes on this machine — a first full run, then runs
      // with little to do — so they land at every stage (start-up, decoding, commits, the
      // snapshot) however fast the machine is.
      const timedRun = (): number => {
        const started = performance.now();
        const r = runCli(['index', photos, '--library', path.join(tmp.dir, 'timing.db'), '--device', 'cpu']);
        expect(r.status).toBe(0);
        return performance.now() - started;
      };
      const fullRunMs = timedRun();
      const updateRunMs = timedRun();
      const rnd = seededRandom(42);
      const deleted = new Set<string>();
      let next = 48;
      let interrupted = 0;
      for (let run = 0; run < RUNS; run++) {
        // Change the folder between runs: one photo removed, one added.
        if (run > 0) {
          const victim = path.join(photos, `p${Math.floor(rnd() * next)}.jpg`);
          if (existsSync(victim)) {
            rmSync(victim);
            deleted.add(victim);
          }
          await writeScene(path.join(photos, `p${next}.jpg`), 300 + next);
          next++;
        }
        await killIndexAfter(100 + Math.floor(rnd() * (run === 0 ? fullRunMs : updateRunMs)));
        await expectTruthfulLibrary(deleted);
        interrupted += isIncomplete() ? 1 : 0;
      }
      // A final run without interruption completes the library.
      const done = runCli(['index', photos, '--library', library, '--device', 'cpu', '--json']);
      expect(done.status).toBe(0);
      const onDisk = next - deleted.size;
      expect(okPathsInDb().size).toBe(onDisk);
      expect(await expectTruthfulLibrary(deleted)).toBe(onDisk);
      // Kills landed part-way through runs, not only after each had finished its work.
      expect(interrupted).toBeGreaterThan(0);
    },
    60_000 + RUNS * 10_000,
  );
});
