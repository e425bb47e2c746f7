import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  ApiEventName,
  ApiEvents,
  ApiEventSource,
  ApiParsedRequest,
  ApiResults,
  LookalikeApiHandlers,
} from '../../shared/api-contract.ts';
import type { EvaluationHandlers, EvaluationMethodName } from '../../shared/evaluation-api.ts';
import { ApiError } from '../../shared/api-errors.ts';
import { IMAGE_SIZE_PIXELS, type ImageRequest } from '../../shared/image-url.ts';
import type { IndexingState } from '../../shared/indexing-state.ts';
import type { SearchResponse } from '../../shared/library-api.ts';
import type { Engine } from '../engine.ts';
import { probeImage, renderPreview } from '../imaging/image-preview.ts';
import { ImageSkip } from '../imaging/skip-reason.ts';
import { toApiError } from './api-error-mapping.ts';
import { IndexingJobs } from './indexing-jobs.ts';
import { ModelSwitchRunner } from './model-switch-runner.ts';
import { ModelService } from './model-service.ts';
import { LibraryWatch, type LibraryWatchOptions } from './library-watch.ts';
import { EvaluationService } from './evaluation-service.ts';
import { UploadedQueries, type UploadedQueriesOptions } from './uploaded-queries.ts';

export interface ServedImage {
  bytes: Buffer;
  contentType: string;
  etag: string;
  /** 'hit' when it came from the thumbnail cache, 'miss' when it was rendered now. */
  cache: 'hit' | 'miss' | 'memory';
}

export interface LibraryServiceOptions {
  uploads?: UploadedQueriesOptions;
  /** Where unexpected errors go (with their stacks); default: stderr. */
  log?: (message: string, err?: unknown) => void;
}

type Listener = (payload: never) => void;

/**
 * The API contract implemented on top of the Engine, for every transport (the HTTP bridge now,
 * the desktop app's IPC later): background indexing with progress events, uploaded queries,
 * library-only image access, and engine errors turned into API errors.
 */
export class LibraryService implements LookalikeApiHandlers, ApiEventSource {
  private readonly engine: Engine;
  private readonly jobs: IndexingJobs;
  private readonly reembed: ModelSwitchRunner;
  private readonly uploads: UploadedQueries;
  private readonly listeners = new Map<ApiEventName, Set<Listener>>();
  private readonly log: (message: string, err?: unknown) => void;
  private watch: LibraryWatch | undefined;
  private readonly evaluation: EvaluationService;
  private readonly modelService: ModelService;

  constructor(engine: Engine, options: LibraryServiceOptions = {}) {
    this.engine = engine;
    this.log =
      options.log ??
      ((message, err) =>
        console.error(
          `lookalike: ${message}`,
          err instanceof Error ? (err.stack ?? err.message) : (err ?? ''),
        ));
    this.uploads = new UploadedQueries(options.uploads);
    this.evaluation = new EvaluationService({
      engine,
      uploads: this.uploads,
      absolute: (p) => this.absolute(p),
    });
    this.jobs = new IndexingJobs({
      indexFolders: (folders, onProgress, control) => engine.indexFolders(folders, onProgress, control),
      removeFolder: (folder) => engine.removeFolder(folder),
      onState: (state) => {
        this.emit('indexing', state);
        this.reembed?.holdWhile(state.phase !== 'idle');
      },
      onFinished: (job, run) => {
        this.emit('libraryChanged', {
          reason: job.kind === 'remove' ? 'folder-removed' : 'indexed',
          folders: run.folders,
        });
        // Photos just indexed need vectors for a model being switched to, too.
        this.reembed.kick();
      },
      log: this.log,
    });
    // A switch to another model left unfinished (the app was closed) goes on in the background.
    this.reembed = new ModelSwitchRunner({
      engine,
      onState: (state) => this.emit('modelSwitch', state),
      log: this.log,
    });
    this.reembed.kick();
    this.modelService = new ModelService({
      engine,
      emit: (event) => this.emit('modelInstall', event),
      absolute: (p) => this.absolute(p),
    });
  }

