import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { expect, test } from '@playwright/test';
import {
  indexWithCli,
  makePhotoLibrary,
  type PhotoLibrary,
  prerequisiteProblem,
  type RunningServer,
  startServe,
} from './serve-fixture.ts';

const problem = prerequisiteProblem(import.meta.filename);

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test.describe('Search after the engine restarted', () => {
  test.skip(problem !== null, `End-to-end tests skipped: ${problem}`);

  let lib: PhotoLibrary;
  let server: RunningServer | undefined;

  test.beforeAll(() => {
    lib = makePhotoLibrary(4);
    indexWithCli(lib);
  });

  test.afterAll(async () => {
    await server?.stop();
    lib?.cleanup();
  });

  test('a dropped photo is sent again when the engine no longer keeps it', async ({ page }) => {
    // The same address and token after the restart, as the desktop app's engine keeps its window.
    const args = ['--port', String(await freePort()), '--token', randomBytes(16).toString('hex')];
    server = await startServe(lib.libraryPath, { args });
    await page.goto(server.url);
    await page.getByLabel('Query image').setInputFiles(lib.photo(2, 1));
    const first = page.getByRole('list', { name: 'Results' }).getByRole('listitem').first();
    await expect(first).toHaveAccessibleName(/^ukbench00009\.jpg, rank 1,/);
    const uploads: string[] = [];
    page.on('request', (req) => {
      if (req.url().endsWith('/api/uploadQuery')) uploads.push(req.url());
    });

    // The engine goes away with the photo it kept in memory, and comes back.
    await server.stop();
    await expect(page.getByText(/Lost the connection/)).toBeVisible();
    server = await startServe(lib.libraryPath, { args });
    await expect(page.getByText(/Lost the connection/)).toHaveCount(0, { timeout: 15_000 });

    // Searching again with the same photo (here: fewer results) works without dropping it again.
    // The search that follows the photo's second upload: only once it answered do the checks
    // below say anything about it.
    const searched = page.waitForResponse((res) => res.url().endsWith('/api/search') && uploads.length === 1);
    await page.getByLabel('Show up to').selectOption('50');
    await expect.poll(() => uploads.length).toBe(1);
    await searched;
    await expect(page.getByText('Finding more…')).toHaveCount(0);
    await expect(first).toHaveAccessibleName(/^ukbench00009\.jpg, rank 1,/);
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(uploads).toHaveLength(1);
  });
});
