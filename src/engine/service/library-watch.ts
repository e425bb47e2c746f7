import { isPathInside } from '../access/library-access.ts';
import {
  FolderWatcher,
  type FolderWatcherOptions,
  type WatchedLibrary,
  type WatchEvent,
} from '../library/folder-watcher.ts';
import type { IndexingJobs } from './indexing-jobs.ts';

export type LibraryWatchOptions = Omit<FolderWatcherOptions, 'reconcileOnStart'> & {
  /** Every watcher event (the command line prints them; errors are logged either way). */
  onEvent?: (event: WatchEvent) => void;
};

export interface LibraryWatchDeps {
  /** The engine's side of a watched library. */
  library: WatchedLibrary;
  /** The service's background work: the watcher's updates run through it (progress, order). */
  jobs: IndexingJobs;
  /** Photos under these folders were removed without a job (a subfolder deleted on disk). */
  changed: (folders: string[]) => void;
  log: (message: string, err?: unknown) => void;
}

/**
 * A running app's live library (the browser bridge and the desktop app's engine): a FolderWatcher
 * whose updates go through the service's IndexingJobs, so they show as indexing progress, never
 * overlap a folder's removal, and end in a libraryChanged event; it follows folders as they are
 * added and removed. The start-up check of the whole library is the host's queued refresh.
 */
export class LibraryWatch {
  private readonly watcher: FolderWatcher;

  constructor(deps: LibraryWatchDeps, options: LibraryWatchOptions = {}) {
    const { onEvent, ...watcherOptions } = options;
    const { library, jobs } = deps;
    const owners = (paths: readonly string[]): string[] =>
      library.libraryFolders().filter((f) => paths.some((p) => isPathInside(p, f)));
    const live: WatchedLibrary = {
      libraryFolders: () => library.libraryFolders(),
      updateFiles: (paths, _onProgress, control) =>
        jobs.applyNow(owners(paths), (progress, c) => library.updateFiles(paths, progress, c), control),
      refreshLibrary: (_onProgress, control) =>
        jobs.applyNow(
          library.libraryFolders(),
          (progress, c) => library.refreshLibrary(progress, c),
          control,
        ),
      removeUnder: (folder) => {
        const removed = library.removeUnder(folder);
        if (removed > 0) deps.changed(owners([folder]));
        return removed;
      },
      maintainIndex: () => library.maintainIndex(),
      isExcluded: (p) => library.isExcluded(p),
    };
    this.watcher = new FolderWatcher(
      live,
      (event) => {
        if (event.type === 'error') deps.log(`Following the library folders: ${event.message}`);
        onEvent?.(event);
      },
      { ...watcherOptions, reconcileOnStart: false },
    );
  }

  /** Resolves once every library folder is watched. */
  start(): Promise<void> {
    return this.watcher.start();
  }

  /** Call after library folders were added or removed. */
  foldersChanged(): void {
    this.watcher.syncFolders();
  }

  close(): Promise<void> {
    return this.watcher.close();
  }
}
