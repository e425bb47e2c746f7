import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, sceneSvg, writeScene } from '../fixtures/synthetic-photos.ts';
import { embeddingRows } from '../fixtures/test-engine.ts';
import { jsonLines, repoRoot, runCli } from './run-cli.ts';

interface SearchLine {
  query: string;
  results: Array<{ path: string; score: number; rank: number }>;
  tookMs: number;
  model: string;
  device: string;
}

const tmp = makeTempDir('lookalike-cli-');
const photos = path.join(tmp.dir, 'photos');
const queries = path.join(tmp.dir, 'queries');
const library = path.join(tmp.dir, 'library.db');
const scene = (n: number): string => path.join(photos, n < 6 ? 'a' : 'b', `scene-${n}.jpg`);
const common = ['--library', library, '--device', 'cpu'];

function search(args: string[]): { lines: SearchLine[]; status: number | null; stderr: string } {
  const r = runCli(['search', ...args, ...common, '--json']);
  return { lines: jsonLines(r.stdout) as SearchLine[], status: r.status, stderr: r.stderr };
}

beforeAll(async () => {
  for (let n = 0; n < 12; n++) await writeScene(scene(n), 1000 + n, 'jpeg', { width: 640, height: 480 });
  writeFileSync(path.join(photos, 'notes.jpg'), 'this is not a photo');
  writeFileSync(path.join(photos, 'empty.png'), '');
  mkdirSync(queries, { recursive: true });
  // A query that is not in the library: scene 5, smaller and re-encoded.
  await sharp(scene(5)).resize(300).jpeg({ quality: 70 }).toFile(path.join(queries, 'scene-5-small.jpg'));
  // A collage: scene 2 on the left, scene 9 on the right.
  const half = async (n: number): Promise<Buffer> =>
    sharp(Buffer.from(sceneSvg(1000 + n, 640, 480)))
      .resize(320, 480, { fit: 'fill' })
      .png()
      .toBuffer();
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000' } })
    .composite([
      { input: await half(2), left: 0, top: 0 },
      { input: await half(9), left: 320, top: 0 },
    ])
    .jpeg()
    .toFile(path.join(queries, 'collage.jpg'));
});

afterAll(() => tmp.cleanup());

describe('lookalike index', () => {
  it('indexes a folder, skips bad files with reasons, and exits 0', () => {
    const r = runCli(['index', photos, ...common, '--json']);
    expect(r.stderr).not.toMatch(/Error|at /);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      indexed: number;
      skipped: Array<{ path: string; reason: string }>;
    };
    expect(summary.indexed).toBe(12);
    const reasons = Object.fromEntries(summary.skipped.map((s) => [path.basename(s.path), s.reason]));
    expect(reasons['notes.jpg']).toMatch(/not an image/);
    expect(reasons['empty.png']).toMatch(/empty/);
  });

  it('prints a readable summary without --json', () => {
    const r = runCli(['index', photos, ...common]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Indexed 0, unchanged 14/);
    expect(r.stdout).toMatch(/images\/s/);
  });
});

describe('lookalike search', () => {
  it('finds the photo a smaller re-encoded copy came from, in the JSON contract', () => {
    const { lines, status } = search([path.join(queries, 'scene-5-small.jpg'), '-k', '5']);
    expect(status).toBe(0);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.query).toBe(path.join(queries, 'scene-5-small.jpg'));
    expect(line.model).toBe('mobilenet-v2-nsfwjs-b13');
    expect(line.device).toBe('cpu');
    expect(typeof line.tookMs).toBe('number');
    expect(line.results.length).toBeGreaterThan(0);
    expect(line.results.length).toBeLessThanOrEqual(5);
    expect(line.results[0]).toMatchObject({ path: scene(5), rank: 1 });
    const scores = line.results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(line.results.map((r) => r.rank)).toEqual(scores.map((_, i) => i + 1));
  });

  it('answers several queries in one call, one JSON line each', () => {
    const { lines } = search([scene(1), scene(8), '-k', '3', '--no-collapse']);
    expect(lines.map((l) => l.query)).toEqual([scene(1), scene(8)]);
    expect(lines[0]!.results[0]!.path).toBe(scene(1));
    expect(lines[0]!.results[0]!.score).toBeCloseTo(1, 4);
    expect(lines[1]!.results[0]!.path).toBe(scene(8));
  });

  it('searches with a crop: each half of a collage finds its own source photo', () => {
    const collage = path.join(queries, 'collage.jpg');
    const left = search([collage, '--crop', '0,0,0.5,1', '-k', '3']).lines[0]!;
    const right = search([collage, '--crop', '320,0,320,480', '-k', '3']).lines[0]!;
    expect(left.results[0]!.path).toBe(scene(2));
    expect(right.results[0]!.path).toBe(scene(9));
  });

  it('filters by folder', () => {
    const { lines } = search([scene(1), '--folder', path.join(photos, 'b'), '-k', '20']);
    expect(lines[0]!.results.length).toBeGreaterThan(0);
    expect(lines[0]!.results.every((r) => r.path.startsWith(path.join(photos, 'b')))).toBe(true);
  });

  it('gives a clear error and a non-zero exit for a query it cannot read', () => {
    const missing = search([path.join(queries, 'nope.jpg')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/Cannot use .*nope\.jpg.*disappeared|Cannot use .*nope\.jpg/);
    const notImage = search([path.join(photos, 'notes.jpg')]);
    expect(notImage.status).toBe(1);
    expect(notImage.stderr).toMatch(/not an image/);
    const badCrop = runCli(['search', scene(1), '--crop', '1,2,three', ...common]);
    expect(badCrop.status).not.toBe(0);
    expect(badCrop.stderr).toMatch(/crop/i);
  });

  it('still answers the good queries when one of several fails', () => {
    const { lines, status } = search([path.join(queries, 'nope.jpg'), scene(3)]);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.results[0]!.path).toBe(scene(3));
  });
});

