import type { ConnectionState } from '../../../shared/api-adapter.ts';
import { createStore, type Store } from './store.ts';

export type View = 'library' | 'search' | 'evaluate' | 'settings';

export interface AppState {
  view: View;
  connection: ConnectionState;
}

export type AppStore = Store<AppState>;

export function viewFromHash(hash: string): View | null {
  if (hash === '#evaluate') return 'evaluate';
  if (hash === '#settings') return 'settings';
  return hash === '#library' ? 'library' : hash === '#search' ? 'search' : null;
}

export function createAppStore(): AppStore {
  return createStore<AppState>({
    view: viewFromHash(window.location.hash) ?? 'search',
    connection: 'connecting',
  });
}
