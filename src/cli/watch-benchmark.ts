import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine, type EngineConfig } from '../engine/engine.ts';
import { FolderWatcher, type WatchEvent } from '../engine/library/folder-watcher.ts';
import { isImageName } from '../engine/library/folder-scanner.ts';

export interface WatchReport {
  landingMs: { p50: number; p95: number; samples: number };
  burst: { files: number; seconds: number; peakRssMb: number; baselineRssMb: number };
  text: string;
}

const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/**
 * The live library under load, in this process: how long a photo that lands in a watched folder
 * takes to become searchable, and the memory used while `burst` photos arrive at once.
 */
export async function runWatchBenchmark(opts: {
  photosDir: string;
  samples: number;
  burst: number;
  engineConfig: Omit<EngineConfig, 'libraryPath'>;
  log: (line: string) => void;
}): Promise<WatchReport> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lookalike-watchbench-'));
  const watched = path.join(tmp, 'photos');
  const staging = path.join(tmp, 'staging');
  mkdirSync(watched);
  mkdirSync(staging);
  const sources = readdirSync(opts.photosDir)
    .filter(isImageName)
    .map((f) => path.join(opts.photosDir, f));
  const variant = (i: number): Buffer =>
    Buffer.concat([readFileSync(sources[i % sources.length]!), Buffer.from(`#${i}`)]);
  const engine = Engine.open({
    ...opts.engineConfig,
    libraryPath: path.join(tmp, 'library.db'),
    workload: 'background',
  });
  const waiters: Array<(e: WatchEvent) => void> = [];
  const watcher = new FolderWatcher(
    engine,
    (e) => {
      if (process.env.LOOKALIKE_DEBUG) opts.log(JSON.stringify(e).slice(0, 160));
      waiters.splice(0).forEach((w) => w(e));
    },
    { excludeDirs: [staging] },
  );
  try {
    await engine.indexFolders([watched]);
    const reconciled = new Promise<void>((resolve) => {
      const wait = (e: WatchEvent): void => (e.type === 'reconciled' ? resolve() : void waiters.push(wait));
      waiters.push(wait);
    });
    await watcher.start();
    // Measure only once the start-up check is over, so it cannot pick up the test's photos.
    await reconciled;
    const indexedTotal = (() => {
      let n = 0;
      return (e: WatchEvent): number => (e.type === 'updated' ? (n += e.summary.indexed) : n);
    })();
    const nextUpdate = (): Promise<WatchEvent> => new Promise((resolve) => waiters.push(resolve));

    // 1. One photo at a time: landing → searchable.
    const landing: number[] = [];
    for (let i = 0; i < opts.samples; i++) {
      const file = path.join(staging, `single-${i}.jpg`);
      writeFileSync(file, variant(i));
      const t0 = performance.now();
      renameSync(file, path.join(watched, `single-${i}.jpg`));
      for (;;) {
        const e = await nextUpdate();
        if (e.type === 'updated' && e.summary.indexed > 0) break;
      }
      landing.push(performance.now() - t0);
      if (process.env.LOOKALIKE_DEBUG) opts.log(`sample ${i}: ${landing.at(-1)!.toFixed(0)} ms`);
    }
    opts.log(
      `landing → searchable: p50 ${percentile(landing, 0.5).toFixed(0)} ms, p95 ${percentile(landing, 0.95).toFixed(0)} ms`,
    );

    // 2. A burst: many photos arrive at once (moved in from the same disk, like an import).
    for (let i = 0; i < opts.burst; i++)
      writeFileSync(path.join(staging, `burst-${i}.jpg`), variant(100_000 + i));
    global.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const t0 = performance.now();
    for (let i = 0; i < opts.burst; i++)
      renameSync(path.join(staging, `burst-${i}.jpg`), path.join(watched, `burst-${i}.jpg`));
    let seen = 0;
    while (seen < opts.burst) {
      const e = await nextUpdate();
      seen = indexedTotal(e);
      if (e.type === 'updated') opts.log(`  burst: ${seen}/${opts.burst}`);
    }
    clearInterval(sampler);
    const seconds = (performance.now() - t0) / 1000;
    const burst = {
      files: opts.burst,
      seconds,
      peakRssMb: peakRss / 2 ** 20,
      baselineRssMb: baselineRss / 2 ** 20,
    };
    const landingMs = {
      p50: percentile(landing, 0.5),
      p95: percentile(landing, 0.95),
      samples: landing.length,
    };
    const text = [
      `landing → searchable (${landing.length} photos, one at a time): p50 ${landingMs.p50.toFixed(0)} ms, p95 ${landingMs.p95.toFixed(0)} ms`,
      `${opts.burst} photos arriving at once: all searchable after ${seconds.toFixed(1)} s (${(opts.burst / seconds).toFixed(1)} images/s); ` +
        `memory (RSS) ${burst.baselineRssMb.toFixed(0)} MB before, peak ${burst.peakRssMb.toFixed(0)} MB`,
    ].join('\n');
    return { landingMs, burst, text };
  } finally {
    await watcher.close();
    await engine.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
