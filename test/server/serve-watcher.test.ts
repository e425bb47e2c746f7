import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, writeScene } from '../fixtures/synthetic-photos.ts';
import { startServeProcess } from './serve-process.ts';

const tmp = makeTempDir('lookalike-serve-watch-');
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  tmp.cleanup();
});

interface ServerEvent {
  event: string;
  data: { phase?: string; reason?: string; folders?: string[]; lastRun?: { indexed: number } | null };
}

/** Reads the server's event stream in the background, keeping every event. */
function followEvents(origin: string, token: string): { events: ServerEvent[]; stop: () => void } {
  const events: ServerEvent[] = [];
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(`${origin}/api/events?token=${token}`, { signal: abort.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (name && data) events.push({ event: name, data: JSON.parse(data) as ServerEvent['data'] });
      }
    }
  })().catch(() => undefined);
  return { events, stop: () => abort.abort() };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('lookalike serve follows the library folders', () => {
  it('indexes photos dropped in, forgets deleted ones, tells the page, and stops cleanly', async () => {
    const photos = path.join(tmp.dir, 'Photos');
    for (let n = 0; n < 3; n++) await writeScene(path.join(photos, `scene-${n}.jpg`), 500 + n, 'jpeg');
    const serve = await startServeProcess(path.join(tmp.dir, 'library.db'));
    child = serve.child;
    const { url, token, exited } = serve;
    const call = async <T>(method: string, body: unknown = {}): Promise<T> => {
      const res = await fetch(`${url.origin}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, `${method}: ${await res.clone().text()}`).toBe(200);
      return (await res.json()) as T;
    };
    const images = async (): Promise<number> => (await call<{ images: number }>('status')).images;
    const idle = async (): Promise<boolean> =>
      (await call<{ phase: string; queued: number }>('indexingState')).phase === 'idle';
    const searchFor = async (file: string) =>
      call<{ results: Array<{ path: string; score: number }> }>('search', {
        query: { kind: 'library', path: file },
        k: 10,
        collapse: false,
      });

    // The folder is added after the server started: it is watched from then on.
    await call('addFolder', { path: photos });
    await until('the first indexing', async () =>
      (await images()) === 3 && (await idle()) ? true : undefined,
    );
    const { events, stop } = followEvents(url.origin, token);
    await until('the event stream', async () => (events.length > 0 ? true : undefined));

    const dropped = path.join(photos, 'trip', 'new-photo.jpg');
    await writeScene(dropped, 777, 'jpeg');
    await until('the dropped photo', async () => ((await images()) === 4 ? true : undefined));
    const found = await searchFor(dropped);
    expect(found.results[0]).toMatchObject({ path: dropped });
    expect(found.results[0]!.score).toBeGreaterThan(0.999);
    await until('the page to hear of it', async () =>
      events.some((e) => e.event === 'libraryChanged' && e.data.reason === 'indexed') ? true : undefined,
    );
    expect(events.some((e) => e.event === 'indexing' && e.data.phase !== 'idle')).toBe(true);
    expect(
      events.some((e) => e.event === 'indexing' && e.data.phase === 'idle' && e.data.lastRun?.indexed === 1),
    ).toBe(true);

    // A deleted photo leaves the library and the results.
    const gone = path.join(photos, 'scene-1.jpg');
    rmSync(gone);
    await until('the deletion', async () => ((await images()) === 3 ? true : undefined));
    const after = await searchFor(path.join(photos, 'scene-0.jpg'));
    expect(after.results.map((r) => r.path)).not.toContain(gone);
    expect(after.results.map((r) => r.path)).toContain(dropped);
    stop();

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(serve.stderr()).toMatch(/SIGINT: stopping/);
    child = undefined;
  });
});
