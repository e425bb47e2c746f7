import { useActions, useLibrary, useSearch } from '../../actions/app-context.tsx';
import { formatCount, plural } from '../../format.ts';
import type { ResultTile } from '../../state/result-tiles.ts';
import { FolderIcon, SearchIcon } from '../common/icons.tsx';
import { Spinner, StatusMessage } from '../common/status-message.tsx';
import { ResultsGrid } from './results-grid.tsx';

function ResultsHeader(): React.JSX.Element | null {
  const response = useSearch((s) => s.response);
  const phase = useSearch((s) => s.phase);
  const crop = useSearch((s) => s.responseCrop);
  const uploading = useSearch((s) => s.uploading);
  if (!response) return null;
  const groups = response.results.length;
  const folded = response.results.reduce((n, r) => n + r.duplicates.length, 0);
  return (
    <div className="results-header">
      <h2 className="results-title">
        {plural(groups, 'result')}
        {folded > 0 ? <span className="muted"> · {formatCount(folded)} near-duplicates grouped</span> : null}
      </h2>
      <span className="results-meta" aria-live="polite">
        {uploading ? (
          <>
            <Spinner small /> Reading the photo…
          </>
        ) : phase === 'loading' ? (
          <>
            <Spinner small /> Searching…
          </>
        ) : phase === 'more' ? (
          <>
            <Spinner small /> Finding more…
          </>
        ) : (
          <>
            {crop ? 'Cropped query · ' : ''}
            {Math.round(response.tookMs)} ms on {response.device}
          </>
        )}
      </span>
    </div>
  );
}

/** Results, or the state that stands in for them: nothing yet, reading, searching, failed, none found. */
export function ResultsPanel(props: { tiles: ResultTile[] }): React.JSX.Element {
  const actions = useActions();
  const hasQuery = useSearch((s) => s.position >= 0);
  const uploading = useSearch((s) => s.uploading);
  const phase = useSearch((s) => s.phase);
  const error = useSearch((s) => s.error);
  const response = useSearch((s) => s.response);
  const libraryEmpty = useLibrary((s) => s.status !== null && s.status.images === 0);
  const indexing = useLibrary((s) => s.indexing.phase !== 'idle');

  let body: React.JSX.Element;
  if (uploading && !response) {
    body = <StatusMessage kind="loading" title="Reading the photo…" />;
  } else if (phase === 'error' && (!response || !hasQuery)) {
    body = (
      <StatusMessage
        kind="error"
        title="That search did not work"
        onRetry={hasQuery ? () => actions.search.retry() : undefined}
      >
        {error}
      </StatusMessage>
    );
  } else if (!hasQuery) {
    body =
      libraryEmpty && !indexing ? (
        <StatusMessage
          kind="empty"
          icon={<FolderIcon size={32} />}
          title="Your library is empty"
          action={
            <button
              type="button"
              className="button button-primary"
              onClick={() => actions.showView('library')}
            >
              Add a folder
            </button>
          }
        >
          Add a folder of photos first; then search it by example.
        </StatusMessage>
      ) : (
        <StatusMessage kind="empty" icon={<SearchIcon size={32} />} title="Search your photos by example">
          Drop a photo anywhere on this page, paste one, or choose a file. Lookalike shows the most similar
          photos in your library; drag on the query to search with just part of it.
        </StatusMessage>
      );
  } else if (!response) {
    body = <StatusMessage kind="loading" title="Searching…" />;
  } else if (response.results.length === 0) {
    body = (
      <StatusMessage kind="empty" icon={<SearchIcon size={32} />} title="No similar photos">
        {libraryEmpty
          ? 'The library has no indexed photos yet.'
          : 'Nothing in the chosen folder matches. Try “All folders”.'}
      </StatusMessage>
    );
  } else {
    body = <ResultsGrid tiles={props.tiles} />;
  }

  return (
    <section
      className={`results-panel${(phase === 'loading' || uploading) && response ? ' is-stale' : ''}`}
      aria-label="Search results"
    >
      <ResultsHeader />
      {phase === 'error' && response && hasQuery ? (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      ) : null}
      {body}
    </section>
  );
}
