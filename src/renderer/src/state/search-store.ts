import type { QueryRef } from '../../../shared/api-contract.ts';
import type { Crop, SearchResponse } from '../../../shared/library-api.ts';
import { createStore, type Store } from './store.ts';

/** Where a query photo came from, for showing and re-running it. */
export interface QuerySource {
  ref: QueryRef;
  name: string;
  /**
   * The dropped, pasted or chosen file itself (an object URL), shown as the query at once and
   * decoded by the page, so the engine's CPU goes to the search; absent for library photos and
   * for files a page cannot show (the engine renders those).
   */
  localPreview?: string;
  /** The dropped, pasted or chosen file, to send again if the engine no longer keeps it (it restarted). */
  file?: Blob;
}

/** One step of the search history (back/forward): a query photo and the crop on it. */
export interface SearchEntry {
  id: number;
  source: QuerySource;
  /** Fractions of the photo; null searches with all of it. */
  crop: Crop | null;
}

export interface SearchOptions {
  k: number;
  collapse: boolean;
  /** Only results inside this folder (a library folder); null for all. */
  folder: string | null;
}

export interface SearchState {
  history: readonly SearchEntry[];
  /** Index into history of the entry shown; -1 before the first search. */
  position: number;
  uploading: boolean;
  /** `more`: the first screen of results is shown and the rest of them is on its way. */
  phase: 'idle' | 'loading' | 'more' | 'done' | 'error';
  response: SearchResponse | null;
  /** Counts answers to new searches; the rest of a first screen arriving is the same answer. */
  answer: number;
  /** The crop the shown response was computed with (it may lag behind the crop being drawn). */
  responseCrop: Crop | null;
  error: string | null;
  options: SearchOptions;
  /** Lead paths of near-duplicate groups shown expanded. */
  expanded: ReadonlySet<string>;
  /** The focused result (keyboard navigation), an index into the shown tiles. */
  activeIndex: number;
  /** The result shown large, or null. */
  previewIndex: number | null;
}

export type SearchStore = Store<SearchState>;

export const RESULT_COUNTS = [50, 200, 1000, 5000] as const;

export function createSearchStore(): SearchStore {
  return createStore<SearchState>({
    history: [],
    position: -1,
    uploading: false,
    phase: 'idle',
    response: null,
    answer: 0,
    responseCrop: null,
    error: null,
    options: { k: 200, collapse: true, folder: null },
    expanded: new Set(),
    activeIndex: 0,
    previewIndex: null,
  });
}

export function currentEntry(state: SearchState): SearchEntry | null {
  return state.history[state.position] ?? null;
}
