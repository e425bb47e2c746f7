import { useEffect, useRef, useState } from 'react';
import { useActions } from '../../actions/app-context.tsx';
import { UploadIcon } from '../common/icons.tsx';
import { PreviewDialog } from './preview-dialog.tsx';
import { QueryPanel } from './query-panel.tsx';
import { ResultsPanel } from './results-panel.tsx';
import { useResultTiles } from './use-result-tiles.ts';

function hasFiles(e: React.DragEvent): boolean {
  return Array.from(e.dataTransfer.types).includes('Files');
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/** Query on the left, results on the right; a photo dropped anywhere on it becomes the query. */
export function SearchView(): React.JSX.Element {
  const actions = useActions();
  const tiles = useResultTiles();
  const [dropping, setDropping] = useState(false);
  const depth = useRef(0);

  // Alt+←/→ walk the query history, like a browser's back and forward.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!e.altKey || isTyping(e.target)) return;
      if (e.key === 'ArrowLeft') actions.search.back();
      else if (e.key === 'ArrowRight') actions.search.forward();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions]);

  return (
    <div
      className="search-page"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        depth.current++;
        setDropping(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        if (!hasFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDropping(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setDropping(false);
        const file = e.dataTransfer.files[0];
        if (file) void actions.search.searchWithFile(file, file.name);
      }}
    >
      <QueryPanel />
      <ResultsPanel tiles={tiles} />
      <PreviewDialog tiles={tiles} />
      {dropping ? (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-card">
            <UploadIcon size={36} />
            <p>Drop the photo to search with it</p>
          </div>
        </div>
      ) : null}
    </div>
  );
}
