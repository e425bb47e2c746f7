import sharp from 'sharp';
import { CropError, type CropSpec, resolveCrop } from './crop-region.ts';
import { ImageSkip, toImageSkip } from './skip-reason.ts';

/** 100 megapixels: larger than any camera's photo, small enough to decode without exhausting memory. */
export const MAX_INPUT_PIXELS = 100_000_000;

export interface ModelInputSpec {
  /** [width, height] */
  size: readonly [number, number];
  resize: 'squash' | 'center-crop';
}

export interface DecodedForModel {
  /** RGB, 8-bit, row-major (HWC), exactly spec.size. */
  rgb: Uint8Array;
  /** Size of the whole image after EXIF orientation. */
  width: number;
  height: number;
  format: string;
}

// One libvips thread per image: the ingest pipeline runs several images at once instead,
// which keeps every core busy with less per-image overhead.
sharp.concurrency(1);

/**
 * Decodes a photo (any format sharp reads, chosen by content, not extension), applies EXIF
 * orientation, optionally crops, and resizes to the model's input. Throws ImageSkip.
 */
export async function decodeForModel(
  input: Buffer,
  spec: ModelInputSpec,
  crop?: CropSpec,
): Promise<DecodedForModel> {
  if (input.length === 0) throw new ImageSkip('empty', 'the file is empty (0 bytes)');
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' as const };
  try {
    const meta = await sharp(input, options).metadata();
    if (!meta.width || !meta.height) throw new ImageSkip('corrupt', 'the image has no dimensions');
    if (meta.width * meta.height > MAX_INPUT_PIXELS) {
      throw new ImageSkip(
        'too-many-pixels',
        `the image is ${meta.width}×${meta.height} pixels, more than the ${MAX_INPUT_PIXELS / 1e6} megapixels this app decodes`,
      );
    }
    const swap = (meta.orientation ?? 1) >= 5;
    const width = swap ? meta.height : meta.width;
    const height = swap ? meta.width : meta.height;
    const [w, h] = spec.size;
    let pipeline = sharp(input, options).rotate();
    if (crop) pipeline = pipeline.extract(resolveCrop(crop, width, height));
    const { data, info } = await pipeline
      .resize(w, h, { fit: spec.resize === 'squash' ? 'fill' : 'cover' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== w || info.height !== h) {
      throw new ImageSkip(
        'corrupt',
        `unexpected decoded layout ${info.width}×${info.height}×${info.channels}`,
      );
    }
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width,
      height,
      format: meta.format ?? 'unknown',
    };
  } catch (err) {
    if (err instanceof CropError) throw err;
    throw toImageSkip(err, input.length);
  }
}
