import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Embedder } from '../../../src/engine/embedding/embedder.ts';
import { type ImageSkip, type SkipCode, toImageSkip } from '../../../src/engine/imaging/skip-reason.ts';
import { isImageName, type ScanResult, scanFolder } from '../../../src/engine/library/folder-scanner.ts';
import { ingest, MAX_FILE_BYTES } from '../../../src/engine/library/ingest-pipeline.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';

let tmp: { dir: string; cleanup: () => void };
let jpeg: Buffer;

beforeAll(async () => {
  tmp = makeTempDir('lookalike-scan-');
  jpeg = readFileSync(
    await writeScene(path.join(tmp.dir, 'source.jpg'), 9, 'jpeg', { width: 64, height: 48 }),
  );
});
afterAll(() => tmp.cleanup());

/** A fresh folder for one test. */
function folder(name: string): string {
  const dir = path.join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes a real JPEG (or other bytes) at root/relative, creating folders on the way. */
function put(root: string, relative: string, bytes: Buffer = jpeg): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

/** A path from raw bytes, for names that are not valid UTF-8. */
function rawPath(dir: string, ...parts: Array<string | number[]>): Buffer {
  return Buffer.concat([
    Buffer.from(`${dir}/`),
    ...parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))),
  ]);
}

const listed = (root: string, result: ScanResult): string[] =>
  result.files.map((f) => path.relative(root, f.path));

const problemsOf = (
  root: string,
  result: ScanResult,
): Array<{ path: string; code: SkipCode; message: string }> =>
  result.problems.map((p) => ({
    path: path.relative(root, p.path),
    code: p.skip.code,
    message: p.skip.message,
  }));

describe('isImageName', () => {
  it('goes by extension, in any case', () => {
    for (const name of [
      'a.jpg',
      'B.JPG',
      'c.Jpeg',
      'd.png',
      'e.WEBP',
      'f.avif',
      'g.HEIC',
      'h.heif',
      'i.gif',
      'j.tif',
      'k.TIFF',
      'l.jpe',
      'm.jfif',
    ]) {
      expect(isImageName(name), name).toBe(true);
    }
    for (const name of [
      'a.txt',
      'a.jpg.xmp',
      'a.mov',
      'a.mp4',
      'README',
      'jpg',
      '.jpg',
      'a.jpg~',
      'a.svg',
      'a.pdf',
    ]) {
      expect(isImageName(name), name).toBe(false);
    }
  });
});

describe('scanFolder: what is listed', () => {
  it('finds images recursively by extension and leaves out everything else', async () => {
    const root = folder('kinds');
    const images = [
      'a.jpg',
      'B.JPG',
      'c.Jpeg',
      'd.png',
      'e.webp',
      'f.avif',
      'g.heic',
      'h.HEIF',
      'i.gif',
      'j.tif',
      'k.tiff',
      'l.jpe',
      'm.jfif',
      'sub/deeper/n.jpg',
      'sub/o p (copy).jpg',
      'ünïcødé/フォト.jpg',
      // A folder whose name looks like an image is still a folder.
      'folder.jpg/s.png',
    ];
    for (const name of images) put(root, name);
    for (const name of [
      'notes.txt',
      'a.jpg.xmp',
      'clip.mov',
      'README',
      'jpg',
      '.hidden.jpg',
      '.cache/thumb.jpg',
      '.cache/deep/thumb.jpg',
      'node_modules/pkg/icon.png',
      'sub/node_modules/icon.png',
      '@eaDir/a.jpg/SYNOPHOTO_THUMB_M.jpg',
    ]) {
      put(root, name, Buffer.from('not a photo'));
    }

    const result = await scanFolder(root);
    expect(listed(root, result)).toEqual([...images].sort());
    expect(result.problems).toEqual([]);
    for (const file of result.files) {
      expect(file.size).toBe(jpeg.length);
      expect(file.mtimeMs).toBe(Math.floor(statSync(file.path).mtimeMs));
    }
  });

  it('returns paths sorted, and nothing for an empty folder', async () => {
    const root = folder('sorted');
    for (const name of ['z.jpg', 'a/b.jpg', 'A.jpg', 'm.png']) put(root, name);
    const paths = (await scanFolder(root)).files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(await scanFolder(folder('empty'))).toEqual({ files: [], problems: [] });
  });

  it('reports a root that does not exist instead of throwing', async () => {
    const missing = path.join(tmp.dir, 'no-such-folder');
    const result = await scanFolder(missing);
    expect(result.files).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.path).toBe(missing);
    expect(result.problems[0]!.skip.code).toBe('vanished');
    expect(result.problems[0]!.skip.message).toMatch(/folder disappeared/);
  });
});

