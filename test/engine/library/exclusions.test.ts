import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exclusionMatcher, validateExclusion } from '../../../src/engine/library/exclusion-rules.ts';
import { jsonLines, runCli } from '../../cli/run-cli.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';

describe('exclusion rules', () => {
  const match = exclusionMatcher(
    ['Screenshots', '*.tmp.jpg', '2019/private', '/elsewhere/secret'],
    ['/lib', '/other'],
  );
  it('matches a bare name anywhere, a relative path inside a library folder, and an absolute path', () => {
    expect(match('/lib/Screenshots')).toBe(true);
    expect(match('/other/a/b/Screenshots')).toBe(true);
    expect(match('/lib/x.tmp.jpg')).toBe(true);
    expect(match('/lib/2019/private')).toBe(true);
    expect(match('/lib/2019/private/a.jpg')).toBe(true);
    expect(match('/elsewhere/secret/a.jpg')).toBe(true);
  });
  it('leaves everything else alone', () => {
    expect(match('/lib/Screenshots-2020')).toBe(false);
    expect(match('/lib/x.jpg')).toBe(false);
    expect(match('/lib/2020/private/a.jpg')).toBe(false);
    expect(match('/lib/a/2019/private/a.jpg')).toBe(false);
    expect(exclusionMatcher([], ['/lib'])('/lib/anything')).toBe(false);
  });
  it('refuses patterns that would exclude everything', () => {
    for (const p of ['', ' ', '*', '**', '/']) expect(() => validateExclusion(p)).toThrow(/everything/);
  });
});

describe('exclusions and nested folders in a real library', () => {
  const tmp = makeTempDir('lookalike-exclude-');
  const photos = path.join(tmp.dir, 'photos');
  const library = path.join(tmp.dir, 'library.db');
  const common = ['--library', library, '--device', 'cpu'];
  const paths = (query: string): string[] => {
    const r = runCli(['search', query, '-k', '50', '--no-collapse', '--json', ...common]);
    return (jsonLines(r.stdout)[0] as { results: Array<{ path: string }> }).results.map((x) => x.path);
  };

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) await writeScene(path.join(photos, 'trips', `t${i}.jpg`), 40 + i);
    for (let i = 0; i < 2; i++) await writeScene(path.join(photos, 'Screenshots', `s${i}.jpg`), 50 + i);
  });
  afterAll(() => tmp.cleanup());

  it('indexes a folder inside a library folder once, and a parent added later absorbs it', () => {
    expect(runCli(['index', path.join(photos, 'trips'), ...common]).status).toBe(0);
    const parent = JSON.parse(runCli(['index', photos, ...common, '--json']).stdout) as {
      indexed: number;
      unchanged: number;
    };
    expect(parent).toMatchObject({ indexed: 2, unchanged: 3 });
    const again = JSON.parse(runCli(['index', path.join(photos, 'trips'), ...common, '--json']).stdout) as {
      folders: string[];
      indexed: number;
    };
    expect(again).toMatchObject({ folders: [photos], indexed: 0 });
    const status = JSON.parse(runCli(['status', ...common, '--json']).stdout) as {
      folders: Array<{ path: string; images: number }>;
    };
    expect(status.folders).toEqual([expect.objectContaining({ path: photos, images: 5 })]);
  });

  it('drops excluded photos at the next index and lists the rules', () => {
    const add = runCli(['exclude', 'Screenshots', '--library', library]);
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(/Screenshots/);
    const summary = JSON.parse(runCli(['index', photos, ...common, '--json']).stdout) as { removed: number };
    expect(summary.removed).toBe(2);
    expect(paths(path.join(photos, 'trips', 't0.jpg')).some((p) => p.includes('Screenshots'))).toBe(false);
    expect(runCli(['exclude', 'Screenshots', '--remove', '--library', library]).stdout).toMatch(
      /No exclusions/,
    );
    expect(
      (JSON.parse(runCli(['index', photos, ...common, '--json']).stdout) as { indexed: number }).indexed,
    ).toBe(2);
  });
});
