import { useEffect, useState } from 'react';
import { useActions, useSearch } from '../../actions/app-context.tsx';
import { folderOf, formatScore } from '../../format.ts';
import { AddToSetControl } from '../evaluate/add-to-set-control.tsx';
import type { ResultTile } from '../../state/result-tiles.ts';
import {
  ArrowLeftIcon,
  ArrowRightIcon,
  CloseIcon,
  CopyIcon,
  FolderIcon,
  OpenIcon,
  SimilarIcon,
} from '../common/icons.tsx';
import { useModalDialog } from '../common/use-modal-dialog.ts';

/**
 * The focused result, large, in a modal dialog: ←/→ step through the results, Escape closes
 * (focus goes back to the tile), and it offers "Find similar", "Copy path" and, in the desktop
 * app, "Show in folder", "Open" (the default app) and dragging the photo out to other apps.
 */
export function PreviewDialog(props: { tiles: ResultTile[] }): React.JSX.Element {
  const actions = useActions();
  const index = useSearch((s) => s.previewIndex);
  const [copied, setCopied] = useState(false);
  const [openProblem, setOpenProblem] = useState<string | null>(null);
  const tile = index === null ? undefined : props.tiles[index];
  const { ref: dialogRef, onBackdropClick } = useModalDialog(tile !== undefined);
  useEffect(() => {
    setCopied(false);
    setOpenProblem(null);
  }, [tile]);

  const step = (delta: number): void => {
    if (index === null) return;
    const next = index + delta;
    if (next >= 0 && next < props.tiles.length) actions.search.openPreview(next);
  };

  return (
    <dialog
      ref={dialogRef}
      className="modal preview"
      aria-label={tile ? `Preview of ${tile.name}` : 'Preview'}
      onClose={() => {
        actions.search.closePreview();
        // Back to the tile last shown (it may differ from the one that opened the dialog).
        document.querySelector<HTMLElement>(`.results-list [data-index="${index}"] .tile-open`)?.focus();
      }}
      onKeyDown={(e) => {
        if (e.key === 'ArrowLeft') step(-1);
        else if (e.key === 'ArrowRight') step(1);
        else return;
        e.preventDefault();
      }}
      onClick={onBackdropClick}
    >
      {tile ? (
        <div className="preview-content">
          <header className="preview-header">
            <div className="preview-heading">
              <h2 className="preview-title">{tile.name}</h2>
              <p className="preview-path" title={tile.path}>
                {folderOf(tile.path)}
              </p>
            </div>
            <button
              type="button"
              className="icon-button"
              aria-label="Close"
              onClick={() => dialogRef.current?.close()}
            >
              <CloseIcon />
            </button>
          </header>
          <div className="preview-stage">
            <button
              type="button"
              className="icon-button preview-step"
              aria-label="Previous result"
              disabled={index === 0}
              onClick={() => step(-1)}
            >
              <ArrowLeftIcon />
            </button>
            <img
              key={tile.path}
              className="preview-image"
              src={actions.imageUrl({ kind: 'library', path: tile.path }, 'preview')}
              alt={tile.name}
              draggable={actions.capabilities.canRevealInOS}
              onDragStart={(e) => {
                e.preventDefault();
                if (actions.capabilities.canRevealInOS) actions.startDrag(tile.path);
              }}
            />
            <button
              type="button"
              className="icon-button preview-step"
              aria-label="Next result"
              disabled={index === props.tiles.length - 1}
              onClick={() => step(1)}
            >
              <ArrowRightIcon />
            </button>
          </div>
          {openProblem ? (
            <p className="banner banner-error" role="alert">
              {openProblem}
            </p>
          ) : null}
          <footer className="preview-footer">
            <span className="preview-facts">
              {tile.duplicateOf ? 'Near-duplicate' : `Rank ${tile.rank}`} · score {formatScore(tile.score)}
              {tile.duplicateCount > 0 ? ` · ${tile.duplicateCount} near-duplicates` : ''}
            </span>
            <span className="preview-actions">
              <AddToSetControl photo={{ kind: 'library', path: tile.path }} />
              <button
                type="button"
                className="button"
                onClick={() => void actions.copyText(tile.path).then(setCopied)}
                aria-live="polite"
              >
                <CopyIcon size={16} /> {copied ? 'Copied' : 'Copy path'}
              </button>
              {actions.capabilities.canRevealInOS ? (
                <>
                  <button type="button" className="button" onClick={() => void actions.revealInOS(tile.path)}>
                    <FolderIcon size={16} /> Show in folder
                  </button>
                  <button
                    type="button"
                    className="button"
                    title="Open with the default app"
                    onClick={() => void actions.openInOS(tile.path).then(setOpenProblem)}
                  >
                    <OpenIcon size={16} /> Open
                  </button>
                </>
              ) : null}
              <button
                type="button"
                className="button button-primary"
                onClick={() => {
                  dialogRef.current?.close();
                  actions.findSimilar(tile.path);
                }}
              >
                <SimilarIcon size={16} /> Find similar
              </button>
            </span>
          </footer>
        </div>
      ) : null}
    </dialog>
  );
}