describe('scanFolder: symbolic links', () => {
  it('a link back to an ancestor ends and lists each file once', async () => {
    const root = folder('loop');
    put(root, 'c.jpg');
    put(root, 'a/b.jpg');
    symlinkSync(root, path.join(root, 'a', 'loop'));
    symlinkSync('..', path.join(root, 'a', 'up'));
    symlinkSync('.', path.join(root, 'a', 'here'));
    const result = await scanFolder(root);
    expect(listed(root, result)).toEqual(['a/b.jpg', 'c.jpg']);
    expect(result.problems).toEqual([]);
  });

  it('a link to an image file is followed, and two links to one folder list it once', async () => {
    const outside = folder('link-targets');
    const target = put(outside, 'real.jpg');
    put(outside, 'album/x.png');
    const root = folder('links');
    symlinkSync(target, path.join(root, 'link.jpg'));
    symlinkSync(path.join(outside, 'album'), path.join(root, 'album-1'));
    symlinkSync(path.join(outside, 'album'), path.join(root, 'album-2'));

    const result = await scanFolder(root);
    const files = listed(root, result);
    expect(files).toContain('link.jpg');
    expect(files.filter((f) => f.endsWith('x.png'))).toHaveLength(1);
    expect(files).toHaveLength(2);
    expect(result.files.find((f) => f.path.endsWith('link.jpg'))!.size).toBe(jpeg.length);
    expect(result.problems).toEqual([]);
  });

  it('a dangling link named like an image is a problem with a clear reason; others are ignored', async () => {
    const root = folder('dangling');
    put(root, 'ok.jpg');
    symlinkSync(path.join(root, 'deleted.jpg'), path.join(root, 'x.jpg'));
    symlinkSync(path.join(root, 'deleted-folder'), path.join(root, 'photos'));
    symlinkSync('self.jpg', path.join(root, 'self.jpg'));

    const result = await scanFolder(root);
    expect(listed(root, result)).toEqual(['ok.jpg']);
    const problems = problemsOf(root, result).sort((a, b) => a.path.localeCompare(b.path));
    expect(problems).toEqual([
      {
        path: 'self.jpg',
        code: 'not-a-file',
        message: expect.stringMatching(/symbolic link that points back to itself/),
      },
      {
        path: 'x.jpg',
        code: 'not-a-file',
        message: expect.stringMatching(/broken symbolic link.*does not exist/),
      },
    ]);
  });

  it('a root given as a link is scanned through it', async () => {
    const real = folder('real-root');
    put(real, 'a.jpg');
    const link = path.join(tmp.dir, 'root-link');
    symlinkSync(real, link);
    expect((await scanFolder(link)).files.map((f) => f.path)).toEqual([path.join(link, 'a.jpg')]);
  });
});

