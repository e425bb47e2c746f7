import { useActions, useLibrary } from '../../actions/app-context.tsx';
import { FolderIcon } from '../common/icons.tsx';
import { PathEntryForm } from '../common/path-entry-form.tsx';

/** Adds a folder: a native picker in the desktop app, a typed path in a browser. */
export function AddFolderForm(): React.JSX.Element {
  const actions = useActions();
  const adding = useLibrary((s) => s.adding);
  const error = useLibrary((s) => s.addError);

  return (
    <PathEntryForm
      className="add-folder"
      label="Folder path"
      placeholder="/home/you/Pictures"
      submitLabel={
        <>
          <FolderIcon /> {adding ? 'Adding…' : 'Add folder'}
        </>
      }
      busy={adding}
      error={error}
      hint="The folder and everything under it is indexed. Your photos are never changed or uploaded."
      picker={
        actions.capabilities.canPickFolder
          ? { label: 'Choose…', onPick: () => void actions.library.pickAndAddFolder() }
          : undefined
      }
      onSubmit={(path) => actions.library.addFolder(path)}
      onEdit={() => actions.library.clearAddError()}
    />
  );
}
