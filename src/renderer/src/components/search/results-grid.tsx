import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { useActions, useSearch } from '../../actions/app-context.tsx';
import type { ResultTile } from '../../state/result-tiles.ts';
import { useElementWidth } from '../common/use-element-width.ts';
import { ResultTileView } from './result-tile.tsx';

const GAP = 14;
const MIN_TILE_WIDTH = 180;
/** Name and score under the picture. */
const CAPTION_HEIGHT = 34;
/** Pictures sit in 4:3 frames, the shape of most photos. */
const FRAME_RATIO = 3 / 4;
/** Rows on screen as soon as results arrive: their thumbnails load first. */
const FIRST_ROWS = 2;

/**
 * The results as a virtualized grid: only the rows in view (and a few around) are in the page,
 * so thousands of results scroll smoothly. Arrow keys, Home/End and Page Up/Down move the focus
 * between tiles, scrolling as needed; Enter opens the focused photo.
 */
export function ResultsGrid(props: { tiles: ResultTile[] }): React.JSX.Element {
  const { tiles } = props;
  const actions = useActions();
  const storedActive = useSearch((s) => s.activeIndex);
  const activeIndex = Math.min(storedActive, Math.max(0, tiles.length - 1));
  const answer = useSearch((s) => s.answer);
  const more = useSearch((s) => s.phase === 'more');
  const scrollRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const focusWanted = useRef(false);
  const width = useElementWidth(listRef);

  const columns = Math.max(1, Math.floor((width + GAP) / (MIN_TILE_WIDTH + GAP)));
  const tileWidth = width > 0 ? (width - GAP * (columns - 1)) / columns : MIN_TILE_WIDTH;
  const rowHeight = Math.round(tileWidth * FRAME_RATIO + CAPTION_HEIGHT + GAP);
  const rowCount = Math.ceil(tiles.length / columns);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 3,
  });

  useLayoutEffect(() => virtualizer.measure(), [rowHeight, virtualizer]);
  // A new answer starts at the top (the rest of a first screen arriving is not a new answer).
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [answer]);

  // The rest of the results is asked for once the first rows' pictures are on screen. On the first
  // search the grid mounts with the first screen, before it has a width or rows: waiting for them
  // keeps it from reporting an empty screen as shown.
  const laidOut = width > 0 && virtualizer.getVirtualItems().length > 0;
  useEffect(() => {
    if (!more || !laidOut) return;
    const first = [...(listRef.current?.querySelectorAll<HTMLImageElement>('img.tile-image') ?? [])].filter(
      (img) => img.loading === 'eager',
    );
    let current = true;
    void Promise.all(first.map((img) => img.decode().catch(() => undefined))).then(() => {
      if (current) actions.search.firstScreenShown(answer);
    });
    return () => {
      current = false;
    };
  }, [more, laidOut, answer, actions]);

  // After keyboard navigation, focus the active tile once its row is rendered.
  useEffect(() => {
    if (!focusWanted.current) return;
    const el = listRef.current?.querySelector<HTMLElement>(`[data-index="${activeIndex}"] .tile-open`);
    if (el) {
      el.focus({ preventScroll: true });
      focusWanted.current = false;
    }
  });

  function moveTo(index: number): void {
    if (tiles.length === 0) return;
    const next = Math.min(tiles.length - 1, Math.max(0, index));
    virtualizer.scrollToIndex(Math.floor(next / columns), { align: 'auto' });
    // Focus at once when the tile is in the page (its onFocus makes it active), so a key pressed
    // right after goes to it; otherwise once its row has been rendered.
    const el = listRef.current?.querySelector<HTMLElement>(`[data-index="${next}"] .tile-open`);
    if (el) {
      el.focus({ preventScroll: true });
    } else {
      focusWanted.current = true;
      actions.search.setActive(next);
    }
  }

  function onKeyDown(e: React.KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight) / rowHeight));
    const moves: Record<string, number> = {
      ArrowRight: activeIndex + 1,
      ArrowLeft: activeIndex - 1,
      ArrowDown: activeIndex + columns,
      ArrowUp: activeIndex - columns,
      PageDown: activeIndex + columns * pageRows,
      PageUp: activeIndex - columns * pageRows,
      Home: 0,
      End: tiles.length - 1,
    };
    const target = moves[e.key];
    if (target === undefined) return;
    e.preventDefault();
    moveTo(target);
  }

  return (
    <div ref={scrollRef} className="results-scroll">
      <div
        ref={listRef}
        role="list"
        aria-label="Results"
        className="results-list"
        style={{ height: virtualizer.getTotalSize() }}
        onKeyDown={onKeyDown}
      >
        {virtualizer.getVirtualItems().map((row) => {
          const first = row.index * columns;
          return (
            <div
              key={row.key}
              role="none"
              className="results-row"
              style={{
                transform: `translateY(${row.start}px)`,
                height: rowHeight - GAP,
                gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                columnGap: GAP,
              }}
            >
              {tiles.slice(first, first + columns).map((tile, i) => (
                <ResultTileView
                  key={tile.key}
                  tile={tile}
                  index={first + i}
                  total={tiles.length}
                  active={first + i === activeIndex}
                  first={row.index < FIRST_ROWS}
                />
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
