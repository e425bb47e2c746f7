import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { makeTempDir } from '../fixtures/synthetic-photos.ts';
import { startServeProcess } from './serve-process.ts';

const tmp = makeTempDir('lookalike-serve-');
afterAll(() => tmp.cleanup());

describe('lookalike serve', () => {
  it('prints its link, answers with the token, and stops cleanly on SIGTERM', async () => {
    const { child, url, token, exited, stderr } = await startServeProcess(path.join(tmp.dir, 'library.db'));
    expect(token.length).toBeGreaterThanOrEqual(43);

    const status = await fetch(`${url.origin}/api/status`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { images: number }).images).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/SIGTERM: stopping/);
  });

  it('refuses a token that is too short to be safe', () => {
    const r = runCli(['serve', '--token', 'short', '--library', path.join(tmp.dir, 'other.db')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--token.*16–256/);
  });
});
