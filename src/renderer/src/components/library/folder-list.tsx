import { useState } from 'react';
import type { FolderStatus } from '../../../../shared/library-api.ts';
import { useActions, useLibrary } from '../../actions/app-context.tsx';
import { formatCount } from '../../format.ts';
import { FolderIcon, TrashIcon } from '../common/icons.tsx';

function FolderRow(props: { folder: FolderStatus; removing: boolean; indexing: boolean }): React.JSX.Element {
  const actions = useActions();
  const [confirming, setConfirming] = useState(false);
  const { folder } = props;
  return (
    <li className="folder-row" aria-label={folder.path}>
      <span className="folder-icon" aria-hidden="true">
        <FolderIcon />
      </span>
      <div className="folder-main">
        <span className="folder-path" title={folder.path}>
          {folder.path}
        </span>
        <span className="folder-counts">
          {props.removing ? (
            'Removing…'
          ) : (
            <>
              {formatCount(folder.images)} photos
              {folder.skipped > 0 ? <> · {formatCount(folder.skipped)} skipped</> : null}
              {props.indexing ? <> · indexing…</> : null}
            </>
          )}
        </span>
      </div>
      {confirming ? (
        <div className="folder-confirm" role="group" aria-label={`Remove ${folder.path}?`}>
          <span className="folder-confirm-text">Remove from library?</span>
          <button
            type="button"
            className="button button-danger button-small"
            onClick={() => {
              setConfirming(false);
              void actions.library.removeFolder(folder.path);
            }}
          >
            Remove
          </button>
          <button type="button" className="button button-small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="button button-quiet button-small"
          disabled={props.removing}
          onClick={() => setConfirming(true)}
          aria-label={`Remove ${folder.path}`}
          title="Remove from the library (the files stay where they are)"
        >
          <TrashIcon size={16} /> Remove
        </button>
      )}
    </li>
  );
}

export function FolderList(): React.JSX.Element {
  const folders = useLibrary((s) => s.status?.folders);
  const removing = useLibrary((s) => s.removing);
  const indexingFolders = useLibrary((s) => s.indexing.folders);
  if (!folders) return <p className="muted">Loading folders…</p>;
  if (folders.length === 0) {
    return (
      <div className="empty-inline">
        <p className="empty-title">No folders yet</p>
        <p className="muted">Add a folder of photos above; Lookalike indexes it in the background.</p>
      </div>
    );
  }
  return (
    <ul className="folder-list" aria-label="Library folders">
      {folders.map((f) => (
        <FolderRow
          key={f.path}
          folder={f}
          removing={removing.includes(f.path)}
          indexing={indexingFolders.includes(f.path)}
        />
      ))}
    </ul>
  );
}
