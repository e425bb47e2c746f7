import type { ClientCapabilities, LookalikeClient } from '../../../shared/api-adapter.ts';
import type { ImageRef, ImageSize } from '../../../shared/image-url.ts';
import { type AppStore, type View, viewFromHash } from '../state/app-store.ts';
import type { EvaluateStore } from '../state/evaluate-store.ts';
import type { LibraryStore } from '../state/library-store.ts';
import type { SearchStore } from '../state/search-store.ts';
import type { SettingsStore } from '../state/settings-store.ts';
import { errorMessage } from './error-message.ts';
import { EvaluateActions } from './evaluate-actions.ts';
import { LibraryActions } from './library-actions.ts';
import { SearchActions } from './search-actions.ts';
import { modelOfferMemory, windowStorage } from './model-offer-memory.ts';
import { SettingsActions } from './settings-actions.ts';
import { SearchSignals } from './search-signals.ts';

export interface AppStores {
  app: AppStore;
  library: LibraryStore;
  search: SearchStore;
  evaluate: EvaluateStore;
  settings: SettingsStore;
}

/**
 * The one facade components talk to (GitHub Desktop's dispatcher, small): it owns the API client
 * and updates the stores; components read stores and call these methods, never the client.
 */
export class AppActions {
  readonly library: LibraryActions;
  readonly search: SearchActions;
  readonly evaluate: EvaluateActions;
  readonly settings: SettingsActions;
  /** Impressions and clicks of everyday searching (and interleaving, when it is on). */
  readonly signals: SearchSignals;
  readonly capabilities: ClientCapabilities;
  private readonly client: LookalikeClient;
  private readonly stores: AppStores;

  constructor(client: LookalikeClient, stores: AppStores) {
    this.client = client;
    this.stores = stores;
    this.capabilities = client.capabilities;
    this.library = new LibraryActions(client, stores.library);
    this.signals = new SearchSignals(client, stores.evaluate);
    this.search = new SearchActions(client, stores.search, this.signals);
    this.evaluate = new EvaluateActions(client, stores.evaluate);
    this.settings = new SettingsActions(client, stores.settings, {
      offerMemory: modelOfferMemory(windowStorage()),
      onActiveModelChanged: () => void this.library.loadStatus(),
    });
  }

  /** Connects events and loads the first state; returns the teardown. */
  start(): () => void {
    const offLibrary = this.library.listen();
    const offSettings = this.settings.listen();
    let wasLost = false;
    const offConnection = this.client.onConnectionChange((connection) => {
      this.stores.app.set({ connection });
      // Events may have been missed while the connection was down (or the engine restarted).
      if (connection === 'open' && wasLost) {
        void Promise.all([this.library.reload(), this.library.loadIndexing()]).then(() =>
          this.loadSettings(true),
        );
        void this.evaluate.reconnected();
      }
      wasLost = connection === 'lost' || connection === 'restarting' || connection === 'failed';
    });
    const onHash = (): void => {
      const view = viewFromHash(window.location.hash);
      if (view) this.stores.app.set({ view });
    };
    window.addEventListener('hashchange', onHash);
    void this.firstLoad();
    return () => {
      offLibrary();
      offSettings();
      offConnection();
      window.removeEventListener('hashchange', onHash);
    };
  }

  showView(view: View): void {
    this.stores.app.set({ view });
    if (window.location.hash !== `#${view}`) window.history.replaceState(null, '', `#${view}`);
  }

  /** "Find similar" from anywhere: search with a library photo and show the results. */
  findSimilar(path: string): void {
    this.signals.clicked(path, 'similar');
    this.search.findSimilar(path);
    this.showView('search');
  }

  imageUrl(ref: ImageRef, size: ImageSize): string {
    return this.client.imageUrl(ref, size);
  }

  async revealInOS(path: string): Promise<void> {
    this.signals.clicked(path, 'reveal');
    await this.client.shell?.revealInOS(path);
  }

  /** Opens a result with the system's default app; resolves to a message when that failed. */
  async openInOS(path: string): Promise<string | null> {
    try {
      await this.client.shell?.openInOS(path);
      return null;
    } catch (err) {
      return errorMessage(err);
    }
  }

  /** From a result's dragstart (desktop app): the OS drags the photo's file to other apps. */
  startDrag(path: string): void {
    void this.client.shell?.startDrag(path).catch(() => undefined);
  }

  /** After the desktop app gave up restarting its engine: try once more. */
  async restartEngine(): Promise<void> {
    await this.client.shell?.restartEngine();
  }

  async copyText(text: string): Promise<boolean> {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  }

  private async firstLoad(): Promise<void> {
    await Promise.all([this.library.reload(), this.library.loadIndexing()]);
    // A new library starts where it can be filled; later visits start at search.
    const status = this.stores.library.get().status;
    if (!viewFromHash(window.location.hash) && status && status.folders.length === 0)
      this.showView('library');
    await this.loadSettings();
  }

  /** The models and a switch under way, then whether to offer the recommended model. */
  private async loadSettings(afterOutage = false): Promise<void> {
    await this.settings.loadModels();
    const status = this.stores.library.get().status;
    if (!status) return;
    // After an outage the status is newer than the last event (events were missed meanwhile).
    this.settings.noteStatus({ active: status.model.id, reembedding: status.reembedding }, afterOutage);
    this.settings.checkOffer(status.library);
  }
}
