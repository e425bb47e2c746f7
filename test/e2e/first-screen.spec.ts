import { readFileSync } from 'node:fs';
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

interface SearchExchange {
  request: { k?: number; provisional?: boolean };
  paths: string[];
  impressionId?: number;
}

test.describe('Search: the first screen of results comes first', () => {
  test.skip(problem !== null, `End-to-end tests skipped: ${problem}`);

  let lib: PhotoLibrary;
  let server: RunningServer;

  test.beforeAll(() => {
    // 100 photos: more than a first screen of results.
    lib = makePhotoLibrary(25);
    indexWithCli(lib);
  });

  test.beforeEach(async () => {
    server = await startServe(lib.libraryPath);
  });

  test.afterEach(async () => {
    await server?.stop();
  });

  test.afterAll(() => lib?.cleanup());

  async function impressions(): Promise<number> {
    const res = await server.call('evalClickThrough');
    return ((await res.json()) as { impressions: number }).impressions;
  }

  test('shows the first screen, then the rest below it, logging one impression', async ({ page }) => {
    const exchanges: SearchExchange[] = [];
    page.on('response', (res) => {
      if (!res.url().endsWith('/api/search')) return;
      const request = res.request().postDataJSON() as SearchExchange['request'];
      void res.json().then((body: { results: Array<{ path: string }>; impressionId?: number }) =>
        exchanges.push({
          request,
          paths: body.results.map((r) => r.path),
          ...(body.impressionId !== undefined ? { impressionId: body.impressionId } : {}),
        }),
      );
    });
    // In the order they happen: thumbnails arriving, and the request for the rest of the results.
    const order: string[] = [];
    page.on('requestfinished', (req) => {
      if (req.url().includes('/api/image?')) order.push('thumbnail');
    });
    page.on('request', (req) => {
      if (req.url().endsWith('/api/search') && !(req.postDataJSON() as { provisional?: boolean }).provisional)
        order.push('rest asked');
    });
    const before = await impressions();
    await page.goto(server.url);
    await page.getByLabel('Query image').setInputFiles({
      name: 'query.jpg',
      mimeType: 'image/jpeg',
      buffer: readFileSync(lib.photo(12, 0)),
    });
    await expect.poll(() => exchanges.length).toBe(2);
    // Told apart by what they asked, not by which answer came back first.
    const first = exchanges.find((e) => e.request.provisional === true)!;
    const full = exchanges.find((e) => e.request.provisional !== true)!;
    expect(first).toBeDefined();
    expect(full).toBeDefined();
    const results = page.getByRole('list', { name: 'Results' });
    await expect(results.getByRole('listitem').first()).toHaveAttribute(
      'aria-setsize',
      String(full.paths.length),
    );
    await expect(results.getByRole('listitem').first()).toHaveAccessibleName(/^ukbench00048\.jpg, rank 1,/);
    await expect(page.getByText('Finding more…')).toHaveCount(0);

    expect(first.request).toMatchObject({ k: 60, provisional: true });
    expect(first.paths).toHaveLength(60);
    expect(first.impressionId).toBeUndefined();
    expect(full.request.k).toBe(200);
    expect(full.request.provisional).toBeUndefined();
    // Up to 100 photos (fewer where near-duplicates are grouped): more than the first screen.
    expect(full.paths.length).toBeGreaterThan(60);
    expect(full.paths.length).toBeLessThanOrEqual(100);
    // The first screen is the start of the full answer: nothing shown moves when the rest arrives.
    expect(full.paths.slice(0, 60)).toEqual(first.paths);
    // The rest was asked for once the first screen's pictures had arrived, not while they loaded.
    expect(order.indexOf('rest asked')).toBeGreaterThan(0);
    expect(order.slice(0, order.indexOf('rest asked'))).toContain('thumbnail');
    // The search is logged once, as the full answer it showed.
    expect(full.impressionId).toBeGreaterThan(0);
    expect(await impressions()).toBe(before + 1);
  });

  test('asks once when the page shows no more than a first screen', async ({ page }) => {
    const asked: Array<{ k?: number; provisional?: boolean }> = [];
    page.on('request', (req) => {
      if (req.url().endsWith('/api/search')) asked.push(req.postDataJSON() as (typeof asked)[number]);
    });
    await page.goto(server.url);
    await page.getByLabel('Show up to').selectOption('50');
    await page.getByLabel('Query image').setInputFiles(lib.photo(3, 1));
    const first = page.getByRole('list', { name: 'Results' }).getByRole('listitem').first();
    await expect(first).toHaveAttribute('aria-setsize', '50');
    await expect(first).toHaveAccessibleName(/^ukbench00013\.jpg, rank 1,/);
    expect(asked).toEqual([expect.objectContaining({ k: 50 })]);
    expect(asked[0]!.provisional).toBeUndefined();
  });
});
