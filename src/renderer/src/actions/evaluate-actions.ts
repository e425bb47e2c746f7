import type { LookalikeClient } from '../../../shared/api-adapter.ts';
import type { QueryRef } from '../../../shared/api-contract.ts';
import { ApiError } from '../../../shared/api-errors.ts';
import type { InvarianceEdit, SearchConfigurationInput } from '../../../shared/evaluation-api.ts';
import type { Crop } from '../../../shared/library-api.ts';
import {
  DEFAULT_CONFIGURATIONS,
  type InterleavingSetting,
  saveConfigurations,
  saveInterleaving,
} from '../state/evaluate-preferences.ts';
import {
  type EvaluateState,
  type EvaluateStore,
  type EvaluateTab,
  idle,
  type Loadable,
} from '../state/evaluate-store.ts';
import { errorMessage } from './error-message.ts';
import { GradingActions } from './grading-actions.ts';

type LoadableKey = {
  [K in keyof EvaluateState]: EvaluateState[K] extends Loadable<unknown> ? K : never;
}[keyof EvaluateState];

/**
 * The Evaluate view's operations: evaluation sets and their queries, metrics, comparisons,
 * invariance tests, online signals and TREC exchange; pooling and blind grading are `grading`.
 */
export class EvaluateActions {
  private readonly client: LookalikeClient;
  private readonly store: EvaluateStore;
  readonly grading: GradingActions;

  constructor(client: LookalikeClient, store: EvaluateStore) {
    this.client = client;
    this.store = store;
    this.grading = new GradingActions(client, store, {
      gradesChanged: () => this.markStale(),
      setChanged: async () => {
        await Promise.all([this.loadDetail(), this.refreshSetList()]);
      },
    });
  }

  // --- sets ---

  async loadSets(): Promise<void> {
    await this.load('sets', () => this.client.evalSets());
    const { sets, setId } = this.store.get();
    const list = sets.data ?? [];
    if (list.length > 0 && (setId === null || !list.some((s) => s.id === setId)))
      await this.selectSet(list[0]!.id);
    else if (list.length === 0) this.store.set({ setId: null, detail: idle(), queue: idle() });
  }

  async selectSet(setId: number): Promise<void> {
    this.store.set({
      setId,
      detail: idle(),
      queue: idle(),
      activeIndex: 0,
      metrics: idle(),
      compare: idle(),
      exported: idle(),
      triplets: idle(),
      invariance: idle(),
      addError: null,
      poolMessage: null,
      gradeError: null,
    });
    await Promise.all([this.loadDetail(), this.grading.loadQueue()]);
    if (this.store.get().tab === 'metrics') await this.runMetrics();
  }

  /** Creates a set and selects it; false (with the reason shown) when it could not be made. */
  async createSet(name: string): Promise<boolean> {
    try {
      const created = await this.client.evalCreateSet({ name });
      await this.load('sets', () => this.client.evalSets());
      await this.selectSet(created.id);
      return true;
    } catch (err) {
      this.store.set({ addError: errorMessage(err) });
      return false;
    }
  }

  async deleteSet(setId: number): Promise<void> {
    try {
      await this.client.evalDeleteSet({ setId });
    } catch (err) {
      this.store.set({ addError: errorMessage(err) });
    }
    await this.loadSets();
  }

  /** After the engine was out of reach: what the screen shows may have changed meanwhile. */
  async reconnected(): Promise<void> {
    if (this.store.get().sets.phase === 'idle') return;
    const shown = this.store.get().queue.data?.query?.id;
    await this.loadSets();
    if (this.store.get().setId === null) return;
    await this.loadDetail();
    const still = this.store.get().detail.data?.queries.some((q) => q.id === shown);
    await this.grading.loadQueue(still ? shown : undefined);
  }

  async loadDetail(): Promise<void> {
    const { setId } = this.store.get();
    if (setId === null) return;
    await this.load('detail', () => this.client.evalSet({ setId }));
  }

  // --- queries ---

  /**
   * Adds a query to a set (the current one when none is named); resolves to the problem, or null.
   * `renew` sends an uploaded query photo again when the engine no longer keeps it.
   */
  async addQuery(
    ref: QueryRef,
    crop: Crop | null,
    setId = this.store.get().setId,
    renew?: (ref: QueryRef) => Promise<QueryRef | null>,
  ): Promise<string | null> {
    if (setId === null) return 'Create an evaluation set first.';
    this.store.set({ adding: true, addError: null });
    const add = (query: QueryRef) => this.client.evalAddQuery({ setId, query, ...(crop ? { crop } : {}) });
    try {
      try {
        await add(ref);
      } catch (err) {
        const gone = err instanceof ApiError && err.code === 'not-found' && ref.kind === 'upload';
        const renewed = gone && renew ? await renew(ref) : null;
        if (!renewed) throw err;
        await add(renewed);
      }
      this.store.set({ adding: false });
      if (setId === this.store.get().setId) {
        await this.loadDetail();
        // The first query of a set: the grading view had nothing to show until now.
        if (!this.store.get().queue.data?.query) await this.grading.loadQueue();
      }
      await this.refreshSetList();
      return null;
    } catch (err) {
      const message = errorMessage(err);
      this.store.set({ adding: false, addError: message });
      return message;
    }
  }

