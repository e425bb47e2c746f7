import type { LookalikeClient } from '../../../shared/api-adapter.ts';
import type { ModelSwitchEvent } from '../../../shared/api-contract.ts';
import type { ModelInfo, ModelInstallEvent } from '../../../shared/model-api.ts';
import { type InstallProgressState, isInstallRunning, type SettingsStore } from '../state/settings-store.ts';
import { errorMessage } from './error-message.ts';
import type { ModelOfferMemory } from './model-offer-memory.ts';

export interface SettingsActionsDeps {
  /** Remembers the answer to the first-run offer, per library. */
  offerMemory: ModelOfferMemory;
  /** The model answering searches changed: the library's status shows it too. */
  onActiveModelChanged(): void;
}

/** Settings operations: the models (list, install, use, remove), a switch's re-embed, the first-run offer. */
export class SettingsActions {
  private readonly client: LookalikeClient;
  private readonly store: SettingsStore;
  private readonly deps: SettingsActionsDeps;
  private modelsLoading: Promise<void> | undefined;
  /** modelSwitch events received so far: a call's answer older than one of them is stale. */
  private switchEvents = 0;
  private switchCheck: ReturnType<typeof setTimeout> | undefined;

  constructor(client: LookalikeClient, store: SettingsStore, deps: SettingsActionsDeps) {
    this.client = client;
    this.store = store;
    this.deps = deps;
  }

  /** Listens to the engine's model events; returns the unsubscribe. */
  listen(): () => void {
    const offSwitch = this.client.on('modelSwitch', (event) => {
      this.switchEvents++;
      this.onModelSwitch(event);
    });
    const offInstall = this.client.on('modelInstall', (event) => this.onInstallEvent(event));
    return () => {
      offSwitch();
      offInstall();
      clearTimeout(this.switchCheck);
    };
  }

  /** Loads the models; a call while one load runs waits for it and loads again (an install may have ended). */
  async loadModels(): Promise<void> {
    const previous = this.modelsLoading;
    const load = (async () => {
      await previous;
      try {
        this.store.set({ models: await this.client.models(), loadError: null });
      } catch (err) {
        this.store.set({ loadError: errorMessage(err) });
      }
    })();
    this.modelsLoading = load;
    await load;
  }

  /** The switch as the library's status reports it: before any event arrived, or (replace) after an outage. */
  noteStatus(event: ModelSwitchEvent, replace = false): void {
    if (replace || !this.store.get().modelSwitch) this.onModelSwitch(event);
  }

  /** Downloads and installs a catalog model; resolves to it, or null when refused (the reason is shown). */
  async installFromCatalog(catalogId: string): Promise<ModelInfo | null> {
    if (isInstallRunning(this.store.get().installs[catalogId])) return null;
    this.track({ request: catalogId, phase: 'downloading', receivedBytes: 0, totalBytes: null }, true);
    try {
      const model = await this.client.installModel({ catalogId });
      this.track({ request: catalogId, phase: 'done', id: model.id });
      await this.loadModels();
      return model;
    } catch (err) {
      this.failed(catalogId, errorMessage(err));
      return null;
    }
  }

  /** Installs a model file on this computer (ONNX or TensorFlow Lite); true when it was installed. */
  async installFromFile(path: string): Promise<boolean> {
    const typed = path.trim();
    if (!typed) {
      this.store.set({ fileError: 'Type the full path of a .onnx or .tflite model file.' });
      return false;
    }
    this.store.set({ fileInstalling: true, fileError: null, fileInstalled: null });
    try {
      const model = await this.client.installModel({ path: typed });
      this.store.set({ fileInstalling: false, fileInstalled: model.name });
      await this.loadModels();
      return true;
    } catch (err) {
      this.store.set({ fileInstalling: false, fileError: errorMessage(err) });
      return false;
    }
  }

  /** The desktop app's file picker, then the install. */
  async pickAndInstallFile(): Promise<void> {
    const picked = await this.client.shell?.pickModelFile?.();
    if (picked) await this.installFromFile(picked);
  }

  clearFileError(): void {
    if (this.store.get().fileError || this.store.get().fileInstalled)
      this.store.set({ fileError: null, fileInstalled: null });
  }

  /** Stops a download; what arrived is kept, so installing again resumes it. */
  async cancelInstall(request: string): Promise<void> {
    const install = this.store.get().installs[request];
    if (!install || !isInstallRunning(install)) return;
    this.patchInstall(request, { cancelling: true });
    try {
      await this.client.cancelModelInstall({ request });
    } catch (err) {
      this.patchInstall(request, { cancelling: false });
      this.store.set({ actionError: errorMessage(err) });
    }
  }

  /** Forgets a finished or failed install's line. */
  dismissInstall(request: string): void {
    this.store.set((s) => {
      const installs = { ...s.installs };
      delete installs[request];
      return { installs };
    });
  }

  /** Starts switching the library to a model; searches keep the current one until it is ready. */
  async useModel(id: string): Promise<void> {
    this.store.set({ switchingTo: id, actionError: null, fileInstalled: null });
    try {
      await this.switchCall(() => this.client.useModel({ model: id }));
      this.store.set({ switchingTo: null });
    } catch (err) {
      this.store.set({ switchingTo: null, actionError: errorMessage(err) });
    }
  }

  async pauseSwitch(): Promise<void> {
    await this.switchControl(() => this.client.pauseModelSwitch());
  }

  async resumeSwitch(): Promise<void> {
    await this.switchControl(() => this.client.resumeModelSwitch());
  }

