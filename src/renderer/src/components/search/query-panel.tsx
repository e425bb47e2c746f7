import { useActions, useSearch } from '../../actions/app-context.tsx';
import { currentEntry } from '../../state/search-store.ts';
import { AddToSetControl } from '../evaluate/add-to-set-control.tsx';
import { ArrowLeftIcon, ArrowRightIcon, CloseIcon } from '../common/icons.tsx';
import { CropTool } from './crop-tool.tsx';
import { ChooseQueryButton, QueryDropZone } from './query-picker.tsx';
import { SearchOptionsForm } from './search-options-form.tsx';

function HistoryNav(): React.JSX.Element {
  const actions = useActions();
  const canBack = useSearch((s) => s.position > 0);
  const canForward = useSearch((s) => s.position < s.history.length - 1);
  return (
    <div className="history-nav">
      <button
        type="button"
        className="icon-button"
        aria-label="Back"
        title="Previous query (Alt+←)"
        disabled={!canBack}
        onClick={() => actions.search.back()}
      >
        <ArrowLeftIcon />
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Forward"
        title="Next query (Alt+→)"
        disabled={!canForward}
        onClick={() => actions.search.forward()}
      >
        <ArrowRightIcon />
      </button>
    </div>
  );
}

/** The query side: the photo (with its crop), history, a way to pick another, and the options. */
export function QueryPanel(): React.JSX.Element {
  const actions = useActions();
  const entry = useSearch(currentEntry);
  return (
    <aside className="query-panel" aria-label="Query">
      <div className="query-head">
        <HistoryNav />
        <h2 className="query-title" title={entry?.source.name}>
          {entry ? entry.source.name : 'Query'}
        </h2>
      </div>
      {entry ? (
        <>
          <CropTool
            key={entry.id}
            src={entry.source.localPreview ?? actions.imageUrl(entry.source.ref, 'preview')}
            alt={`Query photo ${entry.source.name}`}
            crop={entry.crop}
            onChange={(box) => actions.search.setCrop(box ? { ...box, unit: 'fraction' } : null)}
          />
          <div className="query-actions">
            <ChooseQueryButton small label="Another photo…" />
            {entry.crop ? (
              <button
                type="button"
                className="button button-small"
                onClick={() => actions.search.setCrop(null)}
              >
                <CloseIcon size={16} /> Clear crop
              </button>
            ) : null}
            <AddToSetControl small photo={entry.source.ref} crop={entry.crop} />
          </div>
        </>
      ) : (
        <QueryDropZone />
      )}
      <SearchOptionsForm />
    </aside>
  );
}
