import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run-cli.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';

/** A real full disk: the library lives on a tiny tmpfs (needs root to mount; skipped otherwise). */
const tmp = makeTempDir('lookalike-full-');
const photos = path.join(tmp.dir, 'photos');
const disk = path.join(tmp.dir, 'disk');
const library = path.join(disk, 'library.db');

function tryMount(sizeKb: number): boolean {
  try {
    mkdirSync(disk, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', disk], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canMount = process.getuid?.() === 0 && tryMount(400);

beforeAll(async () => {
  for (let i = 0; i < 150; i++)
    await writeScene(path.join(photos, `p${i}.jpg`), 2000 + i, 'jpeg', { width: 96, height: 72 });
}, 120_000);

afterAll(() => {
  if (canMount) execFileSync('umount', [disk], { stdio: 'ignore' });
  tmp.cleanup();
});

describe.skipIf(!canMount)('a disk that fills up', () => {
  it('stops with a clear message, keeps what was saved, and finishes once there is room', () => {
    const full = runCli(['index', photos, '--library', library, '--device', 'cpu']);
    expect(full.status).not.toBe(0);
    expect(full.stderr).toMatch(/disk is full/);
    expect(full.stderr).not.toMatch(/\n\s+at /);

    const db = new BetterSqlite3(library, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const saved = (db.prepare(`SELECT COUNT(*) AS n FROM images WHERE status = 'ok'`).get() as { n: number })
      .n;
    db.close();
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThan(150);

    execFileSync('mount', ['-o', 'remount,size=20m', disk]);
    const again = runCli(['index', photos, '--library', library, '--device', 'cpu', '--json']);
    expect(again.status).toBe(0);
    const summary = JSON.parse(again.stdout) as { indexed: number; unchanged: number };
    expect(summary.unchanged).toBe(saved);
    expect(summary.indexed).toBe(150 - saved);
  });
});
