import type { LookalikeClient } from '../../../shared/api-adapter.ts';
import type { IndexingState } from '../../../shared/indexing-state.ts';
import type { LibraryStore } from '../state/library-store.ts';
import { errorMessage } from './error-message.ts';

/** While a job runs, folder counts are refreshed this often (they grow as photos are indexed). */
const STATUS_REFRESH_MS = 1500;

/** Library view operations: folders, background indexing and what it reports. */
export class LibraryActions {
  private readonly client: LookalikeClient;
  private readonly store: LibraryStore;
  private lastStatusLoad = 0;
  private statusLoading: Promise<void> | undefined;

  constructor(client: LookalikeClient, store: LibraryStore) {
    this.client = client;
    this.store = store;
  }

  /** Listens to the engine's events; returns the unsubscribe. */
  listen(): () => void {
    const offIndexing = this.client.on('indexing', (state) => this.onIndexing(state));
    const offChanged = this.client.on('libraryChanged', () => void this.reload());
    return () => {
      offIndexing();
      offChanged();
    };
  }

  async reload(): Promise<void> {
    await Promise.all([this.loadStatus(), this.loadSkipped()]);
  }

  async loadStatus(): Promise<void> {
    // One request at a time; a call while one runs waits for it and then asks again.
    const previous = this.statusLoading;
    const load = (async () => {
      await previous;
      this.lastStatusLoad = performance.now();
      try {
        const status = await this.client.status();
        this.store.set((s) => ({
          status,
          loadError: null,
          removing: s.removing.filter((f) => status.folders.some((x) => x.path === f)),
        }));
      } catch (err) {
        this.store.set({ loadError: errorMessage(err) });
      }
    })();
    this.statusLoading = load;
    await load;
  }

  async loadSkipped(): Promise<void> {
    try {
      this.store.set({ skipped: await this.client.skippedFiles({ limit: 500 }) });
    } catch {
      // The list is secondary; the status load reports connection problems.
    }
  }

  async loadIndexing(): Promise<void> {
    try {
      this.store.set({ indexing: await this.client.indexingState() });
    } catch {
      // As above.
    }
  }

  /** Adds a folder by its path; true when the library took it (indexing then runs in the background). */
  async addFolder(path: string): Promise<boolean> {
    const typed = path.trim();
    if (!typed) {
      this.store.set({ addError: 'Type the path of a folder with photos.' });
      return false;
    }
    this.store.set({ adding: true, addError: null });
    try {
      await this.client.addFolder({ path: typed });
      this.store.set({ adding: false });
      await this.loadStatus();
      return true;
    } catch (err) {
      this.store.set({ adding: false, addError: errorMessage(err) });
      return false;
    }
  }

  async pickAndAddFolder(): Promise<void> {
    const picked = await this.client.shell?.pickFolder();
    if (picked) await this.addFolder(picked);
  }

  async removeFolder(path: string): Promise<void> {
    this.store.set((s) => ({ removing: [...s.removing, path], actionError: null }));
    try {
      await this.client.removeFolder({ path });
    } catch (err) {
      this.store.set((s) => ({
        removing: s.removing.filter((f) => f !== path),
        actionError: errorMessage(err),
      }));
    }
  }

  async rescan(): Promise<void> {
    this.store.set({ actionError: null });
    try {
      await this.client.refresh();
    } catch (err) {
      this.store.set({ actionError: errorMessage(err) });
    }
  }

  async stopIndexing(): Promise<void> {
    try {
      await this.client.stopIndexing();
    } catch (err) {
      this.store.set({ actionError: errorMessage(err) });
    }
  }

  clearAddError(): void {
    if (this.store.get().addError) this.store.set({ addError: null });
  }

  private onIndexing(state: IndexingState): void {
    const finished = state.phase === 'idle' && this.store.get().indexing.phase !== 'idle';
    this.store.set({ indexing: state });
    if (finished) void this.reload();
    else if (state.phase !== 'idle' && performance.now() - this.lastStatusLoad > STATUS_REFRESH_MS)
      void this.loadStatus();
  }
}
