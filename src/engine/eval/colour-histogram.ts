import sharp from 'sharp';

const BINS = 8;

/**
 * The floor every model must beat: a joint 8×8×8 RGB histogram, square-rooted and L2-normalised
 * (so the dot product is the Hellinger / Bhattacharyya similarity of the two histograms).
 */
export async function colourHistogram(file: string): Promise<Float32Array> {
  const { data } = await sharp(file)
    .rotate()
    .resize(64, 64, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const hist = new Float32Array(BINS * BINS * BINS);
  const shift = 8 - Math.log2(BINS);
  for (let i = 0; i < data.length; i += 3) {
    hist[((data[i]! >> shift) * BINS + (data[i + 1]! >> shift)) * BINS + (data[i + 2]! >> shift)]! += 1;
  }
  let norm = 0;
  for (let i = 0; i < hist.length; i++) {
    hist[i] = Math.sqrt(hist[i]!);
    norm += hist[i]! * hist[i]!;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < hist.length; i++) hist[i] = hist[i]! * inv;
  return hist;
}
