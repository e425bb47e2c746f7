import { describe, expect, it } from 'vitest';
import {
  boxForKey,
  boxFromPoints,
  describeCrop,
  MIN_CROP,
  moveBox,
  resizeBox,
} from '../../src/renderer/src/components/search/crop-geometry.ts';

describe('crop geometry', () => {
  it('draws a box between two points in any direction, at least MIN_CROP and inside the photo', () => {
    expect(boxFromPoints(0.6, 0.8, 0.2, 0.1)).toEqual({ x: 0.2, y: 0.1, width: 0.4, height: 0.7 });
    const tiny = boxFromPoints(0.99, 0.5, 0.995, 0.5);
    expect(tiny.width).toBeCloseTo(MIN_CROP);
    expect(tiny.height).toBeCloseTo(MIN_CROP);
    expect(tiny.x + tiny.width).toBeLessThanOrEqual(1);
  });

  it('moves a box without changing its size, stopping at the edges', () => {
    const box = { x: 0.1, y: 0.1, width: 0.5, height: 0.5 };
    expect(moveBox(box, 0.2, 0.1)).toEqual({ x: 0.3, y: 0.2, width: 0.5, height: 0.5 });
    expect(moveBox(box, 0.9, -0.9)).toEqual({ x: 0.5, y: 0, width: 0.5, height: 0.5 });
  });

  it('resizes by the dragged handle only, never below MIN_CROP or past the photo', () => {
    const box = { x: 0.2, y: 0.2, width: 0.4, height: 0.4 };
    expect(resizeBox(box, 'e', 0.1, 0.3)).toEqual({ x: 0.2, y: 0.2, width: 0.5, height: 0.4 });
    expect(resizeBox(box, 'nw', -0.5, -0.1)).toEqual({ x: 0, y: 0.1, width: 0.6, height: 0.5 });
    expect(resizeBox(box, 'w', 0.9, 0).width).toBeCloseTo(MIN_CROP);
    expect(resizeBox(box, 'se', 1, 1)).toEqual({ x: 0.2, y: 0.2, width: 0.8, height: 0.8 });
  });

  it('maps keys: arrows move, Shift+arrows resize, Ctrl for big steps, Delete clears', () => {
    const box = { x: 0.2, y: 0.2, width: 0.4, height: 0.4 };
    expect(boxForKey(null, 'ArrowRight', { shift: false, large: false })).toEqual({
      x: 0.25,
      y: 0.25,
      width: 0.5,
      height: 0.5,
    });
    expect(boxForKey(box, 'ArrowRight', { shift: false, large: false })).toEqual({ ...box, x: 0.21 });
    expect(boxForKey(box, 'ArrowUp', { shift: false, large: true })).toEqual({ ...box, y: 0.1 });
    expect(boxForKey(box, 'ArrowLeft', { shift: true, large: false })).toEqual({ ...box, width: 0.39 });
    expect(boxForKey(box, 'ArrowDown', { shift: true, large: true })).toEqual({ ...box, height: 0.5 });
    expect(boxForKey(box, 'Delete', { shift: false, large: false })).toBeNull();
    expect(boxForKey(box, 'a', { shift: false, large: false })).toBeUndefined();
  });

  it('describes the crop in words', () => {
    expect(describeCrop({ x: 0.25, y: 0.1, width: 0.5, height: 0.4 })).toBe(
      'Crop: 25% from left, 10% from top, 50% wide, 40% high.',
    );
    expect(describeCrop(null)).toMatch(/whole photo/);
  });
});
