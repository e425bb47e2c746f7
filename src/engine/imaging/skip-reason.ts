/**
 * Why a file could not be used, in words a person understands. The one place where low-level
 * errors (fs codes, libvips messages) are turned into messages.
 */
export class ImageSkip extends Error {
  readonly code: SkipCode;
  constructor(code: SkipCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type SkipCode =
  | 'empty'
  | 'too-large-file'
  | 'too-many-pixels'
  | 'unsupported'
  | 'corrupt'
  | 'unreadable'
  | 'vanished'
  | 'not-a-file'
  | 'model-error';

export function toImageSkip(err: unknown, fileSize?: number): ImageSkip {
  if (err instanceof ImageSkip) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new ImageSkip('vanished', 'the file disappeared before it could be read');
    case 'EACCES':
    case 'EPERM':
      return new ImageSkip('unreadable', 'permission denied: the file cannot be read');
    case 'EISDIR':
      return new ImageSkip('not-a-file', 'not a regular file');
    case 'ELOOP':
      return new ImageSkip('not-a-file', 'a symbolic link that points back to itself');
    case 'ENAMETOOLONG':
      return new ImageSkip('unreadable', 'the path is too long for this system');
    case 'EIO':
      return new ImageSkip('unreadable', 'the disk reported a read error');
    default:
      break;
  }
  const msg = String(e?.message ?? err);
  // Any other system error (too many open files, a stale network share) is about reading the
  // file, not about the image, and may pass: 'unreadable' is retried, 'corrupt' is not.
  if (typeof e?.syscall === 'string') {
    return new ImageSkip('unreadable', `the file could not be read (${msg.split('\n')[0]})`);
  }
  if (/exceeds pixel limit/i.test(msg)) {
    return new ImageSkip('too-many-pixels', 'the image has too many pixels to decode safely');
  }
  // Checked before the damage patterns below: libheif reports a missing HEVC decoder after a
  // run of harmless "bad seek" lines, sometimes under "corrupt header".
  if (/compression format has not been built in|no decoding plugin installed/i.test(msg)) {
    return new ImageSkip('unsupported', 'HEIC/HEVC photos cannot be decoded by this build');
  }
  // Only these mean that no decoder recognised the bytes. "corrupt header" and "bad seek" come
  // from a decoder that did recognise its format and then ran out of (or into bad) data.
  if (/unsupported image format|not a known file format/i.test(msg)) {
    return fileSize === 0
      ? new ImageSkip('empty', 'the file is empty (0 bytes)')
      : new ImageSkip('unsupported', 'not an image, or in a format this app cannot read');
  }
  if (/premature end|truncated|unexpected end|corrupt|invalid|bad|error/i.test(msg)) {
    return new ImageSkip('corrupt', 'the image data is damaged or incomplete');
  }
  return new ImageSkip('corrupt', `the image could not be decoded (${msg.split('\n')[0]})`);
}
