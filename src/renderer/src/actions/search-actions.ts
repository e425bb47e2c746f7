import type { LookalikeClient } from '../../../shared/api-adapter.ts';
import type { QueryRef } from '../../../shared/api-contract.ts';
import type { Crop, SearchResponse } from '../../../shared/library-api.ts';
import { ApiError } from '../../../shared/api-errors.ts';
import { fileName } from '../format.ts';
import {
  currentEntry,
  type QuerySource,
  type SearchEntry,
  type SearchOptions,
  type SearchState,
  type SearchStore,
} from '../state/search-store.ts';
import { errorMessage } from './error-message.ts';
import type { SearchSignals } from './search-signals.ts';

/** Crop edits arrive on every mouse move: search once they pause. */
const CROP_DEBOUNCE_MS = 250;
const HISTORY_LIMIT = 50;
/** Files every page can decode itself, up to a size it decodes quickly. */
const LOCAL_PREVIEW_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);
const LOCAL_PREVIEW_MAX_BYTES = 16 * 1024 * 1024;
/** A screen of results and more: the grid's 180-pixel tiles fill about 8 × 5 of a 1920 × 1200 display. */
const FIRST_SCREEN_RESULTS = 60;
/** The rest of the results is asked for at the latest this long after the first screen arrived. */
const FIRST_SCREEN_WAIT_MS = 1000;

/** Search view operations: query photos, crop, history, options, and the results' own state. */
export class SearchActions {
  private readonly client: LookalikeClient;
  private readonly store: SearchStore;
  private readonly signals: SearchSignals;
  private nextEntryId = 1;
  private requestSeq = 0;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private firstScreen: { answer: number; resolve: () => void } | null = null;

  constructor(client: LookalikeClient, store: SearchStore, signals: SearchSignals) {
    this.client = client;
    this.store = store;
    this.signals = signals;
  }

  /** Searches with a photo the person dropped, pasted or picked. */
  async searchWithFile(file: Blob, name: string): Promise<void> {
    this.store.set({ uploading: true, error: null });
    try {
      const uploaded = await this.upload(file, name);
      const local = LOCAL_PREVIEW_TYPES.has(file.type) && file.size <= LOCAL_PREVIEW_MAX_BYTES;
      this.push({
        ref: uploaded.ref,
        name: uploaded.name,
        file,
        ...(local ? { localPreview: URL.createObjectURL(file) } : {}),
      });
    } catch (err) {
      this.store.set({ uploading: false, phase: 'error', error: errorMessage(err) });
    }
  }

  /** Searches with a photo of the library (a result's "Find similar"). */
  findSimilar(path: string): void {
    this.push({ ref: { kind: 'library', path }, name: fileName(path) });
  }

  /** Changes the crop of the current query (fractions; null for the whole photo) and searches again shortly. */
  setCrop(crop: Crop | null): void {
    const state = this.store.get();
    const entry = currentEntry(state);
    if (!entry) return;
    const history = state.history.map((e) => (e === entry ? { ...e, crop } : e));
    this.store.set({ history });
    this.run(CROP_DEBOUNCE_MS);
  }

  back(): void {
    this.go(this.store.get().position - 1);
  }

  forward(): void {
    this.go(this.store.get().position + 1);
  }

  setOptions(patch: Partial<SearchOptions>): void {
    this.store.set((s) => ({ options: { ...s.options, ...patch } }));
    this.run(0);
  }

  toggleGroup(leadPath: string): void {
    this.store.set((s) => {
      const expanded = new Set(s.expanded);
      if (!expanded.delete(leadPath)) expanded.add(leadPath);
      return { expanded };
    });
  }

  setActive(index: number): void {
    if (this.store.get().activeIndex !== index) this.store.set({ activeIndex: index });
  }

  /** Shows a result large; `path` is the result's photo when the person opened it from the grid. */
  openPreview(index: number, path?: string): void {
    // Opening a result is a click; stepping through the open preview is not.
    if (path !== undefined && this.store.get().previewIndex === null) this.signals.clicked(path, 'open');
    this.store.set({ previewIndex: index, activeIndex: index });
  }

  closePreview(): void {
    this.store.set({ previewIndex: null });
  }

  /** Runs the current entry again (retry after an error). */
  retry(): void {
    this.run(0);
  }

  private push(source: QuerySource): void {
    this.store.set((s) => {
      const kept = s.history.slice(Math.max(0, s.position + 1 - HISTORY_LIMIT + 1), s.position + 1);
      const history = [...kept, { id: this.nextEntryId++, source, crop: null }];
      // Queries that left the history let go of their files.
      for (const gone of s.history) {
        if (gone.source.localPreview && !kept.some((e) => e.source === gone.source))
          URL.revokeObjectURL(gone.source.localPreview);
      }
      return {
        uploading: false,
        history,
        position: history.length - 1,
        expanded: new Set(),
        previewIndex: null,
        activeIndex: 0,
      };
    });
    this.run(0);
  }

