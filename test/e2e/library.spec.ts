import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import {
  makePhotoLibrary,
  type PhotoLibrary,
  prerequisiteProblem,
  type RunningServer,
  saveScreenshot,
  startServe,
} from './serve-fixture.ts';

const problem = prerequisiteProblem(import.meta.filename);

interface ProgressSeen {
  maxDone: number;
  maxTotal: number;
  phases: string[];
}

/** Records every state the progress bar goes through (it can be brief), for checking afterwards. */
async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: ProgressSeen = { maxDone: 0, maxTotal: 0, phases: [] };
    (window as unknown as { progressSeen: ProgressSeen }).progressSeen = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"]');
      const phase = document.querySelector('.indexing-phase')?.textContent;
      if (phase && seen.phases.at(-1) !== phase) seen.phases.push(phase);
      if (!bar) return;
      seen.maxDone = Math.max(seen.maxDone, Number(bar.getAttribute('aria-valuenow') ?? 0));
      seen.maxTotal = Math.max(seen.maxTotal, Number(bar.getAttribute('aria-valuemax') ?? 0));
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

test.describe('Library', () => {
  test.skip(problem !== null, `End-to-end tests skipped: ${problem}`);
  test.describe.configure({ mode: 'serial' });

  let lib: PhotoLibrary;
  let server: RunningServer;
  let other: string;

  test.beforeAll(async () => {
    lib = makePhotoLibrary(10);
    writeFileSync(path.join(lib.photos, 'notes.jpg'), 'this is not a photo');
    other = path.join(lib.dir, 'Other photos');
    mkdirSync(other);
    copyFileSync(lib.photo(0, 0), path.join(other, 'first.jpg'));
    copyFileSync(lib.photo(1, 0), path.join(other, 'second.jpg'));
    server = await startServe(lib.libraryPath);
  });

  test.afterAll(async () => {
    await server?.stop();
    lib?.cleanup();
  });

  test('adds a folder by its path and shows indexing progress until it is done', async ({ page }) => {
    await page.goto(server.url);
    // A new library opens where it can be filled; the token leaves the address bar.
    await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
    await expect(page.getByText('No folders yet')).toBeVisible();
    expect(page.url()).not.toContain('token=');

    await recordProgress(page);
    await page.getByLabel('Folder path').fill(lib.photos);
    await page.getByRole('button', { name: 'Add folder' }).click();

    const folder = page.getByRole('listitem', { name: lib.photos });
    await expect(folder).toBeVisible();
    await expect(page.getByText('Up to date')).toBeVisible({ timeout: 90_000 });
    await expect(page.getByText(/^Last run at .*: 40 indexed · 1 skipped · /)).toBeVisible();
    await expect(folder).toContainText('40 photos · 1 skipped');
    await expect(page.getByText('40 photos in 1 folder · 1 file skipped')).toBeVisible();

    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: ProgressSeen }).progressSeen,
    );
    expect(seen.phases).toContain('Indexing photos…');
    expect(seen.maxTotal).toBe(41);
    expect(seen.maxDone).toBeGreaterThan(0);

    const skipped = page.getByRole('list', { name: 'Skipped files' });
    await expect(skipped).toContainText('notes.jpg');
    await expect(skipped).toContainText('not an image');
    await expect(page.getByText('mobilenet-v2-nsfwjs-b13')).toBeVisible();
    await expect(page.locator('.pill')).toHaveText('cpu');
    await saveScreenshot(page, 'library.png');
  });

  test('explains a path it cannot add', async ({ page }) => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByLabel('Folder path').fill(path.join(lib.dir, 'does-not-exist'));
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect(page.getByRole('alert')).toContainText('There is no folder at');
    await page.getByLabel('Folder path').fill(path.join(lib.photos, 'ukbench00000.jpg'));
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect(page.getByRole('alert')).toContainText('is a file, not a folder');
  });

  test('adds and removes a second folder, after confirmation', async ({ page }) => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByLabel('Folder path').fill(other);
    await page.keyboard.press('Enter');
    const row = page.getByRole('listitem', { name: other });
    await expect(row).toContainText('2 photos', { timeout: 60_000 });
    await expect(page.getByText('42 photos in 2 folders')).toBeVisible();

    await row.getByRole('button', { name: `Remove ${other}` }).click();
    await row
      .getByRole('group', { name: `Remove ${other}?` })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect(row).toBeHidden();
    await expect(page.getByText('40 photos in 1 folder')).toBeVisible();
  });

  test('shows photos added to and deleted from a folder while the page is open', async ({ page }) => {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Library' }).click();
    const folder = page.getByRole('listitem', { name: lib.photos });
    await expect(folder).toContainText('40 photos');
    // Copied in from outside (a camera import), into a new subfolder: picked up without a rescan.
    mkdirSync(path.join(lib.photos, 'Imported'));
    copyFileSync(path.join(other, 'first.jpg'), path.join(lib.photos, 'Imported', 'IMG_0001.jpg'));
    await expect(folder).toContainText('41 photos', { timeout: 30_000 });
    await expect(page.getByText(/^Last run at .*: 1 indexed/)).toBeVisible();
    rmSync(path.join(lib.photos, 'Imported', 'IMG_0001.jpg'));
    await expect(folder).toContainText('40 photos', { timeout: 30_000 });
  });
});
