import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  CropError,
  type CropSpec,
  parseCropSpec,
  resolveCrop,
} from '../../../src/engine/imaging/crop-region.ts';
import {
  decodeForModel,
  type DecodedForModel,
  MAX_INPUT_PIXELS,
  type ModelInputSpec,
} from '../../../src/engine/imaging/image-decoder.ts';
import { ImageSkip, type SkipCode } from '../../../src/engine/imaging/skip-reason.ts';
import { heicFromAvif, pngDeclaring } from '../../fixtures/broken-images.ts';
import { makeTempDir, seededRandom, writeScene } from '../../fixtures/synthetic-photos.ts';

type Rgb = readonly [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const YELLOW: Rgb = [255, 255, 0];
const WHITE: Rgb = [255, 255, 255];

const squash = (w: number, h: number): ModelInputSpec => ({ size: [w, h], resize: 'squash' });

function pixelAt(d: DecodedForModel, spec: ModelInputSpec, x: number, y: number): Rgb {
  const i = (y * spec.size[0] + x) * 3;
  return [d.rgb[i]!, d.rgb[i + 1]!, d.rgb[i + 2]!];
}

/** Largest per-channel distance between any decoded pixel and the colour. */
function maxDistance(rgb: Uint8Array, colour: Rgb): number {
  let worst = 0;
  for (let i = 0; i < rgb.length; i += 3) {
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(rgb[i + c]! - colour[c]!));
  }
  return worst;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function expectColour(actual: Rgb, expected: Rgb, tolerance: number): void {
  for (let c = 0; c < 3; c++) {
    expect(
      Math.abs(actual[c]! - expected[c]!),
      `channel ${c} of [${actual}] vs [${expected}]`,
    ).toBeLessThanOrEqual(tolerance);
  }
}

function expectLayout(d: DecodedForModel, spec: ModelInputSpec): void {
  const [w, h] = spec.size;
  expect(d.rgb).toBeInstanceOf(Uint8Array);
  expect(d.rgb.length).toBe(w * h * 3);
}

/** An image of four solid quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right. */
function quadrants(width: number, height: number): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = y < height / 2 ? (x < width / 2 ? RED : GREEN) : x < width / 2 ? BLUE : YELLOW;
      raw.set(colour, (y * width + x) * 3);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

function solid(colour: string, width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/** Expects decodeForModel to reject with an ImageSkip of this code whose message matches. */
async function expectSkip(input: Buffer, code: SkipCode, keyword: RegExp): Promise<ImageSkip> {
  const err: unknown = await decodeForModel(input, squash(16, 16)).then(
    () => new Error('decoded, but expected a skip'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageSkip);
  const skip = err as ImageSkip;
  expect(skip.code).toBe(code);
  expect(skip.message).toMatch(keyword);
  return skip;
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('lookalike-decoder-');
});
afterAll(() => tmp.cleanup());

describe('decodes every supported format to the model input', () => {
  const formats = [
    // sharp reports AVIF as the HEIF container it lives in.
    { format: 'jpeg', reported: 'jpeg', tolerance: 6 },
    { format: 'png', reported: 'png', tolerance: 0 },
    { format: 'webp', reported: 'webp', tolerance: 8 },
    { format: 'avif', reported: 'heif', tolerance: 8 },
    { format: 'gif', reported: 'gif', tolerance: 20 },
    { format: 'tiff', reported: 'tiff', tolerance: 6 }, // sharp writes JPEG-compressed TIFF by default
  ] as const;
  let reference: Uint8Array;
  const spec = squash(64, 48);

  beforeAll(async () => {
    const png = await writeScene(path.join(tmp.dir, 'formats', 'reference.png'), 11, 'png');
    reference = (await decodeForModel(readFileSync(png), spec)).rgb;
  });

  for (const { format, reported, tolerance } of formats) {
    it(`${format}: exact size, 3 channels, same picture`, async () => {
      const file = await writeScene(path.join(tmp.dir, 'formats', `scene.${format}`), 11, format);
      const decoded = await decodeForModel(readFileSync(file), spec);
      expectLayout(decoded, spec);
      expect(decoded).toMatchObject({ width: 320, height: 240, format: reported });
      // Lossy formats (and GIF's 256-colour palette) differ a little from the lossless reference.
      expect(meanAbsDiff(decoded.rgb, reference)).toBeLessThanOrEqual(tolerance);
    });
  }

  it('center-crop and squash both give exactly the requested size', async () => {
    const bytes = await sharp(await solid('#808080', 300, 100))
      .jpeg()
      .toBuffer();
    for (const resize of ['squash', 'center-crop'] as const) {
      for (const size of [
        [224, 224],
        [17, 31],
        [1, 1],
      ] as const) {
        const spec: ModelInputSpec = { size, resize };
        const decoded = await decodeForModel(bytes, spec);
        expectLayout(decoded, spec);
        expect([decoded.width, decoded.height]).toEqual([300, 100]);
      }
    }
  });

  it('center-crop keeps the middle of a wide image, squash keeps all of it', async () => {
    // Three vertical bands: red | green | blue. A square centre crop sees only green.
    const bands = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">' +
        '<rect width="100" height="100" fill="#f00"/><rect x="100" width="100" height="100" fill="#0f0"/>' +
        '<rect x="200" width="100" height="100" fill="#00f"/></svg>',
    );
    const png = await sharp(bands).png().toBuffer();
    const centre = await decodeForModel(png, { size: [12, 12], resize: 'center-crop' });
    // Only the outermost columns may pick up a little of the neighbouring bands from the resize kernel.
    expect(maxDistance(centre.rgb, GREEN)).toBeLessThanOrEqual(20);
    expectColour(pixelAt(centre, squash(12, 12), 6, 6), GREEN, 0);
    const whole = await decodeForModel(png, squash(12, 12));
    expectColour(pixelAt(whole, squash(12, 12), 0, 6), RED, 2);
    expectColour(pixelAt(whole, squash(12, 12), 11, 6), BLUE, 2);
  });

  for (const format of ['gif', 'webp'] as const) {
    it(`animated ${format}: the first frame is used`, async () => {
      const frames = [await solid('#ff0000'), await solid('#0000ff')];
      const animated = await sharp(frames, { join: { animated: true } })
        .toFormat(format)
        .toBuffer();
      // The fixture really has two frames, and the second is blue.
      expect((await sharp(animated).metadata()).pages).toBe(2);
      const second = await sharp(animated, { page: 1 }).removeAlpha().raw().toBuffer();
      expect(maxDistance(new Uint8Array(second), BLUE)).toBeLessThanOrEqual(8);

      const decoded = await decodeForModel(animated, squash(8, 8));
      expect(decoded).toMatchObject({ width: 40, height: 30, format });
      expect(maxDistance(decoded.rgb, RED)).toBeLessThanOrEqual(8);
    });
  }
});

describe('content decides the format, not the file name', () => {
  for (const format of ['png', 'webp'] as const) {
    it(`a ${format} named .jpg decodes and says ${format}`, async () => {
      const file = await writeScene(path.join(tmp.dir, 'misnamed', `really-${format}.jpg`), 5, format);
      const decoded = await decodeForModel(readFileSync(file), squash(32, 32));
      expect(decoded.format).toBe(format);
      expectLayout(decoded, squash(32, 32));
    });
  }
});

describe('EXIF orientation', () => {
  // Display quadrants [top-left, top-right, bottom-left, bottom-right] for a stored image whose
  // quadrants are red, green, blue, yellow, per the EXIF 2.3 definition of each orientation.
  const expected: Record<number, [Rgb, Rgb, Rgb, Rgb]> = {
    1: [RED, GREEN, BLUE, YELLOW],
    2: [GREEN, RED, YELLOW, BLUE], // mirrored left-right
    3: [YELLOW, BLUE, GREEN, RED], // rotated 180°
    4: [BLUE, YELLOW, RED, GREEN], // mirrored top-bottom
    5: [RED, BLUE, GREEN, YELLOW], // transposed
    6: [BLUE, RED, YELLOW, GREEN], // rotated 90° clockwise
    7: [YELLOW, GREEN, BLUE, RED], // transversed
    8: [GREEN, YELLOW, RED, BLUE], // rotated 90° anticlockwise
  };

  for (const [orientation, [tl, tr, bl, br]] of Object.entries(expected)) {
    it(`orientation ${orientation}: size and pixels as displayed`, async () => {
      const jpeg = await quadrants(200, 100)
        .jpeg({ quality: 95 })
        .withMetadata({ orientation: Number(orientation) })
        .toBuffer();
      expect((await sharp(jpeg).metadata()).orientation).toBe(Number(orientation));
      const spec = squash(8, 8);
      const decoded = await decodeForModel(jpeg, spec);
      const turned = Number(orientation) >= 5;
      expect([decoded.width, decoded.height]).toEqual(turned ? [100, 200] : [200, 100]);
      expectColour(pixelAt(decoded, spec, 1, 1), tl, 40);
      expectColour(pixelAt(decoded, spec, 6, 1), tr, 40);
      expectColour(pixelAt(decoded, spec, 1, 6), bl, 40);
      expectColour(pixelAt(decoded, spec, 6, 6), br, 40);
    });
  }

  it('a 200×100 left-red/right-blue JPEG tagged 6 is 100×200, red on top, as sharp.rotate() shows it', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">' +
        '<rect width="100" height="100" fill="#f00"/><rect x="100" width="100" height="100" fill="#00f"/></svg>',
    );
    const jpeg = await sharp(svg).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const spec = squash(100, 200);
    const decoded = await decodeForModel(jpeg, spec);
    expect([decoded.width, decoded.height]).toEqual([100, 200]);
    expectColour(pixelAt(decoded, spec, 50, 20), RED, 8);
    expectColour(pixelAt(decoded, spec, 50, 180), BLUE, 8);
    const byRotate = await sharp(jpeg).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([byRotate.info.width, byRotate.info.height]).toEqual([100, 200]);
    expect(meanAbsDiff(decoded.rgb, new Uint8Array(byRotate.data))).toBeLessThan(1);
  });
});