describe('re-indexing is incremental', () => {
  it('re-embeds a changed file, drops a deleted one, and embeds byte-identical copies once', async () => {
    const before = embeddingRows(library);
    await writeScene(scene(3), 5003, 'jpeg', { width: 640, height: 480 });
    rmSync(scene(4));
    copyFileSync(scene(6), path.join(photos, 'b', 'scene-6-copy.jpg'));
    const r = runCli(['index', photos, ...common, '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { indexed: number; removed: number; unchanged: number };
    expect(s).toMatchObject({ indexed: 2, removed: 1, unchanged: 12 });
    // scene-3 got new content (its old vector pruned), scene-4's vector left, the copy shares scene-6's.
    expect(embeddingRows(library)).toBe(before - 1);

    const { lines } = search([scene(6), '-k', '20', '--no-collapse']);
    const paths = lines[0]!.results.map((x) => x.path);
    expect(paths).not.toContain(scene(4));
    expect(paths.slice(0, 2).sort()).toEqual([scene(6), path.join(photos, 'b', 'scene-6-copy.jpg')].sort());
    const changed = search([scene(3), '-k', '1']).lines[0]!;
    expect(changed.results[0]).toMatchObject({ path: scene(3) });
    expect(changed.results[0]!.score).toBeCloseTo(1, 4);
  });

  it('collapses byte-identical copies into one result with the copy listed', () => {
    const r = runCli(['search', scene(6), '-k', '3', ...common, '--json']);
    const line = jsonLines(r.stdout)[0] as {
      results: Array<{ path: string; duplicates?: Array<{ path: string }> }>;
    };
    const lead = line.results[0]!;
    const group = [lead.path, ...(lead.duplicates ?? []).map((d) => d.path)];
    expect(group).toContain(scene(6));
    expect(group).toContain(path.join(photos, 'b', 'scene-6-copy.jpg'));
  });
});

describe('lookalike status', () => {
  it('reports counts, model, provider and index health', () => {
    const r = runCli(['status', ...common, '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as {
      images: number;
      skipped: number;
      model: { id: string; dim: number };
      device: { provider: string };
      index: { state: string; vectors: number };
      folders: Array<{ path: string; images: number }>;
    };
    expect(s.images).toBe(12);
    expect(s.skipped).toBe(2);
    expect(s.model).toEqual({ id: 'mobilenet-v2-nsfwjs-b13', dim: 576 });
    expect(s.device.provider).toBe('cpu');
    expect(s.index.vectors).toBe(12);
    expect(s.index.state).toBe('snapshot');
    expect(s.folders).toEqual([{ path: photos, images: 12, skipped: 2 }]);
    const text = runCli(['status', ...common]);
    expect(text.stdout).toMatch(/Device:\s+cpu/);
  });

  it('refuses an unknown execution provider with a clear message', () => {
    const r = runCli(['status', '--library', library, '--device', 'warp-drive']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/No execution provider could run the model for device "warp-drive"/);
  });
});

describe.skipIf(!existsSync(path.join(repoRoot, 'out', 'main', 'cli.js')))('the installed command', () => {
  it('bin/lookalike.cjs runs the built CLI', () => {
    const r = runCli(['status', ...common, '--json'], { entry: path.join(repoRoot, 'bin', 'lookalike.cjs') });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { images: number }).images).toBe(12);
  });
});
