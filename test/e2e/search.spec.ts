import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import sharp from 'sharp';
import {
  indexWithCli,
  makePhotoLibrary,
  type PhotoLibrary,
  prerequisiteProblem,
  type RunningServer,
  saveScreenshot,
  startServe,
} from './serve-fixture.ts';

const problem = prerequisiteProblem(import.meta.filename);

test.describe('Search', () => {
  test.skip(problem !== null, `End-to-end tests skipped: ${problem}`);
  test.describe.configure({ mode: 'serial' });

  let lib: PhotoLibrary;
  let server: RunningServer;
  let copyQuery: string;
  let collageQuery: string;

  test.beforeAll(async () => {
    lib = makePhotoLibrary(10);
    // A byte-identical copy, so the results show a near-duplicate group.
    mkdirSync(path.join(lib.photos, 'copies'));
    copyFileSync(lib.photo(3, 1), path.join(lib.photos, 'copies', 'ukbench00013 copy.jpg'));
    indexWithCli(lib);

    // Queries live outside the library: a smaller re-encoded copy, and a collage of two photos.
    const queries = path.join(lib.dir, 'queries');
    mkdirSync(queries);
    copyQuery = path.join(queries, 'phone-copy.jpg');
    await sharp(lib.photo(3, 1)).resize(400).jpeg({ quality: 70 }).toFile(copyQuery);
    const half = (file: string): Promise<Buffer> => sharp(file).resize(320, 480, { fit: 'fill' }).toBuffer();
    collageQuery = path.join(queries, 'collage.jpg');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000' } })
      .composite([
        { input: await half(lib.photo(2, 0)), left: 0, top: 0 },
        { input: await half(lib.photo(7, 2)), left: 320, top: 0 },
      ])
      .jpeg({ quality: 90 })
      .toFile(collageQuery);

    server = await startServe(lib.libraryPath);
  });

  test.afterAll(async () => {
    await server?.stop();
    lib?.cleanup();
  });

  const results = (page: Page): Locator => page.getByRole('list', { name: 'Results' });
  const firstResult = (page: Page): Locator => results(page).getByRole('listitem').first();
  const queryTitle = (page: Page): Locator =>
    page.getByRole('complementary', { name: 'Query' }).getByRole('heading');

  async function searchWith(page: Page, file: string): Promise<void> {
    await page.getByLabel('Query image').setInputFiles(file);
    await expect(queryTitle(page)).toHaveText(path.basename(file));
    await expect(firstResult(page)).toBeVisible();
  }

  test('finds the photo an uploaded copy came from, first', async ({ page }) => {
    await page.goto(server.url);
    await expect(page.getByText('Search your photos by example')).toBeVisible();
    await searchWith(page, copyQuery);
    await expect(firstResult(page)).toHaveAccessibleName(/^ukbench00013(?: copy)?\.jpg, rank 1,/);
    // The byte-identical copy is folded under it, and can be shown.
    const group = firstResult(page).getByRole('button', { name: /Show 1 near-duplicates/ });
    await expect(group).toBeVisible();
    await expect(results(page).getByRole('listitem').nth(1)).toHaveAccessibleName(/rank 2/);
    await saveScreenshot(page, 'search.png');
    await group.click();
    await expect(results(page).getByRole('listitem').nth(1)).toHaveAccessibleName(
      /near-duplicate in group 1/,
    );
  });

  test('searches with a crop of the query, and follows the crop as it moves', async ({ page }) => {
    await page.goto(server.url);
    await searchWith(page, collageQuery);
    const crop = page.getByRole('application', { name: 'Crop' });
    const box = (await crop.boundingBox())!;

    // UKBench shows each object in 4 photos (ukbench00008–11 is the left one, 00028–31 the right one).
    const leftObject = /^ukbench000(08|09|10|11)\.jpg,/;
    const rightObject = /^ukbench000(28|29|30|31)\.jpg,/;
    await expect(firstResult(page)).toHaveAccessibleName(leftObject);
    await expect(
      results(page)
        .getByRole('listitem')
        .filter({ hasText: /ukbench000(28|29|30|31)/ })
        .first(),
    ).toBeVisible();

    // Draw a crop over the left half: only the left object's photos lead.
    // (Start just below the rounded corner; the drag may leave the photo: it is held to its edges.)
    await page.mouse.move(box.x + 0.5, box.y + 8);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height + 20, { steps: 5 });
    await page.mouse.up();
    await expect(
      page.getByText(/^Crop: 0% from left, [0-4]% from top, 50% wide, (9[6-9]|100)% high\.$/),
    ).toBeAttached();
    // The header says "Cropped query" once the results shown are the cropped search's.
    await expect(page.getByText(/^Cropped query · \d+ ms/)).toBeVisible();
    await expect(firstResult(page)).toHaveAccessibleName(leftObject);
    for (let i = 0; i < 3; i++) {
      await expect(results(page).getByRole('listitem').nth(i)).not.toHaveAccessibleName(rightObject);
    }
    await page.mouse.move(0, 0);
    await saveScreenshot(page, 'crop.png');

    // Move it over the right half with the keyboard (Ctrl: steps of 10%).
    await crop.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('Control+ArrowRight');
    await expect(page.getByText(/Crop: 50% from left/)).toBeAttached();
    await expect(firstResult(page)).toHaveAccessibleName(rightObject);

    // Shift+arrows resize it; Delete clears it.
    await page.keyboard.press('Shift+ArrowLeft');
    await expect(page.getByText(/Crop: 50% from left, [0-4]% from top, 49% wide/)).toBeAttached();
    await page.keyboard.press('Delete');
    await expect(page.getByText('No crop: searching with the whole photo.')).toBeAttached();
    await expect(page.getByRole('button', { name: 'Clear crop' })).toBeHidden();
  });

  test('finds similar photos to a result, with back and forward', async ({ page }) => {
    await page.goto(server.url);
    await searchWith(page, copyQuery);
    const second = results(page).getByRole('listitem').nth(1);
    const name = /^(ukbench\d{5}(?: copy)?\.jpg)/.exec((await second.getAttribute('aria-label'))!)![1]!;
    await second.getByRole('button', { name: `Find similar to ${name}` }).click();
    await expect(queryTitle(page)).toHaveText(name);
    await expect(firstResult(page)).toHaveAccessibleName(
      new RegExp(`^${name.replace('.', '\\.')}, rank 1, score 1\\.000`),
    );

    await page.getByRole('button', { name: 'Back' }).click();
    await expect(queryTitle(page)).toHaveText('phone-copy.jpg');
    await expect(firstResult(page)).toHaveAccessibleName(/^ukbench00013/);
    await page.getByRole('button', { name: 'Forward' }).click();
    await expect(queryTitle(page)).toHaveText(name);
  });

  test('moves through the results with the keyboard and previews the focused one', async ({ page }) => {
    await page.goto(server.url);
    await searchWith(page, copyQuery);
    const open = (i: number): Locator =>
      results(page)
        .getByRole('listitem')
        .nth(i)
        .getByRole('button', { name: /^Open / });
    await open(0).focus();
    await page.keyboard.press('ArrowRight');
    await expect(open(1)).toBeFocused();
    await page.keyboard.press('ArrowLeft');
    await expect(open(0)).toBeFocused();
    await page.keyboard.press('ArrowDown');
    const focusedPosition = (): Promise<string | null> =>
      page.evaluate(
        () => document.activeElement?.closest('[role="listitem"]')?.getAttribute('aria-posinset') ?? null,
      );
    const columns = Number(await focusedPosition()) - 1;
    expect(columns).toBeGreaterThan(1);
    const total = (await results(page).getByRole('listitem').first().getAttribute('aria-setsize'))!;
    await page.keyboard.press('End');
    await expect.poll(focusedPosition).toBe(total);
    await page.keyboard.press('Home');
    await expect(open(0)).toBeFocused();

    await page.keyboard.press('ArrowRight');
    await expect(open(1)).toBeFocused();
    const name = /^(ukbench\d{5}(?: copy)?\.jpg)/.exec(
      (await results(page).getByRole('listitem').nth(1).getAttribute('aria-label'))!,
    )![1]!;
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Preview of ${name}` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('img', { name })).toBeVisible();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('dialog', { name: `Preview of ${name}` })).toBeHidden();
    await expect(page.getByRole('dialog')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
    await expect(open(2)).toBeFocused();
  });

  test('renders only the rows in view, and the rest as they scroll in', async ({ page }) => {
    await page.goto(server.url);
    await searchWith(page, copyQuery);
    const tiles = results(page).getByRole('listitem');
    const total = Number(await tiles.first().getAttribute('aria-setsize'));
    expect(total).toBeGreaterThan(30);
    expect(await tiles.count()).toBeLessThan(total);
    await expect(results(page).locator(`[aria-posinset="${total}"]`)).toHaveCount(0);
    await page.locator('.results-scroll').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(results(page).locator(`[aria-posinset="${total}"]`)).toBeVisible();
    await expect(results(page).locator('[aria-posinset="1"]')).toHaveCount(0);
  });

  test('refuses to serve a file outside the library', async ({ page }) => {
    const image = (p: string, token: string | null = server.token): string =>
      `${server.origin}/api/image?${new URLSearchParams({ path: p, ...(token ? { token } : {}) })}`;
    expect((await page.request.get(image('/etc/passwd'))).status()).toBe(403);
    expect((await page.request.get(image(`${lib.photos}/../library.db`))).status()).toBe(403);
    expect((await page.request.get(image(lib.photo(1, 1)))).status()).toBe(200);
    expect((await page.request.get(image(lib.photo(1, 1), null))).status()).toBe(401);
  });
});