  private go(position: number): void {
    const { history } = this.store.get();
    if (position < 0 || position >= history.length) return;
    this.store.set({ position, expanded: new Set(), previewIndex: null, activeIndex: 0 });
    this.run(0);
  }

  private run(delayMs: number): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    if (delayMs > 0) {
      // Say at once that the results are about to change; search once the edits pause.
      this.requestSeq++;
      this.store.set({ phase: 'loading', error: null });
      this.pending = setTimeout(() => void this.execute(), delayMs);
    } else {
      void this.execute();
    }
  }

  private async execute(uploadedAgain = false): Promise<void> {
    const state: SearchState = this.store.get();
    const entry = currentEntry(state);
    if (!entry) return;
    const seq = ++this.requestSeq;
    const { k, collapse, folder } = state.options;
    const request = {
      query: entry.source.ref,
      k,
      collapse,
      ...(entry.crop ? { crop: entry.crop } : {}),
      ...(folder ? { folders: [folder] } : {}),
    };
    // The first screen of results is asked for first, and shown while the rest is found: it is
    // the same as the start of the full answer (the engine ranks and groups in order), and a
    // fraction of its work.
    const firstScreen = k > FIRST_SCREEN_RESULTS && !this.signals.answersWhole(request);
    const asked = this.signals.search(
      firstScreen ? { ...request, k: FIRST_SCREEN_RESULTS, provisional: true } : request,
    );
    this.store.set({ phase: 'loading', error: null });
    try {
      let response = await asked;
      if (seq !== this.requestSeq) return;
      // Fewer than asked for: that is all there is.
      const more = firstScreen && response.results.length === FIRST_SCREEN_RESULTS;
      this.show(response, entry, more ? 'more' : 'done', true);
      if (!more) return;
      // The rest waits for the first screen's pictures: asked for at once, the engine would find
      // it while those thumbnails wait.
      await this.firstScreenOnScreen(this.store.get().answer);
      if (seq !== this.requestSeq) return;
      response = await this.signals.search(request);
      if (seq !== this.requestSeq) return;
      this.show(response, entry, 'done', false);
    } catch (err) {
      if (seq !== this.requestSeq) return;
      const gone = err instanceof ApiError && err.code === 'not-found';
      if (gone && !uploadedAgain && (await this.renewUpload(entry.source.ref)) && seq === this.requestSeq) {
        return this.execute(true);
      }
      if (seq !== this.requestSeq) return;
      this.store.set({ phase: 'error', error: errorMessage(err) });
    }
  }

  /**
   * The engine keeps query photos in memory only: after it restarted, an uploaded query is
   * unknown to it. Sends the query's file again, for every step of the history that uses it;
   * resolves to the new ref, or null when the file is not at hand (or not an upload).
   */
  async renewUpload(ref: QueryRef): Promise<QueryRef | null> {
    if (ref.kind !== 'upload') return null;
    const source = this.store
      .get()
      .history.find((e) => e.source.ref.kind === 'upload' && e.source.ref.id === ref.id)?.source;
    if (!source?.file) return null;
    try {
      const uploaded = await this.upload(source.file, source.name);
      const renewed: QuerySource = { ...source, ref: uploaded.ref };
      this.store.set((s) => ({
        history: s.history.map((e) => (e.source === source ? { ...e, source: renewed } : e)),
      }));
      return uploaded.ref;
    } catch {
      return null;
    }
  }

  private async upload(file: Blob, name: string): Promise<{ ref: QueryRef; name: string }> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const uploaded = await this.client.uploadQuery({ bytes, name });
    return { ref: { kind: 'upload', id: uploaded.id }, name: uploaded.name };
  }

  /** The results grid has the first screen of this answer on screen (its thumbnails decoded or failed). */
  firstScreenShown(answer: number): void {
    if (this.firstScreen?.answer === answer) this.firstScreen.resolve();
  }

  private firstScreenOnScreen(answer: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.firstScreen?.answer === answer) this.firstScreen = null;
        resolve();
      };
      const timer = setTimeout(done, FIRST_SCREEN_WAIT_MS);
      this.firstScreen = { answer, resolve: done };
    });
  }

  private show(
    response: SearchResponse,
    entry: SearchEntry,
    phase: 'more' | 'done',
    newAnswer: boolean,
  ): void {
    this.store.set((s) => ({
      phase,
      response,
      responseCrop: entry.crop,
      answer: newAnswer ? s.answer + 1 : s.answer,
      activeIndex: Math.min(s.activeIndex, Math.max(0, response.results.length - 1)),
    }));
  }
}
