import type { SkippedFile } from '../../../shared/api-contract.ts';
import { idleIndexingState, type IndexingState } from '../../../shared/indexing-state.ts';
import type { LibraryStatus } from '../../../shared/library-api.ts';
import { createStore, type Store } from './store.ts';

export interface LibraryState {
  status: LibraryStatus | null;
  /** Why the status could not be loaded (shown instead of the library). */
  loadError: string | null;
  indexing: IndexingState;
  skipped: SkippedFile[];
  /** The add-folder form: busy while the request runs, its error shown under the field. */
  adding: boolean;
  addError: string | null;
  /** Folders whose removal was asked for and has not finished. */
  removing: readonly string[];
  actionError: string | null;
}

export type LibraryStore = Store<LibraryState>;

export function createLibraryStore(): LibraryStore {
  return createStore<LibraryState>({
    status: null,
    loadError: null,
    indexing: idleIndexingState,
    skipped: [],
    adding: false,
    addError: null,
    removing: [],
    actionError: null,
  });
}
