import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

const boundsSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
const stateSchema = z.object({ bounds: boundsSchema, maximized: z.boolean().default(false) });
export type WindowState = z.infer<typeof stateSchema>;

/** The remembered window state, or null when there is none (first run, an unreadable file). */
export function readWindowState(file: string): WindowState | null {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  try {
    writeFileSync(file, JSON.stringify(state));
  } catch {
    // Remembering the window is a nicety; a read-only profile must not break quitting.
  }
}

/**
 * Fits remembered bounds onto the displays there are now: the window keeps its size (shrunk to
 * the work area when bigger) and is moved onto the display it overlaps most, or the first one.
 */
export function clampToDisplays(
  bounds: Bounds,
  workAreas: readonly Bounds[],
  min: { width: number; height: number },
): Bounds | null {
  if (workAreas.length === 0) return null;
  const overlap = (a: Bounds, b: Bounds): number =>
    Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) *
    Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const area = workAreas.reduce((best, a) => (overlap(bounds, a) > overlap(bounds, best) ? a : best));
  const width = Math.max(Math.min(bounds.width, area.width), Math.min(min.width, area.width));
  const height = Math.max(Math.min(bounds.height, area.height), Math.min(min.height, area.height));
  const x = Math.min(Math.max(bounds.x, area.x), area.x + area.width - width);
  const y = Math.min(Math.max(bounds.y, area.y), area.y + area.height - height);
  return { x, y, width, height };
}
