import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { runCli } from '../cli/run-cli.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
/** Real photos shared by the team (see ../shared/data/README.md); never copied into the repository. */
export const ukbenchDir = path.resolve(repoRoot, '..', 'shared', 'data', 'ukbench-dev');
export const chromiumPath = process.env.LOOKALIKE_CHROMIUM ?? '/usr/bin/chromium';
const cliEntry = path.join(repoRoot, 'bin', 'lookalike.cjs');

/**
 * Why a spec cannot run here, or null when it can; said once on the console too, so that a run
 * that skipped everything is not mistaken for one that passed.
 */
export function prerequisiteProblem(specFile: string): string | null {
  const problem = missingPrerequisite();
  if (problem) console.warn(`Skipping the end-to-end tests in ${specFile}: ${problem}`);
  return problem;
}

/** Why the suite cannot run here, or null when it can. */
export function missingPrerequisite(): string | null {
  if (!existsSync(path.join(ukbenchDir, 'manifest.tsv'))) {
    return `the shared UKBench photos are not at ${ukbenchDir}; the end-to-end tests need them`;
  }
  if (!existsSync(path.join(repoRoot, 'resources', 'models', 'mobilenet-v2-nsfwjs-b13.onnx'))) {
    return 'the bundled model is not built: run `npm run build` first';
  }
  if (!existsSync(chromiumPath))
    return `no Chromium at ${chromiumPath} (apt-get install chromium, or set LOOKALIKE_CHROMIUM)`;
  if (
    !existsSync(path.join(repoRoot, 'out', 'renderer', 'index.html')) ||
    !existsSync(path.join(repoRoot, 'out', 'main', 'cli.js'))
  ) {
    return 'the app is not built: run `npm run build` first (npm run test:e2e does)';
  }
  return null;
}

/** UKBench photos of the first `groups` groups (4 per group), as [path, group]. */
export function ukbenchPhotos(groups: number): Array<{ file: string; group: number }> {
  return readFileSync(path.join(ukbenchDir, 'manifest.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .map(([file, group]) => ({ file: path.join(ukbenchDir, file!), group: Number(group) }))
    .filter((p) => p.group < groups);
}

export interface PhotoLibrary {
  dir: string;
  photos: string;
  libraryPath: string;
  /** The copied photo of a UKBench group (0–3 within the group). */
  photo(group: number, index: number): string;
  cleanup(): void;
}

/** A temporary folder with copies of the first `groups` UKBench groups (4 photos each), not yet indexed. */
export function makePhotoLibrary(groups: number): PhotoLibrary {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lookalike-e2e-'));
  const photos = path.join(dir, 'Photos');
  mkdirSync(photos, { recursive: true });
  for (const p of ukbenchPhotos(groups)) copyFileSync(p.file, path.join(photos, path.basename(p.file)));
  return {
    dir,
    photos,
    libraryPath: path.join(dir, 'library.db'),
    photo: (group, index) => path.join(photos, `ukbench${String(group * 4 + index).padStart(5, '0')}.jpg`),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the built `lookalike` command and returns what it printed; throws with its stderr if it fails. */
export function lookalike(args: string[], options: { timeoutMs?: number } = {}): string {
  const r = runCli(args, { entry: cliEntry, ...options });
  if (r.status !== 0) throw new Error(`lookalike ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** Runs `lookalike index` (the built command) so a suite can start from an indexed library. */
export function indexWithCli(library: PhotoLibrary): void {
  lookalike(['index', library.photos, '--library', library.libraryPath, '--device', 'cpu']);
}

export interface RunningServer {
  /** The link it printed, token included. */
  url: string;
  origin: string;
  token: string;
  /** POSTs to /api/<method> with the token, as the page does. */
  call(method: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Starts `lookalike serve` (the built command) as a child process and waits for its link. Its
 * models folder is one beside the library (empty unless a test puts models there), never the
 * developer's own, so what the app offers and lists is the same on every machine.
 */
export async function startServe(
  libraryPath: string,
  options: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [cliEntry, 'serve', '--library', libraryPath, '--device', 'cpu', '--port', '0', ...(options.args ?? [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_NO_WARNINGS: '1',
        LOOKALIKE_MODELS_DIR: path.join(path.dirname(libraryPath), 'models'),
        ...options.env,
      },
    },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lookalike serve did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lookalike serve exited (${code}):\n${output}`));
    });
  });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token')!;
  return {
    url,
    origin: parsed.origin,
    token,
    call: (method, body = {}) =>
      fetch(`${parsed.origin}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Saves a screenshot for docs/ (written there when UPDATE_SCREENSHOTS=1, else under test-results/),
 * as a palette PNG: a fraction of the size, and indistinguishable at a glance.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1'
      ? path.join(repoRoot, 'docs')
      : path.join(repoRoot, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await sharp(await page.screenshot())
    .png({ palette: true, quality: 95, effort: 10 })
    .toFile(path.join(dir, name));
}
