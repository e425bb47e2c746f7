import { z } from 'zod';
import type { IndexingState } from './indexing-state.ts';
import {
  cropSchema,
  type LibraryStatus,
  modelIdSchema,
  type ReembeddingStatus,
  type SearchResponse,
} from './library-api.ts';
import { evaluationMethods, type EvaluationResults } from './evaluation-api.ts';
import { pathSchema, queryRefSchema } from './query-ref.ts';
import {
  cancelModelInstallSchema,
  installModelSchema,
  type ModelInfo,
  type ModelInstallEvent,
  removeModelSchema,
} from './model-api.ts';

/**
 * The app's API, declared once: each method's request schema (validated at every boundary) and
 * result type, and the events pushed to the UI. Transports (HTTP here, Electron IPC, direct calls)
 * are derived from this table by the generic adapter in api-adapter.ts; none repeats it.
 */

// Defined beside the contract so that the evaluation contract can use them without a cycle.
export { pathSchema, queryRefSchema, type QueryRef, uploadIdSchema } from './query-ref.ts';

export const searchQuerySchema = z.strictObject({
  query: queryRefSchema,
  /** Part of the query photo to search with (fractions or pixels of the EXIF-oriented photo). */
  crop: cropSchema.optional(),
  k: z.number().int().min(1).max(10_000).default(50),
  collapse: z.boolean().default(true),
  /** Re-rank by neighbourhood expansion (off: plain cosine similarity order; default: the model's choice). */
  rerank: z.boolean().optional(),
  /** Only results inside these library folders. */
  folders: z.array(pathSchema).max(1000).optional(),
  /** Answer with this model instead of the active one (its index must cover every photo). */
  model: modelIdSchema.optional(),
  /**
   * The first screen of a search whose full answer is asked for right after: answered the same
   * way, but not logged as an impression (the full answer is what the person is shown).
   */
  provisional: z.boolean().optional(),
});
export type SearchQuery = z.input<typeof searchQuerySchema>;

/** An encoded image to use as a query: its bytes travel as the body, not as JSON. */
export const uploadQuerySchema = z.strictObject({
  bytes: z
    .instanceof(Uint8Array, { message: 'the image bytes are missing' })
    .refine((b) => b.byteLength > 0, {
      message: 'the image is empty (0 bytes)',
    }),
  name: z.string().trim().max(255).optional(),
});

const noArguments = z.strictObject({});

interface MethodSpec<S extends z.ZodType = z.ZodType> {
  request: S;
  /** 'bytes': the request has a `bytes` field sent as the raw body; its other fields travel as parameters. */
  body: 'json' | 'bytes';
}

function method<S extends z.ZodType>(request: S, body: MethodSpec['body'] = 'json'): MethodSpec<S> {
  return { request, body };
}

export const apiMethods = {
  /** Folders with counts, model, execution provider, index health. */
  status: method(noArguments),
  /** Adds a folder and queues its indexing; progress arrives as `indexing` events. */
  addFolder: method(z.strictObject({ path: pathSchema })),
  /** Removes a folder and its photos from the library (the files themselves are never touched). */
  removeFolder: method(z.strictObject({ path: pathSchema })),
  /** Queues a re-index of every folder (only what changed is read again). */
  refresh: method(noArguments),
  /** Stops the running indexing at its next checkpoint (what is done is kept) and drops waiting jobs. */
  stopIndexing: method(noArguments),
  indexingState: method(noArguments),
  skippedFiles: method(z.strictObject({ limit: z.number().int().min(1).max(100_000).default(1000) })),
  /** Keeps an image for searching (a re-run with another crop sends only its id). */
  uploadQuery: method(uploadQuerySchema, 'bytes'),
  search: method(searchQuerySchema),
  /**
   * Switches the library to another installed model: it is embedded for it in the background
   * (progress as `modelSwitch` events) while searches keep using the current model, which the new
   * one replaces once its index covers every photo. The active model again: forget the switch.
   */
  useModel: method(z.strictObject({ model: modelIdSchema })),
  /** Installed models and the catalog's others: size, licence, notes, the active one. */
  models: method(noArguments),
  /**
   * Installs a catalog model (downloaded, verified and converted as needed) or a model file on this
   * computer; resolves once it is installed, with progress as `modelInstall` events.
   */
  installModel: method(installModelSchema),
  /** Removes an installed model: the library's data for it, then its files (not the active one). */
  removeModel: method(removeModelSchema),
  /** Stops a running install's download (what arrived is kept, so installing it again resumes). */
  cancelModelInstall: method(cancelModelInstallSchema),
  /** Pauses the background re-embed of a switch (what is done is kept); searches are unaffected. */
  pauseModelSwitch: method(noArguments),
  resumeModelSwitch: method(noArguments),
  /** The evaluation workbench (evaluation-api.ts). */
  ...evaluationMethods,
} as const satisfies Record<string, MethodSpec>;

