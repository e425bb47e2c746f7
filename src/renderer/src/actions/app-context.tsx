import { createContext, type ReactNode, useContext } from 'react';
import type { AppState } from '../state/app-store.ts';
import type { EvaluateState } from '../state/evaluate-store.ts';
import type { LibraryState } from '../state/library-store.ts';
import type { SearchState } from '../state/search-store.ts';
import type { SettingsState } from '../state/settings-store.ts';
import { useStore } from '../state/store.ts';
import type { AppActions, AppStores } from './app-actions.ts';

interface AppContextValue {
  actions: AppActions;
  stores: AppStores;
}

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider(props: {
  actions: AppActions;
  stores: AppStores;
  children: ReactNode;
}): React.JSX.Element {
  return <AppContext value={{ actions: props.actions, stores: props.stores }}>{props.children}</AppContext>;
}

function useAppContext(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('AppProvider is missing');
  return value;
}

export function useActions(): AppActions {
  return useAppContext().actions;
}

export function useAppState<S>(select: (s: AppState) => S): S {
  return useStore(useAppContext().stores.app, select);
}

export function useLibrary<S>(select: (s: LibraryState) => S): S {
  return useStore(useAppContext().stores.library, select);
}

export function useSearch<S>(select: (s: SearchState) => S): S {
  return useStore(useAppContext().stores.search, select);
}

export function useEvaluate<S>(select: (s: EvaluateState) => S): S {
  return useStore(useAppContext().stores.evaluate, select);
}

export function useSettings<S>(select: (s: SettingsState) => S): S {
  return useStore(useAppContext().stores.settings, select);
}