  /** Removes an installed model and the library's data for it; the engine refuses the active one. */
  async removeModel(id: string): Promise<void> {
    this.store.set((s) => ({ removing: [...s.removing, id], actionError: null }));
    try {
      await this.client.removeModel({ id });
      await this.loadModels();
    } catch (err) {
      this.store.set({ actionError: errorMessage(err) });
    } finally {
      this.store.set((s) => ({ removing: s.removing.filter((m) => m !== id) }));
    }
  }

  clearActionError(): void {
    if (this.store.get().actionError) this.store.set({ actionError: null });
  }

  /**
   * Decides whether to offer the recommended model: only while the bundled model is the only one
   * installed and this library's answer is not remembered.
   */
  checkOffer(library: string | null): void {
    const { models, offer } = this.store.get();
    if (!models || !library || offer === 'installing') return;
    const onlyBundled = models.every((m) => m.status !== 'installed' || m.origin === 'bundled');
    const recommended = recommendedDownload(models);
    const answered = this.deps.offerMemory.get(library);
    this.store.set({
      offer:
        onlyBundled && recommended && !answered
          ? 'offered'
          : answered === 'declined'
            ? 'declined'
            : 'settled',
    });
  }

  /** "Not now": the bundled model keeps working offline, and this library is not asked again. */
  declineOffer(library: string): void {
    this.deps.offerMemory.set(library, 'declined');
    this.store.set({ offer: 'declined', offerError: null });
  }

  /** Downloads the recommended model and switches the library to it. */
  async acceptOffer(library: string): Promise<void> {
    const recommended = recommendedDownload(this.store.get().models ?? []);
    if (!recommended) return;
    this.store.set({ offer: 'installing', offerError: null });
    const installed = await this.installFromCatalog(recommended.id);
    if (!installed) {
      const install = this.store.get().installs[recommended.id];
      this.store.set({
        offer: 'offered',
        offerError: install?.cancelling ? null : (install?.event.message ?? 'The download failed.'),
      });
      return;
    }
    this.deps.offerMemory.set(library, 'accepted');
    await this.useModel(installed.id);
    this.store.set({ offer: 'settled' });
  }

  private async switchControl(call: () => Promise<ModelSwitchEvent>): Promise<void> {
    try {
      await this.switchCall(call);
    } catch (err) {
      this.store.set({ actionError: errorMessage(err) });
    }
  }

  /**
   * A call that answers with the switch's state. Events travel on another connection, so one may
   * overtake the answer (a switch with nothing left to embed ends at once): an answer that an
   * event arrived during is older than that event and is not shown.
   */
  private async switchCall(call: () => Promise<ModelSwitchEvent>): Promise<void> {
    const seen = this.switchEvents;
    const event = await call();
    if (this.switchEvents === seen) this.onModelSwitch(event);
  }

  /** The switch's state as the library's status has it now (after an answer may have been stale). */
  private async checkSwitch(): Promise<void> {
    try {
      await this.switchCall(async () => {
        const status = await this.client.status();
        return { active: status.model.id, reembedding: status.reembedding };
      });
    } catch {
      // The next event or load tells.
    }
  }

  private onModelSwitch(event: ModelSwitchEvent): void {
    const previous = this.store.get().modelSwitch;
    this.store.set({ modelSwitch: event });
    // Every photo embedded: the swap follows at once, and its event may have come first. Asked
    // once per state: a switch that stays there (it failed, and waits) is not polled.
    clearTimeout(this.switchCheck);
    const r = event.reembedding;
    const unchanged =
      previous?.active === event.active &&
      previous.reembedding?.model === r?.model &&
      previous?.reembedding?.done === r?.done &&
      previous?.reembedding?.phase === r?.phase;
    if (r && r.done >= r.total && !unchanged)
      this.switchCheck = setTimeout(() => void this.checkSwitch(), 1000);
    const activeChanged = previous !== null && previous.active !== event.active;
    const switchChanged = previous?.reembedding?.model !== event.reembedding?.model;
    if (activeChanged || switchChanged) void this.loadModels();
    if (activeChanged) this.deps.onActiveModelChanged();
  }

  private onInstallEvent(event: ModelInstallEvent): void {
    this.track(event);
    if (event.phase === 'done') void this.loadModels();
  }

  private failed(request: string, message: string): void {
    const install = this.store.get().installs[request];
    this.track({ ...(install?.event ?? { request }), request, phase: 'failed', message });
  }

  private track(event: ModelInstallEvent, fresh = false): void {
    this.store.set((s) => {
      const known = s.installs[event.request];
      // The outcome of a call outranks a late progress event of the same install.
      if (known && !fresh && !isInstallRunning(known) && event.phase !== 'done' && event.phase !== 'failed')
        return {};
      const next: InstallProgressState = {
        request: event.request,
        event: { ...(fresh ? {} : known?.event), ...event },
        cancelling: fresh ? false : (known?.cancelling ?? false),
      };
      return { installs: { ...s.installs, [event.request]: next } };
    });
  }

  private patchInstall(request: string, patch: Partial<InstallProgressState>): void {
    this.store.set((s) => {
      const known = s.installs[request];
      return known ? { installs: { ...s.installs, [request]: { ...known, ...patch } } } : {};
    });
  }
}

/** The catalog's recommended model, when it can be downloaded and is not installed yet. */
export function recommendedDownload(models: readonly ModelInfo[]): ModelInfo | undefined {
  return models.find((m) => m.recommended && m.status === 'available' && m.install === 'download');
}
