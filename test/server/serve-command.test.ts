import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { makeTempDir } from '../fixtures/synthetic-photos.ts';
import { repoRoot } from './bridge-fixture.ts';

const tmp = makeTempDir('lookalike-serve-');
afterAll(() => tmp.cleanup());

describe('lookalike serve', () => {
  it('prints its link, answers with the token, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'src', 'cli', 'main.ts'),
        'serve',
        '--library',
        path.join(tmp.dir, 'library.db'),
        '--device',
        'cpu',
      ],
      { cwd: repoRoot, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<URL>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout);
        if (m) resolve(new URL(m[1]!));
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect(url.searchParams.get('token')!.length).toBeGreaterThanOrEqual(43);

    const status = await fetch(`${url.origin}/api/status`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${url.searchParams.get('token')}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { images: number }).images).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: stopping/);
  });

  it('refuses a token that is too short to be safe', () => {
    const r = runCli(['serve', '--token', 'short', '--library', path.join(tmp.dir, 'other.db')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--token.*16–256/);
  });
});
