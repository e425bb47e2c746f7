/** A crop on the (EXIF-oriented) image: either pixels or fractions of width/height. */
export interface CropSpec {
  x: number;
  y: number;
  width: number;
  height: number;
  unit: 'px' | 'fraction';
}

export interface PixelRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A crop that cannot apply to the image: the caller's mistake, not a damaged photo. */
export class CropError extends Error {}

/** Parses "x,y,w,h": all four ≤ 1 means fractions, otherwise pixels. */
export function parseCropSpec(text: string): CropSpec {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new CropError(`A crop is four non-negative numbers "x,y,width,height" (got "${text}")`);
  }
  const [x, y, width, height] = nums as [number, number, number, number];
  const unit = nums.every((n) => n <= 1) ? 'fraction' : 'px';
  if (width <= 0 || height <= 0) throw new CropError('A crop needs a positive width and height');
  return { x, y, width, height, unit };
}

/** Turns a crop into whole pixels inside the image; throws when nothing of it is inside. */
export function resolveCrop(crop: CropSpec, imageWidth: number, imageHeight: number): PixelRegion {
  const sx = crop.unit === 'fraction' ? imageWidth : 1;
  const sy = crop.unit === 'fraction' ? imageHeight : 1;
  const left = Math.max(0, Math.round(crop.x * sx));
  const top = Math.max(0, Math.round(crop.y * sy));
  const right = Math.min(imageWidth, Math.round((crop.x + crop.width) * sx));
  const bottom = Math.min(imageHeight, Math.round((crop.y + crop.height) * sy));
  if (right - left < 1 || bottom - top < 1) {
    throw new CropError(`The crop lies outside the ${imageWidth}×${imageHeight} image`);
  }
  return { left, top, width: right - left, height: bottom - top };
}