describe('crop', () => {
  let png: Buffer;
  beforeAll(async () => {
    png = await quadrants(100, 100).png().toBuffer();
  });

  const cases: Array<[string, CropSpec, Rgb]> = [
    ['fraction: top-left quadrant', { x: 0, y: 0, width: 0.5, height: 0.5, unit: 'fraction' }, RED],
    ['fraction: top-right quadrant', { x: 0.5, y: 0, width: 0.5, height: 0.5, unit: 'fraction' }, GREEN],
    ['pixels: bottom-left quadrant', { x: 0, y: 50, width: 50, height: 50, unit: 'px' }, BLUE],
    ['pixels: inside the bottom-right quadrant', { x: 60, y: 70, width: 20, height: 10, unit: 'px' }, YELLOW],
    [
      'pixels reaching past the edge are clipped',
      { x: 75, y: 75, width: 500, height: 500, unit: 'px' },
      YELLOW,
    ],
  ];
  for (const [name, crop, colour] of cases) {
    it(name, async () => {
      for (const resize of ['squash', 'center-crop'] as const) {
        const decoded = await decodeForModel(png, { size: [16, 16], resize }, crop);
        expect(maxDistance(decoded.rgb, colour)).toBe(0);
        // width/height describe the whole image, not the crop.
        expect([decoded.width, decoded.height]).toEqual([100, 100]);
      }
    });
  }

  it('applies to the image as displayed (after EXIF orientation)', async () => {
    // Stored 200×100 left red / right green; tagged 6 it shows red on top, green below.
    const jpeg = await quadrants(200, 100).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const bottom = await decodeForModel(jpeg, squash(8, 8), {
      x: 0,
      y: 0.6,
      width: 1,
      height: 0.4,
      unit: 'fraction',
    });
    // The bottom of the displayed image is the stored right half: green (top) and yellow (bottom)...
    // ...turned 90° clockwise, so green is on the right, yellow on the left.
    expectColour(pixelAt(bottom, squash(8, 8), 1, 4), YELLOW, 40);
    expectColour(pixelAt(bottom, squash(8, 8), 6, 4), GREEN, 40);
  });

  it('a crop outside the image throws CropError, not ImageSkip', async () => {
    for (const crop of [
      { x: 200, y: 200, width: 10, height: 10, unit: 'px' },
      { x: 100, y: 0, width: 5, height: 5, unit: 'px' },
      { x: 1, y: 0, width: 0.5, height: 0.5, unit: 'fraction' },
    ] as const) {
      const err: unknown = await decodeForModel(png, squash(8, 8), crop).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CropError);
      expect(err).not.toBeInstanceOf(ImageSkip);
      expect((err as Error).message).toMatch(/outside the 100×100 image/);
    }
  });

  it('a damaged image with a crop still reports the damage (ImageSkip)', async () => {
    await expect(
      decodeForModel(Buffer.from('not an image at all'), squash(8, 8), {
        x: 0,
        y: 0,
        width: 1,
        height: 1,
        unit: 'fraction',
      }),
    ).rejects.toBeInstanceOf(ImageSkip);
  });

  describe('parseCropSpec', () => {
    it('reads fractions when all four numbers are at most 1', () => {
      expect(parseCropSpec('0.1,0.2,0.5,0.5')).toEqual({
        x: 0.1,
        y: 0.2,
        width: 0.5,
        height: 0.5,
        unit: 'fraction',
      });
      expect(parseCropSpec('0,0,1,1')).toEqual({ x: 0, y: 0, width: 1, height: 1, unit: 'fraction' });
    });

    it('reads pixels otherwise, and tolerates spaces', () => {
      expect(parseCropSpec('10,20,100,80')).toEqual({ x: 10, y: 20, width: 100, height: 80, unit: 'px' });
      expect(parseCropSpec(' 10 , 20 , 100 , 80 ')).toEqual({
        x: 10,
        y: 20,
        width: 100,
        height: 80,
        unit: 'px',
      });
      expect(parseCropSpec('0,0,0.5,2').unit).toBe('px');
    });

    for (const junk of [
      '',
      'a,b,c,d',
      '1,2,3',
      '1,2,3,4,5',
      '1,,3,4',
      '10;20;100;80',
      '-1,0,10,10',
      '0,-0.5,0.5,0.5',
      'NaN,0,1,1',
      'Infinity,0,10,10',
      '0x10,0,10,10x',
    ]) {
      it(`rejects ${JSON.stringify(junk)}`, () => {
        expect(() => parseCropSpec(junk)).toThrow(CropError);
        expect(() => parseCropSpec(junk)).toThrow(/four non-negative numbers/);
      });
    }

    for (const empty of ['0,0,0,10', '0,0,10,0', '0.1,0.1,0,0.5']) {
      it(`rejects the zero-sized ${JSON.stringify(empty)}`, () => {
        expect(() => parseCropSpec(empty)).toThrow(/positive width and height/);
      });
    }
  });

  describe('resolveCrop', () => {
    it('scales fractions, rounds to whole pixels and clips to the image', () => {
      expect(resolveCrop({ x: 0.25, y: 0.5, width: 0.5, height: 0.5, unit: 'fraction' }, 200, 100)).toEqual({
        left: 50,
        top: 50,
        width: 100,
        height: 50,
      });
      expect(resolveCrop({ x: 10.4, y: 0, width: 1000, height: 5, unit: 'px' }, 200, 100)).toEqual({
        left: 10,
        top: 0,
        width: 190,
        height: 5,
      });
    });

    it('throws CropError when nothing of the crop is inside', () => {
      expect(() => resolveCrop({ x: 200, y: 0, width: 10, height: 10, unit: 'px' }, 200, 100)).toThrow(
        CropError,
      );
      expect(() =>
        resolveCrop({ x: 0, y: 0.999, width: 1, height: 0.001, unit: 'fraction' }, 200, 100),
      ).toThrow(CropError);
    });
  });
});