describe('scanFolder: awkward names and paths', () => {
  it('a file name that is not UTF-8 is a problem that says so, and the rest is still listed', async () => {
    const root = folder('non-utf8');
    put(root, 'ok.jpg');
    put(root, 'sub/also-ok.png');
    writeFileSync(rawPath(root, [0x66, 0xff, 0xfe], '.jpg'), jpeg);
    // Not an image name, or hidden: nothing to report.
    writeFileSync(rawPath(root, [0x66, 0xff, 0xfe], '.txt'), 'notes');
    writeFileSync(rawPath(root, '.', [0xff], '.jpg'), jpeg);
    // A folder with such a name would hide its photos: reported too.
    mkdirSync(rawPath(root, 'album-', [0xe9, 0x74, 0xe9]));
    writeFileSync(rawPath(root, 'album-', [0xe9, 0x74, 0xe9], '/inside.jpg'), jpeg);

    const result = await scanFolder(root);
    expect(listed(root, result)).toEqual(['ok.jpg', 'sub/also-ok.png']);
    const problems = problemsOf(root, result).sort((a, b) => a.message.localeCompare(b.message));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({
      code: 'unreadable',
      message: expect.stringMatching(/file name is not valid UTF-8/),
    });
    expect(problems[0]!.path).toMatch(/^f.*\.jpg$/);
    expect(problems[1]).toMatchObject({
      code: 'unreadable',
      message: expect.stringMatching(/folder name is not valid UTF-8/),
    });
    expect(problems[1]!.path).toMatch(/^album-/);
  });

  it('finds an image at the end of a path over 1000 characters, and one with a 250-character name', async () => {
    const root = folder('long');
    const deep = Array.from({ length: 5 }, (_, i) => `${i}-`.padEnd(200, 'x'));
    const longName = `${'p'.repeat(246)}.jpg`;
    expect(longName).toHaveLength(250);
    const deepFile = put(root, path.join(...deep, 'photo.jpg'));
    put(root, longName);
    expect(deepFile.length).toBeGreaterThan(1000);

    const result = await scanFolder(root);
    expect(result.files.map((f) => f.path).sort()).toEqual([deepFile, path.join(root, longName)].sort());
    expect(result.problems).toEqual([]);
    // And the listed paths can be read back.
    for (const f of result.files) expect(readFileSync(f.path)).toEqual(jpeg);
  });

  it('a folder deeper than the system path limit is reported, not a crash', async () => {
    // No single call may name a path over PATH_MAX (4096), so build two 2,100-character chains
    // apart and then move one inside the other.
    const root = folder('deeper-than-path-max');
    const chain = (tag: string): string[] =>
      Array.from({ length: 10 }, (_, i) => `${tag}${i}-`.padEnd(210, 'y'));
    const outer = chain('o');
    const inner = chain('i');
    const parking = folder('parking');
    mkdirSync(path.join(root, ...outer), { recursive: true });
    mkdirSync(path.join(parking, ...inner), { recursive: true });
    writeFileSync(path.join(parking, ...inner, 'lost.jpg'), jpeg);
    put(root, 'shallow.jpg');
    const innerTop = path.join(parking, inner[0]!);
    const moved = path.join(root, ...outer, inner[0]!);
    renameSync(innerTop, moved);
    try {
      const result = await scanFolder(root);
      expect(listed(root, result)).toEqual(['shallow.jpg']);
      expect(result.problems.length).toBeGreaterThanOrEqual(1);
      for (const p of result.problems) {
        expect(p.skip.code).toBe('unreadable');
        expect(p.skip.message).toMatch(/path is too long/);
      }
    } finally {
      renameSync(moved, innerTop); // so that the temporary folder can be removed
    }
  });
});

const capsh = ['/usr/sbin/capsh', '/sbin/capsh', '/usr/bin/capsh', '/bin/capsh'].find((p) => existsSync(p));
const isRoot = process.getuid?.() === 0;

describe('scanFolder and reading: permissions', () => {
  // root reads anything, chmod or not: the check runs in a child process without the two
  // capabilities that let root past file permissions (or as the ordinary user it already is).
  it.skipIf(isRoot && !capsh)(
    'an unreadable folder and an unreadable file are reported; readable files are listed',
    () => {
      const root = folder('permissions');
      put(root, 'ok.jpg');
      put(root, 'open/fine.png');
      const locked = put(root, 'locked.jpg');
      const closedDir = path.join(root, 'closed');
      put(root, 'closed/hidden-away.jpg');

      const script = path.join(tmp.dir, 'permission-check.mjs');
      writeFileSync(
        script,
        `
import { readFile } from 'node:fs/promises';
const [scannerUrl, skipUrl, ingestUrl, root, locked] = process.argv.slice(2);
const { scanFolder } = await import(scannerUrl);
const { toImageSkip } = await import(skipUrl);
const { ingest } = await import(ingestUrl);
const describe = (skip) => ({ code: skip.code, message: skip.message });

const scan = await scanFolder(root);
let directRead = 'read';
await readFile(locked).catch((err) => { directRead = describe(toImageSkip(err)); });

// The model is never reached for a file that cannot be read: it only lends ingest its input size.
const embedder = {
  manifest: { input: { size: [8, 8], resize: 'squash' } },
  embed: () => Promise.reject(new Error('the model should not be needed')),
};
const ingestSkips = [];
await ingest(
  scan.files.filter((f) => f.path === locked),
  embedder,
  { hasVector: () => false, commit: (_done, skipped) => ingestSkips.push(...skipped.map((s) => describe(s.skip))) },
  { batchSize: 1, decodeConcurrency: 1, batchesInFlight: 1 },
);
console.log(JSON.stringify({
  files: scan.files.map((f) => f.path),
  problems: scan.problems.map((p) => ({ path: p.path, ...describe(p.skip) })),
  directRead,
  ingestSkips,
}));
`,
      );
      const moduleUrl = (relative: string): string =>
        pathToFileURL(path.resolve(import.meta.dirname, relative)).href;
      const args = [
        script,
        moduleUrl('../../../src/engine/library/folder-scanner.ts'),
        moduleUrl('../../../src/engine/imaging/skip-reason.ts'),
        moduleUrl('../../../src/engine/library/ingest-pipeline.ts'),
        root,
        locked,
      ];

      chmodSync(locked, 0o000);
      chmodSync(closedDir, 0o000);
      try {
        const child =
          isRoot && capsh
            ? spawnSync(
                capsh,
                [
                  '--drop=cap_dac_override,cap_dac_read_search',
                  '--',
                  '-c',
                  'exec "$0" "$@"',
                  process.execPath,
                  ...args,
                ],
                { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } },
              )
            : spawnSync(process.execPath, args, {
                encoding: 'utf8',
                timeout: 20_000,
                env: { ...process.env, NODE_OPTIONS: '' },
              });
        expect(child.status, child.stderr).toBe(0);
        const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
          files: string[];
          problems: Array<{ path: string; code: SkipCode; message: string }>;
          directRead: 'read' | { code: SkipCode; message: string };
          ingestSkips: Array<{ code: SkipCode; message: string }>;
        };

        // The scan only needs to stat a file, which works without read permission: the locked
        // file is listed, and its problem shows when it is read.
        expect(report.files.map((f) => path.relative(root, f))).toEqual([
          'locked.jpg',
          'ok.jpg',
          'open/fine.png',
        ]);
        expect(report.problems).toEqual([
          {
            path: closedDir,
            code: 'unreadable',
            message: expect.stringMatching(/permission denied.*folder/),
          },
        ]);
        expect(report.directRead).toEqual({
          code: 'unreadable',
          message: expect.stringMatching(/permission denied/),
        });
        expect(report.ingestSkips).toEqual([
          { code: 'unreadable', message: expect.stringMatching(/permission denied/) },
        ]);
      } finally {
        chmodSync(locked, 0o644);
        chmodSync(closedDir, 0o755);
      }
    },
  );
});