export type ApiMethodName = keyof typeof apiMethods;
export type ApiRequest<M extends ApiMethodName> = z.input<(typeof apiMethods)[M]['request']>;
export type ApiParsedRequest<M extends ApiMethodName> = z.output<(typeof apiMethods)[M]['request']>;

export function isApiMethod(name: string): name is ApiMethodName {
  return Object.hasOwn(apiMethods, name);
}

export interface FolderChange {
  /** The folder as the library records it (absolute). */
  folder: string;
}

export interface UploadedQuery {
  id: string;
  name: string;
  /** Size after EXIF orientation: the frame a crop refers to. */
  width: number;
  height: number;
  format: string;
  byteLength: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ApiResults extends EvaluationResults {
  status: LibraryStatus;
  addFolder: FolderChange;
  removeFolder: FolderChange;
  refresh: { folders: string[] };
  stopIndexing: { wasRunning: boolean };
  indexingState: IndexingState;
  skippedFiles: SkippedFile[];
  uploadQuery: UploadedQuery;
  search: SearchResponse;
  useModel: ModelSwitchEvent;
  models: ModelInfo[];
  installModel: ModelInfo;
  removeModel: { id: string; removed: boolean; freedBytes: number };
  /** false when no install of that request was running. */
  cancelModelInstall: { cancelled: boolean };
  pauseModelSwitch: ModelSwitchEvent;
  resumeModelSwitch: ModelSwitchEvent;
}

export interface LibraryChange {
  reason: 'folder-added' | 'folder-removed' | 'indexed';
  folders: string[];
}

/** Pushed to every window; subscribe with `client.on(name, listener)`. */
/** The model answering searches, and the switch to another one under way (or null). */
export interface ModelSwitchEvent {
  active: string;
  reembedding: ReembeddingStatus | null;
}

export interface ApiEvents {
  indexing: IndexingState;
  libraryChanged: LibraryChange;
  modelSwitch: ModelSwitchEvent;
  modelInstall: ModelInstallEvent;
}
export type ApiEventName = keyof ApiEvents;
export const apiEventNames = [
  'indexing',
  'libraryChanged',
  'modelSwitch',
  'modelInstall',
] as const satisfies readonly ApiEventName[];

type Arguments<M extends ApiMethodName> =
  Record<string, never> extends ApiRequest<M> ? [request?: ApiRequest<M>] : [request: ApiRequest<M>];

/** The API as callers see it (requests before defaults are applied). */
export type LookalikeApi = { [M in ApiMethodName]: (...args: Arguments<M>) => Promise<ApiResults[M]> };

/** The API as the engine side implements it: requests already validated, defaults applied. */
export type LookalikeApiHandlers = {
  [M in ApiMethodName]: (request: ApiParsedRequest<M>) => Promise<ApiResults[M]>;
};

/** The engine side's event stream, which every transport forwards. */
export interface ApiEventSource {
  subscribe<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}
