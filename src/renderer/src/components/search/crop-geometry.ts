/** A crop as fractions of the photo (0–1), the unit the search API takes as `unit: 'fraction'`. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type CropHandle = 'n' | 's' | 'e' | 'w' | 'ne' | 'nw' | 'se' | 'sw';
export const CROP_HANDLES: readonly CropHandle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** Smallest crop side: smaller parts hold too few pixels to search with. */
export const MIN_CROP = 0.04;
/** Arrow keys move or resize by this much; with Ctrl/⌘ ten times as much. */
export const KEY_STEP = 0.01;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const round = (v: number): number => Math.round(v * 10_000) / 10_000;

function fromEdges(left: number, top: number, right: number, bottom: number): CropBox {
  return { x: round(left), y: round(top), width: round(right - left), height: round(bottom - top) };
}

export function isCropHandle(part: string | undefined): part is CropHandle {
  return CROP_HANDLES.includes(part as CropHandle);
}

/** The box between two points, at least MIN_CROP on each side and inside the photo. */
export function boxFromPoints(ax: number, ay: number, bx: number, by: number): CropBox {
  let left = Math.min(ax, bx);
  let top = Math.min(ay, by);
  let right = Math.max(ax, bx);
  let bottom = Math.max(ay, by);
  if (right - left < MIN_CROP) [left, right] = ax <= bx ? [left, left + MIN_CROP] : [right - MIN_CROP, right];
  if (bottom - top < MIN_CROP) [top, bottom] = ay <= by ? [top, top + MIN_CROP] : [bottom - MIN_CROP, bottom];
  const dx = left < 0 ? -left : right > 1 ? 1 - right : 0;
  const dy = top < 0 ? -top : bottom > 1 ? 1 - bottom : 0;
  return fromEdges(left + dx, top + dy, right + dx, bottom + dy);
}

/** The box moved by (dx, dy), its size kept, stopped at the photo's edges. */
export function moveBox(box: CropBox, dx: number, dy: number): CropBox {
  const x = clamp(box.x + dx, 0, 1 - box.width);
  const y = clamp(box.y + dy, 0, 1 - box.height);
  return fromEdges(x, y, x + box.width, y + box.height);
}

/** The box with the handle's edges moved by (dx, dy), never smaller than MIN_CROP nor outside the photo. */
export function resizeBox(box: CropBox, handle: CropHandle, dx: number, dy: number): CropBox {
  let left = box.x;
  let top = box.y;
  let right = box.x + box.width;
  let bottom = box.y + box.height;
  if (handle.includes('w')) left = clamp(left + dx, 0, right - MIN_CROP);
  if (handle.includes('e')) right = clamp(right + dx, left + MIN_CROP, 1);
  if (handle.includes('n')) top = clamp(top + dy, 0, bottom - MIN_CROP);
  if (handle.includes('s')) bottom = clamp(bottom + dy, top + MIN_CROP, 1);
  return fromEdges(left, top, right, bottom);
}

/** The crop a key press leads to: arrows move, Shift+arrows resize (→/↓ grow, ←/↑ shrink); undefined for other keys. */
export function boxForKey(
  box: CropBox | null,
  key: string,
  modifiers: { shift: boolean; large: boolean },
): CropBox | null | undefined {
  if (key === 'Delete' || key === 'Backspace') return null;
  const arrows: Record<string, [number, number]> = {
    ArrowLeft: [-1, 0],
    ArrowRight: [1, 0],
    ArrowUp: [0, -1],
    ArrowDown: [0, 1],
  };
  const dir = arrows[key];
  if (!dir) return undefined;
  // The first arrow press makes a crop to work with: the middle half of the photo.
  if (!box) return { x: 0.25, y: 0.25, width: 0.5, height: 0.5 };
  const step = KEY_STEP * (modifiers.large ? 10 : 1);
  const [dx, dy] = dir;
  return modifiers.shift ? resizeBox(box, 'se', dx * step, dy * step) : moveBox(box, dx * step, dy * step);
}

/** "Crop: 25% from left, 10% from top, 50% wide, 40% high", for screen readers. */
export function describeCrop(box: CropBox | null): string {
  if (!box) return 'No crop: searching with the whole photo.';
  const pct = (v: number): string => `${Math.round(v * 100)}%`;
  return `Crop: ${pct(box.x)} from left, ${pct(box.y)} from top, ${pct(box.width)} wide, ${pct(box.height)} high.`;
}
