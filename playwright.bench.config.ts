import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

/**
 * Interface benchmarks (not tests): time from dropping a photo to its first results painted, and
 * frame times while scrolling 5,000 results, in Chromium against `lookalike serve` on a
 * 10,000-photo library. Run with `npm run bench:ui` (see BENCHMARKS.md); never part of test:e2e.
 */
export default defineConfig({
  ...base,
  testDir: 'test/bench',
  testMatch: '*.bench.ts',
  timeout: 1_800_000,
  outputDir: 'test-results/bench',
  reporter: 'list',
  // Tracing records the screen continuously: it would compete with what is being measured.
  use: { ...base.use, trace: 'off', screenshot: 'off', video: 'off' },
});
