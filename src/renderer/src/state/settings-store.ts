import type { ModelSwitchEvent } from '../../../shared/api-contract.ts';
import type { ModelInfo, ModelInstallEvent } from '../../../shared/model-api.ts';
import { createStore, type Store } from './store.ts';

/** An install under way or just ended, as its progress events told it. */
export interface InstallProgressState {
  /** The catalog id, or the file's path, as the request gave it. */
  request: string;
  event: ModelInstallEvent;
  /** A cancel was asked for: its refusal is the expected end, not an error. */
  cancelling: boolean;
}

/** The first-run offer of the recommended model: shown until accepted or declined. */
export type ModelOfferState = 'unknown' | 'offered' | 'installing' | 'declined' | 'settled';

export interface SettingsState {
  /** Installed models and the catalog's; null until loaded. */
  models: ModelInfo[] | null;
  loadError: string | null;
  /** The model answering searches and the switch under way (re-embedding), once known. */
  modelSwitch: ModelSwitchEvent | null;
  /** Installs started from this window or reported by events, keyed by their request. */
  installs: Readonly<Record<string, InstallProgressState>>;
  /** The add-from-a-file form: busy while it runs, its refusal shown under the field. */
  fileInstalling: boolean;
  fileError: string | null;
  /** The name of the model the form last added (said once, for the person and screen readers). */
  fileInstalled: string | null;
  /** A model whose switch was just asked for (the button shows it until the answer). */
  switchingTo: string | null;
  /** Models whose removal runs. */
  removing: readonly string[];
  /** The last refused action (use, remove, pause), with the engine's reason. */
  actionError: string | null;
  offer: ModelOfferState;
  offerError: string | null;
}

export type SettingsStore = Store<SettingsState>;

export function createSettingsStore(): SettingsStore {
  return createStore<SettingsState>({
    models: null,
    loadError: null,
    modelSwitch: null,
    installs: {},
    fileInstalling: false,
    fileError: null,
    fileInstalled: null,
    switchingTo: null,
    removing: [],
    actionError: null,
    offer: 'unknown',
    offerError: null,
  });
}

/** Whether an install is still running (not done or failed). */
export function isInstallRunning(install: InstallProgressState | undefined): boolean {
  return !!install && install.event.phase !== 'done' && install.event.phase !== 'failed';
}
