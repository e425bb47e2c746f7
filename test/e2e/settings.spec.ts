import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { type LoopbackFileServer, startFileServer } from '../fixtures/loopback-file-server.ts';
import {
  indexWithCli,
  makePhotoLibrary,
  type PhotoLibrary,
  prerequisiteProblem,
  repoRoot,
  type RunningServer,
  saveScreenshot,
  startServe,
} from './serve-fixture.ts';

/** UKBench groups (4 photos each) in the models suite's library. */
const PHOTO_GROUPS = 125;
const problem = prerequisiteProblem(import.meta.filename);

/** The ImageNet MobileNetV2 shared with the team (../shared/models/README.md); never copied into the repository. */
const sharedTflite = path.resolve(repoRoot, '..', 'shared', 'models', 'mobilenet_v2_1.0_224_quant.tflite');
const BUNDLED = 'MobileNetV2 (nsfwjs) block 13, average-pooled';
const IMAGENET = 'MobileNetV2 (ImageNet), average-pooled';

interface SearchAnswer {
  status: number;
  model?: string;
  results?: number;
}

/**
 * Opens the app in a fresh browser profile (each test has its own), where the first-run offer
 * shows again, and declines it.
 */
async function openApp(page: Page, server: RunningServer): Promise<void> {
  await page.goto(server.url);
  await page
    .getByRole('region', { name: /Get better matches/ })
    .getByRole('button', { name: 'Not now' })
    .click();
}

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
}

