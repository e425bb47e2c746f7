import { useId, useState } from 'react';
import { useActions, useLibrary } from '../../actions/app-context.tsx';
import { FolderIcon } from '../common/icons.tsx';

/** Adds a folder: a native picker in the desktop app, a typed path in a browser. */
export function AddFolderForm(): React.JSX.Element {
  const actions = useActions();
  const adding = useLibrary((s) => s.adding);
  const error = useLibrary((s) => s.addError);
  const [path, setPath] = useState('');
  const inputId = useId();
  const errorId = useId();

  async function submit(event: React.FormEvent): Promise<void> {
    event.preventDefault();
    if (await actions.library.addFolder(path)) setPath('');
  }

  return (
    <form className="add-folder" onSubmit={(e) => void submit(e)} noValidate>
      <label htmlFor={inputId} className="field-label">
        Folder path
      </label>
      <div className="add-folder-row">
        <input
          id={inputId}
          className="text-input"
          type="text"
          value={path}
          onChange={(e) => {
            setPath(e.target.value);
            actions.library.clearAddError();
          }}
          placeholder="/home/you/Pictures"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
        />
        <button type="submit" className="button button-primary" disabled={adding}>
          <FolderIcon /> {adding ? 'Adding…' : 'Add folder'}
        </button>
        {actions.capabilities.canPickFolder ? (
          <button type="button" className="button" onClick={() => void actions.library.pickAndAddFolder()}>
            Choose…
          </button>
        ) : null}
      </div>
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="field-hint">
          The folder and everything under it is indexed. Your photos are never changed or uploaded.
        </p>
      )}
    </form>
  );
}
