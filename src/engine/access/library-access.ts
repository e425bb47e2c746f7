import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** A path that lies outside every library folder: never read, never shown. */
export class OutsideLibraryError extends Error {}

/** True when `child` is `parent` itself or lies below it (both absolute and normalised). */
export function isPathInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export type LibraryFileAccess =
  | { kind: 'allowed'; /** The real file to read. */ realPath: string }
  | { kind: 'outside' }
  | { kind: 'missing' };

export interface LibraryAccessDeps {
  /** The library's folders (absolute, as recorded). */
  folders: () => readonly string[];
  /** Whether this exact path is a photo the library indexed (status ok). */
  isIndexedPhoto: (filePath: string) => boolean;
}

/**
 * Decides whether a file may be read on a window's behalf. The path must be absolute and,
 * once `..` is resolved, inside a library folder; then its real path (symbolic links resolved)
 * must be inside a library folder's real path too, unless it is a photo the library indexed (the
 * scanner follows links, so a linked-in photo the person chose to index stays viewable). Any
 * other link that leads out, such as one planted after indexing, is refused.
 */
export async function checkLibraryFile(
  filePath: string,
  deps: LibraryAccessDeps,
): Promise<LibraryFileAccess> {
  if (!path.isAbsolute(filePath)) return { kind: 'outside' };
  const lexical = path.resolve(filePath);
  const folders = deps.folders();
  if (!folders.some((f) => isPathInside(lexical, f))) return { kind: 'outside' };
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return { kind: 'missing' };
  }
  const realFolders = await Promise.all(folders.map((f) => realpath(f).catch(() => f)));
  if (realFolders.some((f) => isPathInside(real, f))) return { kind: 'allowed', realPath: real };
  if (deps.isIndexedPhoto(lexical)) return { kind: 'allowed', realPath: real };
  return { kind: 'outside' };
}
