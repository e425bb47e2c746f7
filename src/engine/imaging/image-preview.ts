import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from './image-decoder.ts';
import { ImageSkip, toImageSkip } from './skip-reason.ts';

export interface ImageInfo {
  /** Size after EXIF orientation: the frame that crops and previews use. */
  width: number;
  height: number;
  format: string;
}

export interface RenderedPreview {
  bytes: Buffer;
  contentType: 'image/webp';
  width: number;
  height: number;
}

const decodeOptions = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' as const };

/** Reads an image's format and oriented size from its header, without decoding pixels. Throws ImageSkip. */
export async function probeImage(input: Buffer): Promise<ImageInfo> {
  if (input.length === 0) throw new ImageSkip('empty', 'the file is empty (0 bytes)');
  try {
    const meta = await sharp(input, decodeOptions).metadata();
    if (!meta.width || !meta.height) throw new ImageSkip('corrupt', 'the image has no dimensions');
    if (meta.width * meta.height > MAX_INPUT_PIXELS) {
      throw new ImageSkip(
        'too-many-pixels',
        `the image is ${meta.width}×${meta.height} pixels, too many to decode safely`,
      );
    }
    const swap = (meta.orientation ?? 1) >= 5;
    return {
      width: swap ? meta.height : meta.width,
      height: swap ? meta.width : meta.height,
      format: meta.format ?? 'unknown',
    };
  } catch (err) {
    throw toImageSkip(err, input.length);
  }
}

/**
 * A WebP of the photo (a file path or encoded bytes), EXIF-oriented, its longest side at most
 * `longSide` (never enlarged), for showing on screen. Throws ImageSkip.
 */
export async function renderPreview(input: Buffer | string, longSide: number): Promise<RenderedPreview> {
  try {
    const { data, info } = await sharp(input, decodeOptions)
      .rotate()
      .resize(longSide, longSide, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: longSide <= 400 ? 76 : 82, effort: 3 })
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, contentType: 'image/webp', width: info.width, height: info.height };
  } catch (err) {
    throw toImageSkip(err, typeof input === 'string' ? undefined : input.length);
  }
}
