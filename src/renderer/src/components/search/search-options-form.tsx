import { useId } from 'react';
import { useActions, useLibrary, useSearch } from '../../actions/app-context.tsx';
import { fileName, formatCount } from '../../format.ts';
import { RESULT_COUNTS } from '../../state/search-store.ts';

/** Folder filter, duplicate grouping, and how many results to show. */
export function SearchOptionsForm(): React.JSX.Element {
  const actions = useActions();
  const options = useSearch((s) => s.options);
  const folders = useLibrary((s) => s.status?.folders);
  const folderId = useId();
  const countId = useId();
  return (
    <div className="search-options">
      <div className="option">
        <label htmlFor={folderId} className="field-label">
          Folder
        </label>
        <select
          id={folderId}
          className="select"
          value={options.folder ?? ''}
          onChange={(e) => actions.search.setOptions({ folder: e.target.value || null })}
        >
          <option value="">All folders</option>
          {(folders ?? []).map((f) => (
            <option key={f.path} value={f.path} title={f.path}>
              {fileName(f.path)} ({formatCount(f.images)})
            </option>
          ))}
        </select>
      </div>
      <div className="option">
        <label htmlFor={countId} className="field-label">
          Show up to
        </label>
        <select
          id={countId}
          className="select"
          value={options.k}
          onChange={(e) => actions.search.setOptions({ k: Number(e.target.value) })}
        >
          {RESULT_COUNTS.map((n) => (
            <option key={n} value={n}>
              {formatCount(n)} results
            </option>
          ))}
        </select>
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={options.collapse}
          onChange={(e) => actions.search.setOptions({ collapse: e.target.checked })}
        />
        Group near-duplicates
      </label>
    </div>
  );
}
