import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clampToDisplays, readWindowState, writeWindowState } from '../../src/main/window-state.ts';

const min = { width: 960, height: 640 };
const primary = { x: 0, y: 0, width: 1920, height: 1080 };
const right = { x: 1920, y: 0, width: 2560, height: 1440 };

describe('window state', () => {
  it('keeps bounds that fit a display', () => {
    const b = { x: 2000, y: 100, width: 1280, height: 800 };
    expect(clampToDisplays(b, [primary, right], min)).toEqual(b);
  });

  it('moves a window from a display that is gone onto one that is there', () => {
    expect(clampToDisplays({ x: 5000, y: 3000, width: 1280, height: 800 }, [primary], min)).toEqual({
      x: 640,
      y: 280,
      width: 1280,
      height: 800,
    });
  });

  it('shrinks a window bigger than the display', () => {
    expect(clampToDisplays({ x: -50, y: -50, width: 4000, height: 3000 }, [primary], min)).toEqual(primary);
    expect(clampToDisplays(primary, [], min)).toBeNull();
  });

  it('round-trips through the file and ignores a broken one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lookalike-window-'));
    const file = path.join(dir, 'window-state.json');
    expect(readWindowState(file)).toBeNull();
    writeWindowState(file, { bounds: { x: 1, y: 2, width: 1000, height: 700 }, maximized: true });
    expect(readWindowState(file)).toEqual({
      bounds: { x: 1, y: 2, width: 1000, height: 700 },
      maximized: true,
    });
    writeFileSync(file, '{not json');
    expect(readWindowState(file)).toBeNull();
  });
});
