import type { LookalikeClient } from '../../../shared/api-adapter.ts';
import type { EvalProgress, GradingQueue } from '../../../shared/evaluation-api.ts';
import type { EvaluateStore } from '../state/evaluate-store.ts';
import { errorMessage } from './error-message.ts';

export interface GradingHooks {
  /** Grades changed: measures shown are out of date. */
  gradesChanged(): void;
  /** The set's queries and counts changed (after pooling): reload them. */
  setChanged(): Promise<void>;
}

/**
 * Blind grading of an evaluation set: pooling candidates, a query's candidates in blind order,
 * grades and undo. Grades go to the engine one at a time, in the order they were given, while
 * the screen shows them at once.
 */
export class GradingActions {
  private readonly client: LookalikeClient;
  private readonly store: EvaluateStore;
  private readonly hooks: GradingHooks;
  private writes: Promise<void> = Promise.resolve();
  private queueSeq = 0;

  constructor(client: LookalikeClient, store: EvaluateStore, hooks: GradingHooks) {
    this.client = client;
    this.store = store;
    this.hooks = hooks;
  }

  /** Resolves once every grade and undo given so far is saved. */
  async settled(): Promise<void> {
    await this.writes;
  }

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
      this.hooks.gradesChanged();
      await Promise.all([this.hooks.setChanged(), this.loadQueue()]);
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
    this.hooks.gradesChanged();
    this.write(async () => {
      const progress = await this.client.evalGrade({ setId, queryId, docId: item.docId, grade });
      this.onProgress(progress);
    });
  }

  /** Takes back the latest grade of the set (again and again). */
  undo(): void {
    const { setId } = this.store.get();
    if (setId === null) return;
    this.hooks.gradesChanged();
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
}

/** After grading item `from`: the next ungraded one after it, else the first ungraded, else the next. */
export function nextToGrade(items: GradingQueue['items'], from: number): number {
  for (let i = from + 1; i < items.length; i++) if (items[i]!.grade === null) return i;
  for (let i = 0; i < from; i++) if (items[i]!.grade === null) return i;
  return Math.min(from + 1, items.length - 1);
}