  // The evaluation workbench (evaluation-service.ts), behind the same error mapping.
  evalSets = this.evaluated('evalSets');
  evalCreateSet = this.evaluated('evalCreateSet');
  evalDeleteSet = this.evaluated('evalDeleteSet');
  evalSet = this.evaluated('evalSet');
  evalAddQuery = this.evaluated('evalAddQuery');
  evalRemoveQuery = this.evaluated('evalRemoveQuery');
  evalPool = this.evaluated('evalPool');
  evalGradingQueue = this.evaluated('evalGradingQueue');
  evalGrade = this.evaluated('evalGrade');
  evalUndo = this.evaluated('evalUndo');
  evalProgress = this.evaluated('evalProgress');
  evalMetrics = this.evaluated('evalMetrics');
  evalCompare = this.evaluated('evalCompare');
  evalExportTrec = this.evaluated('evalExportTrec');
  evalImportTrec = this.evaluated('evalImportTrec');
  evalTriplets = this.evaluated('evalTriplets');
  evalAddTriplet = this.evaluated('evalAddTriplet');
  evalRemoveTriplet = this.evaluated('evalRemoveTriplet');
  evalInvariance = this.evaluated('evalInvariance');
  evalLogImpression = this.evaluated('evalLogImpression');
  evalLogClick = this.evaluated('evalLogClick');
  evalClickThrough = this.evaluated('evalClickThrough');
  evalInterleavedSearch = this.evaluated('evalInterleavedSearch');
  evalInterleavingReport = this.evaluated('evalInterleavingReport');

  private evaluated<M extends EvaluationMethodName>(method: M): EvaluationHandlers[M] {
    const handler = (request: never): Promise<unknown> =>
      this.guard(() =>
        (this.evaluation[method] as (r: never) => Promise<unknown>).call(this.evaluation, request),
      );
    return handler as EvaluationHandlers[M];
  }

  subscribe<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  async status(): Promise<ApiResults['status']> {
    return this.guard(() => this.engine.status());
  }

  async addFolder({ path: typed }: ApiParsedRequest<'addFolder'>): Promise<ApiResults['addFolder']> {
    return this.guard(async () => {
      const folder = this.absolute(typed);
      const s = await stat(folder).catch(() => undefined);
      if (!s) throw new ApiError('not-found', `There is no folder at ${folder}`);
      if (!s.isDirectory()) throw new ApiError('bad-request', `${folder} is a file, not a folder`);
      const added = await this.engine.addFolder(folder);
      this.emit('libraryChanged', { reason: 'folder-added', folders: [added] });
      this.jobs.enqueue({ kind: 'index', folders: [added] });
      return { folder: added };
    });
  }

  async removeFolder({ path: typed }: ApiParsedRequest<'removeFolder'>): Promise<ApiResults['removeFolder']> {
    return this.guard(async () => {
      const folder = this.absolute(typed);
      if (!this.engine.libraryFolders().includes(folder)) {
        throw new ApiError('not-found', `${folder} is not a folder of this library`);
      }
      this.jobs.cancelQueued(folder);
      this.jobs.enqueue({ kind: 'remove', folder });
      return { folder };
    });
  }

  async refresh(): Promise<ApiResults['refresh']> {
    const folders = this.engine.libraryFolders();
    if (folders.length > 0) this.jobs.enqueue({ kind: 'index', folders });
    return { folders };
  }

  async stopIndexing(): Promise<ApiResults['stopIndexing']> {
    const wasRunning = this.jobs.current.phase !== 'idle';
    this.jobs.stop();
    return { wasRunning };
  }

  async indexingState(): Promise<IndexingState> {
    return this.jobs.current;
  }

  async skippedFiles({ limit }: ApiParsedRequest<'skippedFiles'>): Promise<ApiResults['skippedFiles']> {
    return this.guard(async () => this.engine.skippedFiles(limit));
  }

  async uploadQuery({ bytes, name }: ApiParsedRequest<'uploadQuery'>): Promise<ApiResults['uploadQuery']> {
    return this.guard(async () => {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const label = name || 'pasted image';
      let info;
      try {
        info = await probeImage(buffer);
      } catch (err) {
        if (err instanceof ImageSkip)
          throw new ApiError('unsupported-image', `Cannot use ${label} as a query: ${err.message}`);
        throw err;
      }
      const stored = this.uploads.add(buffer, label, info);
      // Its search follows at once: the embedding is under way by then.
      this.engine.prepareQuery(stored.bytes);
      return { id: stored.id, name: label, ...info, byteLength: buffer.length };
    });
  }

  async search({
    query,
    provisional,
    ...options
  }: ApiParsedRequest<'search'>): Promise<ApiResults['search']> {
    return this.guard(async () => {
      const folders = options.folders?.map((f) => this.absolute(f));
      const rest = { ...options, ...(folders ? { folders } : {}) };
      const logged = (response: SearchResponse): SearchResponse =>
        provisional ? response : this.evaluation.logSearch(response);
      if (query.kind === 'upload') {
        const stored = this.uploads.get(query.id);
        if (!stored) throw this.uploadGone();
        return logged(await this.engine.searchByImageBytes(stored.bytes, { ...rest, label: stored.name }));
      }
      const file = this.absolute(query.path);
      if (!(await this.engine.isInsideLibrary(file))) {
        throw new ApiError(
          'forbidden',
          `Only photos inside the library's folders can be searched by path: ${file}`,
        );
      }
      return logged(await this.engine.searchByImage({ ...rest, imagePath: file }));
    });
  }

