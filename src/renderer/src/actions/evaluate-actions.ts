import type { LookalikeClient } from '../../../shared/api-adapter.ts';
import type { QueryRef } from '../../../shared/api-contract.ts';
import type {
  EvalProgress,
  GradingQueue,
  InvarianceEdit,
  SearchConfigurationInput,
} from '../../../shared/evaluation-api.ts';
import type { Crop } from '../../../shared/library-api.ts';
import {
  DEFAULT_CONFIGURATIONS,
  type EvaluateState,
  type EvaluateStore,
  type EvaluateTab,
  idle,
  type InterleavingSetting,
  type Loadable,
  saveInterleaving,
} from '../state/evaluate-store.ts';
import { errorMessage } from './error-message.ts';

type LoadableKey = {
  [K in keyof EvaluateState]: EvaluateState[K] extends Loadable<unknown> ? K : never;
}[keyof EvaluateState];

/**
 * The Evaluate view's operations: evaluation sets and their queries, pooling and blind grading
 * (with undo), metrics, comparisons, invariance tests, online signals and TREC exchange.
 */
export class EvaluateActions {
  private readonly client: LookalikeClient;
  private readonly store: EvaluateStore;
  /** Grades and undos go to the engine one at a time, in the order they were given. */
  private writes: Promise<void> = Promise.resolve();
  private queueSeq = 0;

