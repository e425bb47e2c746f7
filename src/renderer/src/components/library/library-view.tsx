import { useActions, useLibrary } from '../../actions/app-context.tsx';
import { plural } from '../../format.ts';
import { SearchIcon } from '../common/icons.tsx';
import { StatusMessage } from '../common/status-message.tsx';
import { AddFolderForm } from './add-folder-form.tsx';
import { EngineInfo } from './engine-info.tsx';
import { FolderList } from './folder-list.tsx';
import { IndexingProgress } from './indexing-progress.tsx';
import { SkippedFiles } from './skipped-files.tsx';

function Summary(): React.JSX.Element | null {
  const status = useLibrary((s) => s.status);
  if (!status) return null;
  return (
    <p className="page-subtitle">
      {plural(status.images, 'photo')} in {plural(status.folders.length, 'folder')}
      {status.skipped > 0 ? ` · ${plural(status.skipped, 'file')} skipped` : ''}
    </p>
  );
}

/** Folders, background indexing, skipped files, and which model runs where. */
export function LibraryView(): React.JSX.Element {
  const actions = useActions();
  const loadError = useLibrary((s) => s.loadError);
  const actionError = useLibrary((s) => s.actionError);
  const hasPhotos = useLibrary((s) => (s.status?.images ?? 0) > 0);

  if (loadError) {
    return (
      <div className="page">
        <StatusMessage
          kind="error"
          title="The library could not be loaded"
          onRetry={() => void actions.library.reload()}
        >
          {loadError}
        </StatusMessage>
      </div>
    );
  }

  return (
    <div className="page library-page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Library</h1>
          <Summary />
        </div>
        {hasPhotos ? (
          <button type="button" className="button button-primary" onClick={() => actions.showView('search')}>
            <SearchIcon size={16} /> Search photos
          </button>
        ) : null}
      </header>
      {actionError ? (
        <p className="banner banner-error" role="alert">
          {actionError}
        </p>
      ) : null}
      <div className="library-columns">
        <div className="library-main">
          <section className="card" aria-labelledby="folders-heading">
            <h2 id="folders-heading" className="card-title">
              Folders
            </h2>
            <AddFolderForm />
            <FolderList />
          </section>
          <section className="card" aria-labelledby="skipped-heading">
            <h2 id="skipped-heading" className="card-title">
              Skipped files
            </h2>
            <SkippedFiles />
          </section>
        </div>
        <div className="library-side">
          <section className="card" aria-labelledby="indexing-heading">
            <h2 id="indexing-heading" className="card-title">
              Indexing
            </h2>
            <IndexingProgress />
          </section>
          <section className="card" aria-labelledby="engine-heading">
            <h2 id="engine-heading" className="card-title">
              Model and device
            </h2>
            <EngineInfo />
          </section>
        </div>
      </div>
    </div>
  );
}
