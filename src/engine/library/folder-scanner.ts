import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageSkip, toImageSkip } from '../imaging/skip-reason.ts';

/** Extensions worth opening. The content decides the format; this only keeps sidecars, videos and documents out. */
export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.avif',
  '.heic',
  '.heif',
  '.gif',
  '.tif',
  '.tiff',
]);

/** Folders that never hold a person's photos, or hold copies of them (thumbnail caches). */
export const SKIPPED_DIR_NAMES = new Set([
  'node_modules',
  '@eaDir',
  '$RECYCLE.BIN',
  'System Volume Information',
]);

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanProblem {
  path: string;
  skip: ImageSkip;
}

export interface ScanResult {
  files: ScannedFile[];
  problems: ScanProblem[];
}

/** Folder errors in folder words: toImageSkip speaks of files. */
function folderSkip(err: unknown): ImageSkip {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new ImageSkip(
      'unreadable',
      'permission denied: the folder cannot be opened, so its photos are not listed',
    );
  }
  if (code === 'ENOENT') return new ImageSkip('vanished', 'the folder disappeared before it could be listed');
  return toImageSkip(err);
}

/** A link whose target is missing has not vanished: it was broken before the scan looked. */
function linkSkip(err: unknown): ImageSkip {
  if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') {
    return new ImageSkip('not-a-file', 'a broken symbolic link: the file it points to does not exist');
  }
  return toImageSkip(err);
}

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/**
 * Lists the image files under a folder, following symbolic links but never visiting the same
 * real folder twice (so link loops end). Problems are reported per file, never thrown.
 */
export async function scanFolder(
  root: string,
  isExcluded: (p: string) => boolean = () => false,
): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const problems: ScanProblem[] = [];
  const seenDirs = new Set<string>();

  async function walk(dir: string): Promise<void> {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (err) {
      problems.push({ path: dir, skip: folderSkip(err) });
      return;
    }
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    let handle;
    try {
      handle = await opendir(dir, { encoding: 'buffer' as unknown as BufferEncoding });
    } catch (err) {
      problems.push({ path: dir, skip: folderSkip(err) });
      return;
    }
    const subdirs: string[] = [];
    for await (const entry of handle) {
      const rawName = entry.name as unknown as Buffer;
      if (rawName[0] === 0x2e) continue; // hidden: '.'
      const name = rawName.toString('utf8');
      if (!Buffer.from(name, 'utf8').equals(rawName)) {
        // A folder is reported too: silently passing over it would lose every photo inside.
        if (entry.isDirectory()) {
          problems.push({
            path: path.join(dir, name),
            skip: new ImageSkip(
              'unreadable',
              'the folder name is not valid UTF-8 text; rename the folder to include its photos',
            ),
          });
        } else if (isImageName(rawName.toString('latin1'))) {
          problems.push({
            path: path.join(dir, name),
            skip: new ImageSkip(
              'unreadable',
              'the file name is not valid UTF-8 text; rename the file to include it',
            ),
          });
        }
        continue;
      }
      const full = path.join(dir, name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(full);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch (err) {
          if (isImageName(name)) problems.push({ path: full, skip: linkSkip(err) });
          continue;
        }
      }
      if (isExcluded(full)) continue;
      if (isDir) {
        if (!SKIPPED_DIR_NAMES.has(name)) subdirs.push(full);
      } else if (isFile && isImageName(name)) {
        try {
          const s = await stat(full);
          files.push({ path: full, size: s.size, mtimeMs: Math.floor(s.mtimeMs) });
        } catch (err) {
          problems.push({ path: full, skip: toImageSkip(err) });
        }
      }
    }
    for (const sub of subdirs) await walk(sub);
  }

  await walk(root);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, problems };
}