  constructor(client: LookalikeClient, store: EvaluateStore) {
    this.client = client;
    this.store = store;
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
    await Promise.all([this.loadDetail(), this.loadQueue()]);
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

  async loadDetail(): Promise<void> {
    const { setId } = this.store.get();
    if (setId === null) return;
    await this.load('detail', () => this.client.evalSet({ setId }));
  }

  // --- queries ---

  /** Adds a query to a set (the current one when none is named); resolves to the problem, or null. */
  async addQuery(ref: QueryRef, crop: Crop | null, setId = this.store.get().setId): Promise<string | null> {
    if (setId === null) return 'Create an evaluation set first.';
    this.store.set({ adding: true, addError: null });
    try {
      await this.client.evalAddQuery({ setId, query: ref, ...(crop ? { crop } : {}) });
      this.store.set({ adding: false });
      if (setId === this.store.get().setId) await this.loadDetail();
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
    const problem = await this.addQuery(ref, crop, setId);
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
    await Promise.all([this.loadDetail(), this.loadQueue(), this.refreshSetList()]);
  }

  // --- pooling and grading ---

  /** Adds each configuration's top k of every query to what the curator grades. */
  async pool(): Promise<void> {
    const { setId, configurations } = this.store.get();
    if (setId === null) return;
    this.store.set({ pooling: true, poolMessage: null, gradeError: null });
    try {
      const result = await this.client.evalPool({ setId, configurations });
      const failed = result.failures.length
        ? ` ${result.failures.length} could not be searched: ${result.failures[0]!.message}`
        : '';
      this.store.set({
        pooling: false,
        poolMessage: `${result.added} new ${result.added === 1 ? 'candidate' : 'candidates'} to grade.${failed}`,
      });
      this.markStale();
      await Promise.all([this.loadDetail(), this.loadQueue(), this.refreshSetList()]);
    } catch (err) {
      this.store.set({ pooling: false, poolMessage: null, gradeError: errorMessage(err) });
    }
  }

  /** A query's candidates in blind order; without a query, the first with ungraded candidates. */
  async loadQueue(queryId?: number): Promise<void> {
    const { setId } = this.store.get();
    if (setId === null) return;
    const seq = ++this.queueSeq;
    this.store.set((s) => ({ queue: { ...s.queue, phase: 'loading', error: null } }));
    try {
      const queue = await this.client.evalGradingQueue({ setId, ...(queryId ? { queryId } : {}) });
      if (seq !== this.queueSeq) return;
      const firstOpen = queue.items.findIndex((i) => i.grade === null);
      this.store.set({
        queue: { phase: 'done', data: queue, error: null },
        activeIndex: Math.max(0, firstOpen),
      });
    } catch (err) {
      if (seq !== this.queueSeq) return;
      this.store.set((s) => ({ queue: { ...s.queue, phase: 'error', error: errorMessage(err) } }));
    }
  }

  /** Shows a query's candidates once the grades given so far are saved (so none shows as open). */
  async openQuery(queryId: number): Promise<void> {
    await this.writes;
    await this.loadQueue(queryId);
  }

  async nextUngraded(): Promise<void> {
    await this.writes;
    await this.loadQueue();
  }

  setActive(index: number): void {
    const items = this.store.get().queue.data?.items ?? [];
    if (index < 0 || index >= items.length) return;
    this.store.set({ activeIndex: index });
  }

  /** Grades the focused candidate and moves on to the next one still to grade. */
  grade(grade: number): void {
    const { queue, activeIndex, setId } = this.store.get();
    const data = queue.data;
    const item = data?.items[activeIndex];
    if (!data?.query || !item || setId === null) return;
    const queryId = data.query.id;
    const items = data.items.map((it, i) => (i === activeIndex ? { ...it, grade } : it));
    this.store.set({
      queue: { ...queue, data: { ...data, items } },
      activeIndex: nextToGrade(items, activeIndex),
      gradeError: null,
    });
    this.noteQueryCounts();
    this.markStale();
    this.write(async () => {
      const progress = await this.client.evalGrade({ setId, queryId, docId: item.docId, grade });
      this.onProgress(progress);
    });
  }

  /** Takes back the latest grade of the set (again and again). */
  undo(): void {
    const { setId } = this.store.get();
    if (setId === null) return;
    this.markStale();
    this.write(async () => {
      const result = await this.client.evalUndo({ setId });
      this.onProgress(result.progress);
      const undone = result.undone;
      if (!undone) {
        this.store.set({ gradeError: 'Nothing to undo.' });
        return;
      }
      if (this.store.get().queue.data?.query?.id !== undone.queryId) await this.loadQueue(undone.queryId);
      const { queue } = this.store.get();
      const data = queue.data;
      if (!data) return;
      const index = data.items.findIndex((i) => i.docId === undone.docId);
      const items = data.items.map((it) =>
        it.docId === undone.docId ? { ...it, grade: undone.restoredGrade } : it,
      );
      this.store.set({
        queue: { ...queue, data: { ...data, items } },
        ...(index >= 0 ? { activeIndex: index } : {}),
      });
      this.noteQueryCounts();
    });
  }

  // --- metrics and comparison ---

  setTab(tab: EvaluateTab): void {
    this.store.set({ tab });
    const s = this.store.get();
    if (tab === 'metrics' && s.setId !== null && (s.metrics.phase === 'idle' || s.metricsStale))
      void this.runMetrics();
    if (tab === 'signals') void this.loadSignals();
    if (tab === 'compare') void this.loadModels();
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
    await this.writes;
    this.store.set({ metricsStale: false });
    await this.load('metrics', () =>
      this.client.evalMetrics({ setId, configuration: this.metricsConfiguration(), threshold, cutoffs }),
    );
  }

  /** The installed models a configuration can name (the choice falls back to typing an id). */
  async loadModels(): Promise<void> {
    try {
      const models = await this.client.models();
      this.store.set({ models: models.filter((m) => m.status === 'installed') });
    } catch {
      // The list only helps choosing; the model field still takes the active model.
    }
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
  }

  removeConfiguration(index: number): void {
    this.store.set((s) => {
      const configurations = s.configurations.filter((_, i) => i !== index);
      return {
        configurations: configurations.length > 0 ? configurations : DEFAULT_CONFIGURATIONS,
        compareStale: true,
      };
    });
  }

  setCompareMeasure(measure: string): void {
    this.store.set({ compareMeasure: measure });
    if (this.store.get().compare.data) void this.runCompare();
  }

  async runCompare(): Promise<void> {
    const { setId, configurations, threshold, cutoffs, compareMeasure } = this.store.get();
    if (setId === null) return;
    await this.writes;
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
    await this.writes;
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

  // --- helpers ---

  private metricsConfiguration(): SearchConfigurationInput {
    const { configurations, metricsConfiguration } = this.store.get();
    return configurations.find((c) => c.name === metricsConfiguration) ?? configurations[0]!;
  }

  private write(step: () => Promise<void>): void {
    this.writes = this.writes.then(step).catch(async (err: unknown) => {
      this.store.set({ gradeError: `${errorMessage(err)} The grades were reloaded.` });
      await this.loadQueue(this.store.get().queue.data?.query?.id);
    });
  }

  private onProgress(progress: EvalProgress): void {
    this.store.set((s) => {
      const queue = s.queue.data ? { ...s.queue, data: { ...s.queue.data, progress } } : s.queue;
      const sets = s.sets.data
        ? { ...s.sets, data: s.sets.data.map((x) => (x.id === s.setId ? { ...x, progress } : x)) }
        : s.sets;
      return { queue, sets };
    });
  }

  /** The shown query's graded count in the set's query list, from its candidates on screen. */
  private noteQueryCounts(): void {
    this.store.set((s) => {
      const data = s.queue.data;
      const detail = s.detail.data;
      const shown = data?.query;
      if (!data || !shown || !detail) return {};
      const judged = data.items.filter((i) => i.grade !== null).length;
      const queries = detail.queries.map((q) =>
        q.id === shown.id ? { ...q, judged, pooled: data.items.length } : q,
      );
      return { detail: { ...s.detail, data: { ...detail, queries } } };
    });
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

/** After grading item `from`: the next ungraded one after it, else the first ungraded, else the next. */
export function nextToGrade(items: GradingQueue['items'], from: number): number {
  for (let i = from + 1; i < items.length; i++) if (items[i]!.grade === null) return i;
  for (let i = 0; i < from; i++) if (items[i]!.grade === null) return i;
  return Math.min(from + 1, items.length - 1);
}