test.describe('Settings: models', () => {
  test.skip(problem !== null, `End-to-end tests skipped: ${problem}`);
  test.describe.configure({ mode: 'serial' });

  let lib: PhotoLibrary;
  let server: RunningServer;
  let modelsDir: string;

  /** A search through the API, as any window would send it (the page's own requests are not awaited). */
  async function searchNow(): Promise<SearchAnswer> {
    const res = await server.call('search', { query: { kind: 'library', path: lib.photo(3, 0) }, k: 10 });
    const body = (await res.json()) as { model?: string; results?: unknown[] };
    return { status: res.status, model: body.model, results: body.results?.length };
  }

  test.beforeAll(async () => {
    // 500 photos: a switch of model takes several seconds to re-embed even on a fast, idle
    // machine, so it can be seen under way and paused.
    lib = makePhotoLibrary(PHOTO_GROUPS);
    indexWithCli(lib);
    modelsDir = path.join(lib.dir, 'models');
    mkdirSync(modelsDir);
    server = await startServe(lib.libraryPath, { env: { LOOKALIKE_MODELS_DIR: modelsDir } });
  });

  test.afterAll(async () => {
    await server?.stop();
    lib?.cleanup();
  });

  test('offers the recommended model on first run, and remembers "Not now"', async ({ page }) => {
    await page.goto(server.url);
    const offer = page.getByRole('region', { name: `Get better matches: ${IMAGENET}` });
    await expect(offer).toBeVisible();
    await expect(offer).toContainText('3.6 MB download');
    await expect(offer.getByRole('button', { name: 'Download (3.6 MB) and use it' })).toBeVisible();

    await offer.getByRole('button', { name: 'Not now' }).click();
    await expect(offer).toBeHidden();
    // Searching keeps working with the bundled model, offline.
    expect(await searchNow()).toMatchObject({ status: 200, model: 'mobilenet-v2-nsfwjs-b13', results: 10 });

    await page.reload();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await openSettings(page);
    await expect(page.getByRole('listitem', { name: BUNDLED })).toBeVisible();
    await expect(page.getByRole('region', { name: /Get better matches/ })).toHaveCount(0);
  });

  test('lists the models with size, licence and the active one; shows where they run', async ({ page }) => {
    await openApp(page, server);
    await openSettings(page);
    const installed = page.getByRole('list', { name: 'Installed models' });
    const bundled = installed.getByRole('listitem', { name: BUNDLED });
    await expect(bundled).toContainText('Active');
    await expect(bundled).toContainText('MIT (weights from nsfwjs@4.4.0');
    await expect(bundled).toContainText('Installed with the app');
    // The bundled model cannot be removed; it is the one in use anyway.
    await expect(bundled.getByRole('button', { name: `Remove ${BUNDLED}` })).toHaveCount(0);

    const more = page.getByRole('list', { name: 'More models' });
    const imagenet = more.getByRole('listitem', { name: IMAGENET });
    await expect(imagenet).toContainText('Recommended');
    await expect(imagenet).toContainText('Caltech-101 P@10 0.85');
    await expect(imagenet.getByRole('button', { name: `Download ${IMAGENET}` })).toContainText('3.6 MB');
    await expect(more.getByRole('listitem', { name: 'CLIP ViT-B/32 image tower' })).toContainText(
      'docs/models.md',
    );

    const runsOn = page.getByRole('region', { name: 'Runs on' });
    await expect(runsOn).toContainText('CPU');
    await expect(runsOn).toContainText('--device cpu');
  });

  test('refuses a bad model file with a readable reason', async ({ page }) => {
    const broken = path.join(lib.dir, 'broken.onnx');
    writeFileSync(broken, 'this is not a model');
    await openApp(page, server);
    await openSettings(page);
    const field = page.getByLabel('Model file path');
    const refusal = page.getByRole('region', { name: 'Add a model from a file' }).getByRole('alert');

    await field.fill(path.join(lib.dir, 'notes.txt'));
    await page.getByRole('button', { name: 'Add model' }).click();
    await expect(refusal).toContainText('a model file ends in .onnx or .tflite');

    await field.fill(path.join(lib.dir, 'missing.onnx'));
    await page.getByRole('button', { name: 'Add model' }).click();
    await expect(refusal).toContainText(
      `Cannot read ${path.join(lib.dir, 'missing.onnx')}: there is no such file`,
    );

    await field.fill(broken);
    await page.getByRole('button', { name: 'Add model' }).click();
    await expect(refusal).toContainText('broken.onnx');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('list', { name: 'Installed models' }).getByRole('listitem')).toHaveCount(1);

    if (existsSync(sharedTflite)) {
      const truncated = path.join(lib.dir, 'truncated.tflite');
      writeFileSync(truncated, readFileSync(sharedTflite).subarray(0, 200_000));
      await field.fill(truncated);
      await page.getByRole('button', { name: 'Add model' }).click();
      await expect(refusal).toContainText('truncated.tflite');
    }
  });

  test('adds the ImageNet MobileNetV2 from a file, switches to it while searches keep answering', async ({
    page,
  }) => {
    test.skip(!existsSync(sharedTflite), `the shared model is not at ${sharedTflite}`);
    await openApp(page, server);
    await openSettings(page);

    await page.getByLabel('Model file path').fill(sharedTflite);
    await page.getByRole('button', { name: 'Add model' }).click();
    const installed = page.getByRole('list', { name: 'Installed models' });
    const imagenet = installed.getByRole('listitem', { name: IMAGENET });
    await expect(imagenet).toBeVisible({ timeout: 60_000 });
    await expect(page.getByLabel('Model file path')).toHaveValue('');
    await expect(
      page.getByRole('region', { name: 'Add a model from a file' }).getByRole('status'),
    ).toContainText(`Added ${IMAGENET}.`);
    await expect(imagenet).toContainText('MB');
    await expect(imagenet).toContainText('Apache-2.0');
    await expect(imagenet).toContainText('1280 dimensions');
    await expect(
      page.getByRole('list', { name: 'More models' }).getByRole('listitem', { name: IMAGENET }),
    ).toHaveCount(0);

    await imagenet.getByRole('button', { name: `Use ${IMAGENET}` }).click();
    const active = page.getByRole('region', { name: 'Active model' });
    const bar = active.getByRole('progressbar', { name: `Embedding for ${IMAGENET}` });
    await expect(bar).toBeVisible();
    await expect(active).toContainText(`Searches use ${BUNDLED} until this finishes`);
    // Some photos in (the picture shows a switch under way), then paused.
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await active.getByRole('button', { name: 'Pause' }).click();
    await expect(active).toContainText('Paused');
    // Wherever one is in the app, the top bar says a switch is under way.
    await expect(
      page.getByRole('banner').getByRole('button', { name: /^Model switch paused at \d+%$/ }),
    ).toBeVisible();
    await expect(bar).toHaveAttribute('aria-valuemax', String(PHOTO_GROUPS * 4));
    const heldAt = Number(await bar.getAttribute('aria-valuenow'));
    expect(heldAt).toBeLessThan(PHOTO_GROUPS * 4);

    // Meanwhile every search answers, with the model whose index is complete.
    for (let i = 0; i < 3; i++) {
      expect(await searchNow()).toMatchObject({ status: 200, model: 'mobilenet-v2-nsfwjs-b13', results: 10 });
    }
    await saveScreenshot(page, 'settings.png');

    await active.getByRole('button', { name: 'Resume' }).click();
    // Searched until the switch is done (at least once, however fast the rest of it goes).
    const searches: SearchAnswer[] = [];
    do searches.push(await searchNow());
    while (await bar.isVisible());
    for (const answer of searches) expect(answer).toMatchObject({ status: 200, results: 10 });

    await expect(active).toContainText(`Searches use ${IMAGENET}.`, { timeout: 60_000 });
    await expect(imagenet).toContainText('Active');
    await expect(installed.getByRole('listitem', { name: BUNDLED })).not.toContainText('Active');
    expect(await searchNow()).toMatchObject({ status: 200, model: 'mobilenet-v2-imagenet', results: 10 });
    // The library's view says so too.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Library' }).click();
    await expect(page.getByRole('region', { name: 'Model and device' })).toContainText(
      'mobilenet-v2-imagenet',
    );
  });

  test('removes a model after confirming, but refuses the active one with the reason', async ({ page }) => {
    test.skip(!existsSync(sharedTflite), `the shared model is not at ${sharedTflite}`);
    await page.goto(server.url);
    await openSettings(page);
    const installed = page.getByRole('list', { name: 'Installed models' });
    const imagenet = installed.getByRole('listitem', { name: IMAGENET });
    // With a better model installed there is nothing to offer (asked once the models are listed).
    await expect(imagenet).toBeVisible();
    await expect(page.getByRole('region', { name: /Get better matches/ })).toHaveCount(0);
    await imagenet.getByRole('button', { name: `Remove ${IMAGENET}` }).click();
    // The question takes the focus (its safe answer), so it can be answered from the keyboard.
    await expect(
      imagenet.getByRole('group', { name: `Remove ${IMAGENET}?` }).getByRole('button', { name: 'Cancel' }),
    ).toBeFocused();
    await imagenet
      .getByRole('group', { name: `Remove ${IMAGENET}?` })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect(page.locator('.settings-error')).toContainText('answering searches');
    await expect(imagenet).toBeVisible();

    // Back to the bundled model (its vectors are still there: the switch is immediate), then remove.
    await installed
      .getByRole('listitem', { name: BUNDLED })
      .getByRole('button', { name: `Use ${BUNDLED}` })
      .click();
    await expect(page.getByRole('region', { name: 'Active model' })).toContainText(
      `Searches use ${BUNDLED}.`,
      {
        timeout: 60_000,
      },
    );
    await imagenet.getByRole('button', { name: `Remove ${IMAGENET}` }).click();
    await imagenet
      .getByRole('group', { name: `Remove ${IMAGENET}?` })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect(imagenet).toHaveCount(0);
    await expect(
      page.getByRole('list', { name: 'More models' }).getByRole('listitem', { name: IMAGENET }),
    ).toBeVisible();
    expect(await searchNow()).toMatchObject({ status: 200, model: 'mobilenet-v2-nsfwjs-b13' });
  });
});

