import { useId, useRef, useState } from 'react';
import {
  boxForKey,
  boxFromPoints,
  CROP_HANDLES,
  type CropBox,
  type CropHandle,
  describeCrop,
  isCropHandle,
  moveBox,
  resizeBox,
} from './crop-geometry.ts';

interface Drag {
  part: 'draw' | 'move' | CropHandle;
  startX: number;
  startY: number;
  startBox: CropBox | null;
  moved: boolean;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * The query photo with a crop on it. Drag on the photo to draw a crop, drag inside it to move it,
 * drag a handle to resize it. With the keyboard: arrows move, Shift+arrows resize, Ctrl/⌘ for
 * bigger steps, Delete clears. A click outside the crop clears it too.
 */
export function CropTool(props: {
  src: string;
  alt: string;
  crop: CropBox | null;
  onChange: (crop: CropBox | null) => void;
}): React.JSX.Element {
  const { crop, onChange } = props;
  const frameRef = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const helpId = useId();

  function point(e: React.PointerEvent): [number, number] {
    const r = frameRef.current!.getBoundingClientRect();
    return [clamp01((e.clientX - r.left) / r.width), clamp01((e.clientY - r.top) / r.height)];
  }

  function onPointerDown(e: React.PointerEvent<HTMLDivElement>): void {
    if (e.button !== 0 || status !== 'ready') return;
    const part = (e.target as HTMLElement).dataset.part;
    const [x, y] = point(e);
    drag.current = {
      part: part === 'move' && crop ? 'move' : isCropHandle(part) && crop ? part : 'draw',
      startX: x,
      startY: y,
      startBox: crop,
      moved: false,
    };
    e.currentTarget.setPointerCapture(e.pointerId);
  }

  function onPointerMove(e: React.PointerEvent<HTMLDivElement>): void {
    const d = drag.current;
    if (!d) return;
    const [x, y] = point(e);
    const dx = x - d.startX;
    const dy = y - d.startY;
    if (!d.moved && Math.abs(dx) < 0.01 && Math.abs(dy) < 0.01) return;
    d.moved = true;
    if (d.part === 'draw') onChange(boxFromPoints(d.startX, d.startY, x, y));
    else if (d.part === 'move') onChange(moveBox(d.startBox!, dx, dy));
    else onChange(resizeBox(d.startBox!, d.part, dx, dy));
  }

  function onPointerUp(e: React.PointerEvent<HTMLDivElement>): void {
    const d = drag.current;
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    // A click (no drag) outside the crop clears it.
    if (d && !d.moved && d.part === 'draw' && crop) onChange(null);
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLDivElement>): void {
    if (e.altKey) return;
    const next = boxForKey(crop, e.key, { shift: e.shiftKey, large: e.ctrlKey || e.metaKey });
    if (next === undefined) return;
    e.preventDefault();
    if (next !== crop) onChange(next);
  }

  return (
    <div className="crop">
      <div
        ref={frameRef}
        className={`crop-frame${crop ? ' crop-frame-active' : ''}`}
        role="application"
        aria-label="Crop"
        aria-roledescription="crop tool"
        aria-describedby={helpId}
        tabIndex={0}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
      >
        <img
          className="crop-image"
          src={props.src}
          alt={props.alt}
          draggable={false}
          onLoad={() => setStatus('ready')}
          onError={() => setStatus('error')}
        />
        {status === 'error' ? <div className="crop-error">The photo cannot be shown.</div> : null}
        {crop ? (
          <div
            className="crop-box"
            data-part="move"
            style={{
              left: `${crop.x * 100}%`,
              top: `${crop.y * 100}%`,
              width: `${crop.width * 100}%`,
              height: `${crop.height * 100}%`,
            }}
          >
            {CROP_HANDLES.map((h) => (
              <span key={h} className={`crop-handle crop-handle-${h}`} data-part={h} />
            ))}
          </div>
        ) : null}
      </div>
      <p id={helpId} className="crop-help">
        {crop
          ? 'Searching with the highlighted part. Drag it or its corners; arrow keys move it, Shift+arrows resize it, Delete clears it.'
          : 'Drag on the photo to search with just part of it (or focus it and press an arrow key).'}
      </p>
      <span className="visually-hidden" aria-live="polite">
        {describeCrop(crop)}
      </span>
    </div>
  );
}
