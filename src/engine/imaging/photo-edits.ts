import sharp from 'sharp';
import type { InvarianceEdit } from '../../shared/evaluation-api.ts';
import { MAX_INPUT_PIXELS } from './image-decoder.ts';

/**
 * Edited copies of a photo, for invariance tests: changes a person makes to a photo (or that
 * happen to it on the way) after which it is still "the same photo" and should find its original.
 * Every copy is an EXIF-oriented JPEG.
 */
export async function makeEditedCopy(input: Buffer, edit: InvarianceEdit): Promise<Buffer> {
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' as const };
  const meta = await sharp(input, options).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const width = (swap ? meta.height : meta.width) ?? 0;
  const height = (swap ? meta.width : meta.height) ?? 0;
  const source = sharp(input, options).rotate();
  switch (edit) {
    case 'rotate':
      // A tilted horizon's worth, with the corners filled white.
      return source.rotate(12, { background: '#ffffff' }).jpeg({ quality: 92 }).toBuffer();
    case 'crop': {
      // The central 70 %: what a person keeps when cropping away the edges.
      const w = Math.max(1, Math.round(width * 0.7));
      const h = Math.max(1, Math.round(height * 0.7));
      return source
        .extract({
          left: Math.floor((width - w) / 2),
          top: Math.floor((height - h) / 2),
          width: w,
          height: h,
        })
        .jpeg({ quality: 92 })
        .toBuffer();
    }
    case 'flip':
      return source.flop().jpeg({ quality: 92 }).toBuffer();
    case 'colour':
      return source.modulate({ hue: 30, saturation: 1.3, brightness: 1.1 }).jpeg({ quality: 92 }).toBuffer();
    case 'greyscale':
      return source.greyscale().jpeg({ quality: 92 }).toBuffer();
    case 'jpeg':
      return source.jpeg({ quality: 8 }).toBuffer();
    case 'text': {
      const size = Math.max(12, Math.round(Math.min(width, height) / 6));
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
        `<text x="50%" y="85%" font-size="${size}" font-family="sans-serif" font-weight="bold" fill="white" ` +
        `stroke="black" stroke-width="${Math.max(1, size / 20)}" text-anchor="middle">© Lookalike 2026</text></svg>`;
      return source
        .composite([{ input: Buffer.from(svg) }])
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 92 })
        .toBuffer();
    }
  }
}