test.describe('Settings: downloading the recommended model', () => {
  test.skip(problem !== null, `End-to-end tests skipped: ${problem}`);
  test.skip(!existsSync(sharedTflite), `the shared model is not at ${sharedTflite}`);
  test.describe.configure({ mode: 'serial' });

  let lib: PhotoLibrary;
  let server: RunningServer;
  let files: LoopbackFileServer;

  test.beforeAll(async () => {
    lib = makePhotoLibrary(3);
    indexWithCli(lib);
    // The catalog's file, from a mirror on this computer instead of its public address.
    files = await startFileServer(readFileSync(sharedTflite), { path: '/mobilenet_v2_1.0_224_quant.tflite' });
    server = await startServe(lib.libraryPath, {
      env: {
        LOOKALIKE_MODELS_DIR: path.join(lib.dir, 'models'),
        LOOKALIKE_MODEL_MIRROR: new URL('/', files.url).href,
      },
    });
  });

  test.afterAll(async () => {
    await server?.stop();
    await files?.close();
    lib?.cleanup();
  });

  test('shows a download with bytes and rate, and cancels it', async ({ page }) => {
    files.behaviour.stallAfter = 1_000_000;
    await openApp(page, server);
    await openSettings(page);
    const imagenet = page
      .getByRole('list', { name: 'More models' })
      .getByRole('listitem', { name: IMAGENET });
    await imagenet.getByRole('button', { name: `Download ${IMAGENET}` }).click();

    const bar = imagenet.getByRole('progressbar', { name: `Download of ${IMAGENET}` });
    await expect(bar).toHaveAttribute('aria-valuemax', '3610798');
    await expect(bar).toHaveAttribute('aria-valuenow', '1000000');
    await expect(imagenet).toContainText('1.0 MB of 3.6 MB (28%)');
    await expect(imagenet.getByRole('button', { name: `Download ${IMAGENET}` })).toBeDisabled();

    await imagenet.getByRole('button', { name: `Cancel the download of ${IMAGENET}` }).click();
    await expect(imagenet).toContainText('Download cancelled. What arrived is kept');
    await expect(bar).toHaveCount(0);
    await expect(imagenet.getByRole('button', { name: `Download ${IMAGENET}` })).toBeEnabled();
  });

  test('accepting the first-run offer resumes the download, installs the model and switches to it', async ({
    page,
  }) => {
    delete files.behaviour.stallAfter;
    await page.goto(server.url);
    const offer = page.getByRole('region', { name: `Get better matches: ${IMAGENET}` });
    await expect(offer).toContainText('Your 12 photos are then embedded again in the background');
    await offer.getByRole('button', { name: 'Download (3.6 MB) and use it' }).click();
    await expect(offer).toBeHidden({ timeout: 60_000 });

    await openSettings(page);
    const installed = page
      .getByRole('list', { name: 'Installed models' })
      .getByRole('listitem', { name: IMAGENET });
    await expect(installed).toContainText('Downloaded');
    await expect(page.getByRole('region', { name: 'Active model' })).toContainText(
      `Searches use ${IMAGENET}.`,
      {
        timeout: 60_000,
      },
    );
    await expect(installed).toContainText('Active');
    // It went on from the megabyte that had arrived before the cancel.
    expect(files.requests.map((r) => r.headers.range ?? 'whole file')).toEqual([
      'whole file',
      'bytes=1000000-',
    ]);
  });
});