describe('after the scan: files that change before they are read', () => {
  /** Ingests files that can never reach the model, returning why each was skipped. */
  async function ingestSkips(files: ScanResult['files']): Promise<Map<string, ImageSkip>> {
    // The model is never reached for these files: it only lends ingest its input size.
    const embedder = {
      manifest: { input: { size: [8, 8], resize: 'squash' } },
      embed: () => Promise.reject(new Error('the model should not be needed')),
    } as unknown as Embedder;
    const skips = new Map<string, ImageSkip>();
    await ingest(
      files,
      embedder,
      {
        hasVector: () => false,
        commit: (done, skipped) => {
          expect(done).toEqual([]);
          for (const s of skipped) skips.set(path.basename(s.file.path), s.skip);
        },
      },
      { batchSize: 4, decodeConcurrency: 2, batchesInFlight: 1 },
    );
    return skips;
  }

  it('a file deleted between scan and read is "vanished"', async () => {
    const root = folder('vanishing');
    const doomed = put(root, 'doomed.jpg');
    const { files } = await scanFolder(root);
    expect(files.map((f) => f.path)).toEqual([doomed]);
    unlinkSync(doomed);

    const err: unknown = await readFile(doomed).catch((e: unknown) => e);
    const skip = toImageSkip(err);
    expect(skip.code).toBe('vanished');
    expect(skip.message).toMatch(/disappeared/);
    expect((await ingestSkips(files)).get('doomed.jpg')).toMatchObject({ code: 'vanished' });
  });

  it('emptied, grown past the size limit or replaced by a folder: each skipped with its reason', async () => {
    const root = folder('changing');
    for (const name of ['emptied.jpg', 'huge.jpg', 'now-a-folder.jpg']) put(root, name);
    const { files } = await scanFolder(root);
    expect(files).toHaveLength(3);

    truncateSync(path.join(root, 'emptied.jpg'), 0);
    // Sparse: the size is real to stat, no disk space is used, and it must not be read.
    truncateSync(path.join(root, 'huge.jpg'), MAX_FILE_BYTES + 2 ** 20);
    rmSync(path.join(root, 'now-a-folder.jpg'));
    mkdirSync(path.join(root, 'now-a-folder.jpg'));

    const skips = await ingestSkips(files);
    expect(skips.get('emptied.jpg')).toMatchObject({
      code: 'empty',
      message: expect.stringMatching(/empty/),
    });
    expect(skips.get('huge.jpg')).toMatchObject({
      code: 'too-large-file',
      message: expect.stringMatching(/513 MB, more than the 512 MB limit/),
    });
    expect(skips.get('now-a-folder.jpg')).toMatchObject({
      code: 'not-a-file',
      message: expect.stringMatching(/not a regular file/),
    });
  });
});
