import { memo, useEffect, useState } from 'react';
import { useActions, useAppState } from '../../actions/app-context.tsx';
import { formatScore } from '../../format.ts';
import type { ResultTile as Tile } from '../../state/result-tiles.ts';
import { ImageIcon, SimilarIcon, StackIcon } from '../common/icons.tsx';

function accessibleName(tile: Tile): string {
  const where = tile.duplicateOf ? `near-duplicate in group ${tile.rank}` : `rank ${tile.rank}`;
  const group = tile.duplicateCount > 0 ? `, ${tile.duplicateCount} near-duplicates` : '';
  return `${tile.name}, ${where}, score ${formatScore(tile.score)}${group}`;
}

/**
 * One result: the thumbnail (Enter or click opens it large; in the desktop app it drags out to
 * other apps), its name and score, "Find similar", and for a group the count of near-duplicates
 * folded under it (click to show them).
 * Only the active tile's buttons are in the Tab order; arrows move between tiles.
 */
export const ResultTileView = memo(function ResultTileView(props: {
  tile: Tile;
  index: number;
  total: number;
  active: boolean;
  /** Among the first rows: its thumbnail is fetched first, ahead of the rest (first results painted sooner). */
  first: boolean;
}): React.JSX.Element {
  const { tile, index, active } = props;
  const actions = useActions();
  const [broken, setBroken] = useState(false);
  // A thumbnail that failed while the engine was away is asked for again once it is back.
  const connected = useAppState((s) => s.connection === 'open');
  useEffect(() => {
    if (connected) setBroken(false);
  }, [connected]);
  const tab = active ? 0 : -1;
  // In the desktop app a result drags out to other apps as its file (the OS does the drag).
  const dragOut = actions.capabilities.canRevealInOS
    ? {
        draggable: true,
        onDragStart: (e: React.DragEvent) => {
          e.preventDefault();
          actions.startDrag(tile.path);
        },
      }
    : {};
  return (
    <div
      role="listitem"
      aria-label={accessibleName(tile)}
      aria-posinset={index + 1}
      aria-setsize={props.total}
      className={`tile${tile.duplicateOf ? ' tile-duplicate' : ''}${active ? ' tile-active' : ''}`}
      data-index={index}
    >
      <div className="tile-frame">
        <button
          type="button"
          className="tile-open"
          tabIndex={tab}
          aria-label={`Open ${tile.name}`}
          onFocus={() => actions.search.setActive(index)}
          onClick={() => actions.search.openPreview(index, tile.path)}
          {...dragOut}
        >
          {broken ? (
            <span className="tile-missing">
              <ImageIcon size={28} />
              <span>No preview</span>
            </span>
          ) : (
            <img
              className="tile-image"
              src={actions.imageUrl({ kind: 'library', path: tile.path }, 'thumb')}
              alt=""
              loading={props.first ? 'eager' : 'lazy'}
              fetchPriority={props.first ? 'high' : 'auto'}
              decoding="async"
              draggable={false}
              onError={() => setBroken(true)}
            />
          )}
        </button>
        <span className="tile-rank" aria-hidden="true">
          {tile.duplicateOf ? '≈' : tile.rank}
        </span>
        <button
          type="button"
          className="tile-chip tile-similar"
          tabIndex={tab}
          aria-label={`Find similar to ${tile.name}`}
          title="Find similar photos"
          onClick={() => actions.findSimilar(tile.path)}
        >
          <SimilarIcon size={14} /> Similar
        </button>
        {tile.duplicateCount > 0 ? (
          <button
            type="button"
            className="tile-chip tile-group"
            tabIndex={tab}
            aria-expanded={tile.expanded}
            aria-label={`${tile.expanded ? 'Hide' : 'Show'} ${tile.duplicateCount} near-duplicates of ${tile.name}`}
            title={tile.expanded ? 'Hide near-duplicates' : 'Show near-duplicates'}
            onClick={() => actions.search.toggleGroup(tile.path)}
          >
            <StackIcon size={14} /> +{tile.duplicateCount}
          </button>
        ) : null}
      </div>
      <div className="tile-caption">
        <span className="tile-name" title={tile.path}>
          {tile.name}
        </span>
        <span className="tile-score" title="Similarity (1 = identical)">
          {formatScore(tile.score)}
        </span>
      </div>
    </div>
  );
});
