import { mkdirSync, symlinkSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ImageSkip, type SkipCode, toImageSkip } from '../../../src/engine/imaging/skip-reason.ts';
import { makeTempDir } from '../../fixtures/synthetic-photos.ts';

/** What Node's fs rejects with, for codes a test cannot provoke for real (e.g. EACCES as root). */
function systemError(
  code: string,
  description: string,
  syscall = 'open',
  file = '/photos/a.jpg',
): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${description}, ${syscall} '${file}'`), {
    code,
    syscall,
    path: file,
    errno: -1,
  });
}

/** The error a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

/** A message a person can read: words, not a bare errno code or an empty string. */
function expectReadable(skip: ImageSkip): void {
  expect(skip).toBeInstanceOf(ImageSkip);
  expect(skip).toBeInstanceOf(Error);
  expect(skip.message.trim().split(/\s+/).length, skip.message).toBeGreaterThanOrEqual(3);
  expect(skip.message, skip.message).not.toMatch(/^E[A-Z]+$/);
  expect(skip.message, skip.message).not.toMatch(/^\s*E[A-Z]{3,}\b/);
  expect(skip.message).not.toMatch(/\n/);
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('lookalike-skip-');
});
afterAll(() => tmp.cleanup());

describe('file system errors, provoked for real', () => {
  it('ENOENT → vanished', async () => {
    const err = await failure(readFile(path.join(tmp.dir, 'gone.jpg')));
    expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
    const skip = toImageSkip(err);
    expect(skip.code).toBe('vanished');
    expect(skip.message).toMatch(/disappeared/);
    expectReadable(skip);
  });

  it('ELOOP (a link to itself) → not-a-file', async () => {
    const link = path.join(tmp.dir, 'self.jpg');
    symlinkSync('self.jpg', link);
    const err = await failure(readFile(link));
    expect((err as NodeJS.ErrnoException).code).toBe('ELOOP');
    const skip = toImageSkip(err);
    expect(skip.code).toBe('not-a-file');
    expect(skip.message).toMatch(/symbolic link/);
    expectReadable(skip);
  });

  it('EISDIR (a folder where a file was expected) → not-a-file', async () => {
    const dir = path.join(tmp.dir, 'folder.jpg');
    mkdirSync(dir);
    const err = await failure(readFile(dir));
    expect((err as NodeJS.ErrnoException).code).toBe('EISDIR');
    const skip = toImageSkip(err);
    expect(skip.code).toBe('not-a-file');
    expect(skip.message).toMatch(/not a regular file/);
    expectReadable(skip);
  });

  it('ENAMETOOLONG → unreadable, saying the path is too long', async () => {
    const err = await failure(open(path.join(tmp.dir, `${'n'.repeat(300)}.jpg`)));
    expect((err as NodeJS.ErrnoException).code).toBe('ENAMETOOLONG');
    const skip = toImageSkip(err);
    expect(skip.code).toBe('unreadable');
    expect(skip.message).toMatch(/too long/);
    expectReadable(skip);
  });
});

describe('file system errors, as Node reports them', () => {
  const cases: Array<[string, string, SkipCode, RegExp]> = [
    ['EACCES', 'permission denied', 'unreadable', /permission denied/],
    ['EPERM', 'operation not permitted', 'unreadable', /permission denied/],
    ['EIO', 'i/o error', 'unreadable', /read error/],
    ['ENOENT', 'no such file or directory', 'vanished', /disappeared/],
    // Passing conditions are "unreadable" (retried on the next run), never "corrupt" (not retried).
    ['EMFILE', 'too many open files', 'unreadable', /could not be read \(EMFILE: too many open files/],
    ['ESTALE', 'stale file handle', 'unreadable', /could not be read/],
    ['ETIMEDOUT', 'connection timed out', 'unreadable', /could not be read/],
    ['EBUSY', 'resource busy or locked', 'unreadable', /could not be read/],
  ];
  for (const [code, description, expected, keyword] of cases) {
    it(`${code} → ${expected}`, () => {
      const skip = toImageSkip(systemError(code, description));
      expect(skip.code).toBe(expected);
      expect(skip.message).toMatch(keyword);
      expectReadable(skip);
    });
  }
});

describe('decoder messages', () => {
  const cases: Array<[string, string, SkipCode, RegExp]> = [
    [
      'no decoder recognises the bytes',
      'Input buffer contains unsupported image format',
      'unsupported',
      /not an image/,
    ],
    [
      'libvips does not know the file',
      'VipsForeignLoad: "x.jpg" is not a known file format',
      'unsupported',
      /not an image/,
    ],
    [
      'a recognised format whose header is damaged',
      'Input buffer has corrupt header: webp: unable to parse image',
      'corrupt',
      /damaged/,
    ],
    [
      'a truncated GIF',
      'Input buffer has corrupt header: gifload_buffer: Unexpected end of GIF source data',
      'corrupt',
      /damaged/,
    ],
    [
      'a truncated AVIF (read past the end)',
      'source: bad seek to 1024\nsource: bad seek to 896\nheif: Invalid input: Unexpected end of file: Extent in iloc box references data outside of file bounds (points to file position 250)\n (2.100)',
      'corrupt',
      /damaged/,
    ],
    ['a truncated JPEG', 'VipsJpeg: premature end of JPEG image', 'corrupt', /damaged or incomplete/],
    ['a PNG with a bad chunk', 'vipspng: libpng read error', 'corrupt', /damaged/],
    ['more pixels than allowed', 'Input image exceeds pixel limit', 'too-many-pixels', /too many pixels/],
    [
      'HEVC in a HEIC, prebuilt sharp',
      'source: bad seek to 1024\nsource: bad seek to 512\nheif: Error while loading plugin: Support for this compression format has not been built in: HEVC (a suitable decoder plugin is libde265) (11.6003)',
      'unsupported',
      /HEIC/,
    ],
    [
      'HEVC in a HEIC, older libheif',
      'Input file has corrupt header: source: bad seek to 2298319\nheif: Error while loading plugin: No decoding plugin installed for this compression format (11.6003)',
      'unsupported',
      /HEIC/,
    ],
  ];
  for (const [name, message, expected, keyword] of cases) {
    it(`${name} → ${expected}`, () => {
      const skip = toImageSkip(new Error(message), 1234);
      expect(skip.code).toBe(expected);
      expect(skip.message).toMatch(keyword);
      expectReadable(skip);
    });
  }

  it('an unrecognised zero-byte input is "empty", not "unsupported"', () => {
    const skip = toImageSkip(new Error('Input buffer contains unsupported image format'), 0);
    expect(skip.code).toBe('empty');
    expectReadable(skip);
  });
});

describe('anything else', () => {
  it('an unknown error → corrupt, with its first line quoted', () => {
    const skip = toImageSkip(
      new Error('vips_something: the moon is in the wrong phase\nsecond line of detail'),
    );
    expect(skip.code).toBe('corrupt');
    expect(skip.message).toBe(
      'the image could not be decoded (vips_something: the moon is in the wrong phase)',
    );
    expectReadable(skip);
  });

  it('values that are not errors still give a readable skip', () => {
    for (const thrown of ['the moon is in the wrong phase', 42, undefined, null, { weird: true }]) {
      const skip = toImageSkip(thrown);
      expect(skip.code).toBe('corrupt');
      expectReadable(skip);
    }
    expect(toImageSkip('the moon is in the wrong phase').message).toContain('the moon is in the wrong phase');
  });

  it('an ImageSkip passes through unchanged', () => {
    const original = new ImageSkip('too-large-file', 'the file is 600 MB, more than the 512 MB limit');
    expect(toImageSkip(original)).toBe(original);
    expect(toImageSkip(original, 0)).toBe(original);
  });
});