describe('colour handling', () => {
  it('a transparent PNG is flattened on white', async () => {
    const clear = await sharp({
      create: { width: 10, height: 10, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    expect(maxDistance((await decodeForModel(clear, squash(4, 4))).rgb, WHITE)).toBe(0);

    const halfRed = await sharp({
      create: { width: 10, height: 10, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    expect(
      maxDistance((await decodeForModel(halfRed, squash(4, 4))).rgb, [255, 128, 128]),
    ).toBeLessThanOrEqual(2);
  });

  it('a 16-bit PNG decodes to 8-bit RGB', async () => {
    const png16 = await quadrants(32, 32).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const spec = squash(8, 8);
    const decoded = await decodeForModel(png16, spec);
    expectLayout(decoded, spec);
    expectColour(pixelAt(decoded, spec, 1, 1), RED, 1);
    expectColour(pixelAt(decoded, spec, 6, 6), YELLOW, 1);
  });

  it('a greyscale JPEG decodes to 3 equal channels', async () => {
    // toColourspace('b-w') writes a one-channel JPEG; greyscale() alone keeps three.
    const grey = await quadrants(32, 32).toColourspace('b-w').jpeg().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const decoded = await decodeForModel(grey, squash(8, 8));
    expectLayout(decoded, squash(8, 8));
    for (let i = 0; i < decoded.rgb.length; i += 3) {
      expect(decoded.rgb[i]).toBe(decoded.rgb[i + 1]);
      expect(decoded.rgb[i]).toBe(decoded.rgb[i + 2]);
    }
  });

  it('a greyscale PNG with alpha and a palette PNG decode to RGB', async () => {
    const greyAlpha = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } },
    })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    expect(maxDistance((await decodeForModel(greyAlpha, squash(4, 4))).rgb, [0, 0, 0])).toBe(0);

    const palette = await quadrants(32, 32).png({ palette: true }).toBuffer();
    expect((await sharp(palette).metadata()).isPalette).toBe(true);
    const spec = squash(8, 8);
    const decoded = await decodeForModel(palette, spec);
    expectColour(pixelAt(decoded, spec, 6, 1), GREEN, 2);
  });

  it('a CMYK JPEG decodes to RGB with the right colours', async () => {
    const cmyk = await quadrants(32, 32).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    const meta = await sharp(cmyk).metadata();
    expect([meta.space, meta.channels]).toEqual(['cmyk', 4]);
    const spec = squash(8, 8);
    const decoded = await decodeForModel(cmyk, spec);
    expectLayout(decoded, spec);
    // Pure sRGB primaries lie outside the CMYK gamut, so they come back duller; the hue must survive.
    const [r, g, b] = pixelAt(decoded, spec, 1, 1);
    expect(r).toBeGreaterThan(200);
    expect(Math.max(g, b)).toBeLessThan(60);
    const [r2, g2, b2] = pixelAt(decoded, spec, 1, 6);
    expect(b2).toBeGreaterThan(110);
    expect(b2 - Math.max(r2, g2)).toBeGreaterThan(60);
  });
});

describe('bad input is skipped with a reason', () => {
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = readFileSync(
      await writeScene(path.join(tmp.dir, 'bad', 'good.jpg'), 3, 'jpeg', { width: 400, height: 300 }),
    );
  });

  it('zero bytes → empty', async () => {
    await expectSkip(Buffer.alloc(0), 'empty', /empty/);
  });

  it('plain text named .jpg → unsupported', async () => {
    const file = path.join(tmp.dir, 'bad', 'notes.jpg');
    writeFileSync(file, 'Shopping list:\n- milk\n- eggs\n');
    await expectSkip(readFileSync(file), 'unsupported', /not an image/);
  });

  it('random bytes → unsupported', async () => {
    const rnd = seededRandom(42);
    const bytes = Buffer.alloc(8192);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
    await expectSkip(bytes, 'unsupported', /not an image/);
  });

  it('a truncated JPEG (first 60%) → corrupt', async () => {
    await expectSkip(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'corrupt', /damaged or incomplete/);
  });

  for (const format of ['png', 'webp', 'gif', 'avif'] as const) {
    it(`a truncated ${format} → corrupt (a damaged photo, not "not an image")`, async () => {
      const whole = readFileSync(await writeScene(path.join(tmp.dir, 'bad', `cut.${format}`), 3, format));
      await expectSkip(whole.subarray(0, Math.floor(whole.length * 0.6)), 'corrupt', /damaged or incomplete/);
    });
  }

  it('a PNG that is only its signature → corrupt', async () => {
    await expectSkip((await solid('#fff')).subarray(0, 8), 'corrupt', /damaged/);
  });

  it('a JPEG with garbage over the middle of its entropy-coded data still decodes, at full size', async () => {
    // Baseline JPEG decoders resynchronise on restart markers or just paint wrong blocks:
    // the damage shows as smeared pixels, not as an error.
    const scan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    expect(scan).toBeGreaterThan(0);
    const damaged = Buffer.from(jpeg);
    const from = scan + Math.floor((damaged.length - scan) * 0.4);
    const rnd = seededRandom(7);
    for (let i = from; i < from + 2000; i++) damaged[i] = Math.floor(rnd() * 256);
    const spec = squash(64, 48);
    const decoded = await decodeForModel(damaged, spec);
    expectLayout(decoded, spec);
    expect([decoded.width, decoded.height]).toEqual([400, 300]);
    const intact = await decodeForModel(jpeg, spec);
    expect(meanAbsDiff(decoded.rgb, intact.rgb)).toBeGreaterThan(1);
  });

  it('random damage anywhere in JPEG, PNG and WebP files ends in a picture or an ImageSkip, never another error', async () => {
    const originals = [
      jpeg,
      readFileSync(await writeScene(path.join(tmp.dir, 'bad', 'fuzz.png'), 4, 'png')),
      readFileSync(await writeScene(path.join(tmp.dir, 'bad', 'fuzz.webp'), 4, 'webp')),
    ];
    const rnd = seededRandom(2024);
    const spec = squash(16, 16);
    for (const original of originals) {
      for (let round = 0; round < 12; round++) {
        const damaged = Buffer.from(original);
        const start = Math.floor(rnd() * damaged.length);
        const length = 1 + Math.floor(rnd() * 64);
        for (let i = start; i < Math.min(damaged.length, start + length); i++)
          damaged[i] = Math.floor(rnd() * 256);
        const result: unknown = await decodeForModel(damaged, spec).catch((e: unknown) => e);
        if (result instanceof Error) {
          expect(result, result.message).toBeInstanceOf(ImageSkip);
          expect(result.message.length).toBeGreaterThan(10);
        } else {
          expectLayout(result as DecodedForModel, spec);
        }
      }
    }
  });

  it('a PNG declaring 60000×60000 → too-many-pixels, at once, without decoding', async () => {
    const png = pngDeclaring(60_000, 60_000);
    expect(png.length).toBeLessThan(100);
    expect(60_000 * 60_000).toBeGreaterThan(MAX_INPUT_PIXELS);
    const started = performance.now();
    await expectSkip(png, 'too-many-pixels', /too many pixels/);
    // Allocating 10.8 GB of pixels would take far longer (or fail outright).
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a PNG just under the pixel limit is not refused for its size', async () => {
    // 10000×10000 = exactly MAX_INPUT_PIXELS: allowed; its pixel data is missing, so it is damaged.
    await expectSkip(pngDeclaring(10_000, 10_000), 'corrupt', /damaged/);
  });

  it('an HEVC-coded HEIC (as phones write) → unsupported, saying HEIC cannot be decoded', async () => {
    const avif = await sharp(await solid('#f00', 64, 48))
      .avif()
      .toBuffer();
    const heic = heicFromAvif(avif);
    // The forged file parses: its header is a real HEIF with HEVC compression.
    const meta = await sharp(heic).metadata();
    expect([meta.format, meta.compression, meta.width, meta.height]).toEqual(['heif', 'hevc', 64, 48]);
    await expectSkip(heic, 'unsupported', /HEIC/);
  });
});