  async useModel({ model }: ApiParsedRequest<'useModel'>): Promise<ApiResults['useModel']> {
    return this.guard(async () => {
      this.engine.useModel(model);
      this.reembed.restart();
      return this.reembed.current;
    });
  }

  async models(): Promise<ApiResults['models']> {
    return this.guard(() => this.modelService.models());
  }

  async installModel(request: ApiParsedRequest<'installModel'>): Promise<ApiResults['installModel']> {
    return this.guard(() => this.modelService.installModel(request));
  }

  async removeModel(request: ApiParsedRequest<'removeModel'>): Promise<ApiResults['removeModel']> {
    return this.guard(() => this.modelService.removeModel(request));
  }

  async cancelModelInstall(
    request: ApiParsedRequest<'cancelModelInstall'>,
  ): Promise<ApiResults['cancelModelInstall']> {
    return this.guard(() => this.modelService.cancelModelInstall(request));
  }

  async pauseModelSwitch(): Promise<ApiResults['pauseModelSwitch']> {
    this.reembed.pause();
    return this.reembed.current;
  }

  async resumeModelSwitch(): Promise<ApiResults['resumeModelSwitch']> {
    this.reembed.resume();
    return this.reembed.current;
  }

  /**
   * A picture for a window: a library photo (library folders only) or an uploaded query;
   * `signal` says the window no longer wants it (it scrolled past, or the results changed).
   */
  async image({ ref, size }: ImageRequest, signal?: AbortSignal): Promise<ServedImage> {
    return this.guard(async () => {
      const longSide = IMAGE_SIZE_PIXELS[size];
      if (ref.kind === 'library') {
        const thumb = await this.engine.thumbnail(this.absolute(ref.path), longSide, signal);
        return {
          bytes: thumb.bytes,
          contentType: thumb.contentType,
          etag: thumb.etag,
          cache: thumb.cached ? 'hit' : 'miss',
        };
      }
      const stored = this.uploads.get(ref.id) ?? this.evaluation.shownImage(ref.id);
      if (!stored) throw this.uploadGone();
      let preview = stored.previews.get(longSide);
      if (!preview) {
        preview = renderPreview(stored.bytes, longSide);
        stored.previews.set(longSide, preview);
        preview.catch(() => stored.previews.delete(longSide));
      }
      const rendered = await preview;
      return {
        bytes: rendered.bytes,
        contentType: rendered.contentType,
        etag: `"${ref.id}-${size}"`,
        cache: 'memory',
      };
    });
  }

  /**
   * Keeps the library in step with the disk while the app runs: checks every folder once (a
   * queued refresh, with progress), then follows them all, folders added later included.
   * Resolves once they are watched.
   */
  async watchFolders(options: LibraryWatchOptions = {}): Promise<void> {
    if (this.watch) return;
    const watch = new LibraryWatch(
      {
        library: this.engine,
        jobs: this.jobs,
        changed: (folders) => this.emit('libraryChanged', { reason: 'indexed', folders }),
        log: this.log,
      },
      options,
    );
    this.watch = watch;
    this.subscribe('libraryChanged', ({ reason }) => {
      if (reason !== 'indexed') watch.foldersChanged();
    });
    await watch.start();
    await this.refresh();
  }

  /** Resolves once the queued background jobs are done (tests, orderly shutdown). */
  async whenIdle(): Promise<void> {
    await this.jobs.idle();
    await this.reembed.idle();
  }

  /**
   * Stops background work and lets go of uploads and listeners. Resolves false when a running job
   * did not stop within `waitMs`: the host should then exit without closing the engine under it
   * (everything committed is durable; the next run goes on from there).
   */
  async close(waitMs?: number): Promise<boolean> {
    const watching = this.watch?.close();
    this.modelService.close();
    const reembedding = this.reembed.close();
    const stopped = await this.jobs.close(waitMs);
    await watching;
    await reembedding;
    this.uploads.clear();
    this.listeners.clear();
    return stopped;
  }

  private emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as (p: ApiEvents[E]) => void)(payload);
      } catch (err) {
        this.log(`A ${event} listener failed`, err);
      }
    }
  }

  /** An absolute, normalised path from what the person typed (`~` is their home folder). */
  private absolute(typed: string): string {
    const expanded =
      typed === '~' || typed.startsWith('~/') ? path.join(os.homedir(), typed.slice(1)) : typed;
    if (!path.isAbsolute(expanded)) {
      throw new ApiError(
        'bad-request',
        `Please give the full path, starting from the top (for example ${os.homedir()}): ${typed}`,
      );
    }
    return path.resolve(expanded);
  }

  private uploadGone(): ApiError {
    return new ApiError('not-found', 'That query image is no longer kept; please drop or choose it again.');
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toApiError(err, this.log);
    }
  }
}