  async addLibraryPhoto(path: string): Promise<boolean> {
    const typed = path.trim();
    if (!typed) {
      this.store.set({ addError: 'Type the path of a photo in the library.' });
      return false;
    }
    return (await this.addQuery({ kind: 'library', path: typed }, null)) === null;
  }

  /** An image from outside the library becomes a query (kept in the library's database by content). */
  async addUploadedImage(file: Blob, name: string): Promise<void> {
    this.store.set({ adding: true, addError: null });
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const uploaded = await this.client.uploadQuery({ bytes, name });
      await this.addQuery({ kind: 'upload', id: uploaded.id }, null);
    } catch (err) {
      this.store.set({ adding: false, addError: errorMessage(err) });
    }
  }

  /** "Add to evaluation set" from Search: into a chosen set, or a new one made for it. */
  async addToSet(
    target: number | { newSetName: string },
    ref: QueryRef,
    crop: Crop | null,
    renew?: (ref: QueryRef) => Promise<QueryRef | null>,
  ): Promise<string | null> {
    let setId: number;
    try {
      setId =
        typeof target === 'number'
          ? target
          : (await this.client.evalCreateSet({ name: target.newSetName })).id;
    } catch (err) {
      return errorMessage(err);
    }
    const problem = await this.addQuery(ref, crop, setId, renew);
    if (!problem && this.store.get().setId === null) await this.selectSet(setId);
    return problem;
  }

  async removeQuery(queryId: number): Promise<void> {
    const { setId } = this.store.get();
    if (setId === null) return;
    try {
      await this.client.evalRemoveQuery({ setId, queryId });
    } catch (err) {
      this.store.set({ addError: errorMessage(err) });
    }
    this.markStale();
    await Promise.all([this.loadDetail(), this.grading.loadQueue(), this.refreshSetList()]);
  }

  // --- metrics and comparison ---

  setTab(tab: EvaluateTab): void {
    this.store.set({ tab });
    const s = this.store.get();
    if (tab === 'metrics' && s.setId !== null && (s.metrics.phase === 'idle' || s.metricsStale))
      void this.runMetrics();
    if (tab === 'signals') void this.loadSignals();
    if (tab === 'invariance' && s.setId !== null && s.triplets.phase === 'idle') void this.loadTriplets();
  }

  setThreshold(threshold: number): void {
    this.store.set({ threshold, compareStale: true });
    void this.runMetrics();
  }

  setMetricsConfiguration(name: string): void {
    this.store.set({ metricsConfiguration: name });
    void this.runMetrics();
  }

  async runMetrics(): Promise<void> {
    const { setId, threshold, cutoffs } = this.store.get();
    if (setId === null) return;
    await this.grading.settled();
    this.store.set({ metricsStale: false });
    await this.load('metrics', () =>
      this.client.evalMetrics({ setId, configuration: this.metricsConfiguration(), threshold, cutoffs }),
    );
  }

  updateConfiguration(index: number, patch: Partial<SearchConfigurationInput>): void {
    this.store.set((s) => {
      const before = s.configurations[index];
      const configurations = s.configurations.map((c, i) => (i === index ? { ...c, ...patch } : c));
      const renamed = before && patch.name !== undefined && s.metricsConfiguration === before.name;
      return {
        configurations,
        compareStale: true,
        ...(renamed ? { metricsConfiguration: patch.name } : {}),
      };
    });
    saveConfigurations(this.store.get().configurations);
  }

  addConfiguration(): void {
    this.store.set((s) => {
      const taken = new Set(s.configurations.map((c) => c.name));
      let n = s.configurations.length + 1;
      while (taken.has(`config-${n}`)) n++;
      return {
        configurations: [...s.configurations, { name: `config-${n}`, collapse: true, crop: 'use', k: 10 }],
        compareStale: true,
      };
    });
    saveConfigurations(this.store.get().configurations);
  }

  removeConfiguration(index: number): void {
    this.store.set((s) => {
      const configurations = s.configurations.filter((_, i) => i !== index);
      return {
        configurations: configurations.length > 0 ? configurations : DEFAULT_CONFIGURATIONS,
        compareStale: true,
      };
    });
    saveConfigurations(this.store.get().configurations);
  }

  setCompareMeasure(measure: string): void {
    this.store.set({ compareMeasure: measure });
    if (this.store.get().compare.data) void this.runCompare();
  }

  async runCompare(): Promise<void> {
    const { setId, configurations, threshold, cutoffs, compareMeasure } = this.store.get();
    if (setId === null) return;
    await this.grading.settled();
    this.store.set({ compareStale: false });
    await this.load('compare', () =>
      this.client.evalCompare({ setId, configurations, threshold, cutoffs, measure: compareMeasure }),
    );
  }

  // --- invariance ---

  setInvarianceAnchors(anchors: string[]): void {
    this.store.set({ invarianceAnchors: anchors });
  }

  toggleEdit(edit: InvarianceEdit): void {
    this.store.set((s) => ({
      invarianceEdits: s.invarianceEdits.includes(edit)
        ? s.invarianceEdits.filter((e) => e !== edit)
        : [...s.invarianceEdits, edit],
    }));
  }

  setPassThreshold(share: number): void {
    this.store.set({ passThreshold: share });
  }

  async runInvariance(): Promise<void> {
    const { setId, invarianceAnchors, invarianceEdits, passThreshold } = this.store.get();
    if (invarianceEdits.length === 0) {
      this.store.set({
        invariance: { phase: 'error', data: null, error: 'Choose at least one edit to test.' },
      });
      return;
    }
    await this.load('invariance', () =>
      this.client.evalInvariance({
        anchors: invarianceAnchors,
        ...(setId !== null ? { setId } : {}),
        edits: invarianceEdits,
        passThreshold,
      }),
    );
  }

  async loadTriplets(): Promise<void> {
    const { setId } = this.store.get();
    if (setId === null) return;
    await this.load('triplets', () => this.client.evalTriplets({ setId }));
  }

  /** Resolves to the problem, or null when the triplet was added. */
  async addTriplet(anchor: string, same: string, different: string): Promise<string | null> {
    const { setId } = this.store.get();
    if (setId === null) return 'Choose an evaluation set first.';
    try {
      await this.client.evalAddTriplet({ setId, anchor, same, different });
      await this.loadTriplets();
      return null;
    } catch (err) {
      return errorMessage(err);
    }
  }

  async removeTriplet(tripletId: number): Promise<void> {
    const { setId } = this.store.get();
    if (setId === null) return;
    try {
      await this.client.evalRemoveTriplet({ setId, tripletId });
    } finally {
      await this.loadTriplets();
    }
  }

  // --- online signals ---

  async loadSignals(): Promise<void> {
    await Promise.all([
      this.load('clickThrough', () => this.client.evalClickThrough({ maxPosition: 20 })),
      this.load('interleavingReport', () => this.client.evalInterleavingReport()),
    ]);
  }

  setInterleaving(patch: Partial<InterleavingSetting>): void {
    const interleaving = { ...this.store.get().interleaving, ...patch };
    this.store.set({ interleaving });
    saveInterleaving(interleaving);
  }

  // --- TREC exchange ---

  async exportTrec(): Promise<void> {
    const { setId } = this.store.get();
    if (setId === null) return;
    await this.grading.settled();
    await this.load('exported', () => this.client.evalExportTrec({ setId }));
  }

  async importTrec(qrels: Blob, sidecar: Blob, name: string): Promise<void> {
    const typed = name.trim();
    const imported = await this.load('importing', async () =>
      this.client.evalImportTrec({
        qrels: await qrels.text(),
        sidecar: await sidecar.text(),
        ...(typed ? { name: typed } : {}),
      }),
    );
    if (imported) {
      await this.load('sets', () => this.client.evalSets());
      await this.selectSet(imported.id);
    }
  }

  // --- internals ---

  private metricsConfiguration(): SearchConfigurationInput {
    const { configurations, metricsConfiguration } = this.store.get();
    return configurations.find((c) => c.name === metricsConfiguration) ?? configurations[0]!;
  }

  private markStale(): void {
    this.store.set({ metricsStale: true, compareStale: true });
  }

  private async refreshSetList(): Promise<void> {
    try {
      const list = await this.client.evalSets();
      this.store.set({ sets: { phase: 'done', data: list, error: null } });
    } catch {
      // The list keeps its last counts; the action that called this reported its own outcome.
    }
  }

  /** Runs a request into one of the store's loadables; resolves to its data, or null on failure. */
  private async load<K extends LoadableKey>(
    key: K,
    request: () => Promise<NonNullable<EvaluateState[K]['data']>>,
  ): Promise<NonNullable<EvaluateState[K]['data']> | null> {
    this.store.set(
      (s) => ({ [key]: { ...s[key], phase: 'loading', error: null } }) as Partial<EvaluateState>,
    );
    try {
      const data = await request();
      this.store.set({ [key]: { phase: 'done', data, error: null } } as Partial<EvaluateState>);
      return data;
    } catch (err) {
      this.store.set(
        (s) => ({ [key]: { ...s[key], phase: 'error', error: errorMessage(err) } }) as Partial<EvaluateState>,
      );
      return null;
    }
  }
}
