import type { ApiParsedRequest, ApiResults } from '../../shared/api-contract.ts';
import { ApiError } from '../../shared/api-errors.ts';
import type { ModelInfo, ModelInstallEvent } from '../../shared/model-api.ts';
import type { Engine } from '../engine.ts';
import { describeModels } from '../embedding/model-listing.ts';
import { parseModelDescription, readJsonFile, readModelManifest } from '../embedding/model-manifest.ts';
import {
  defaultModelsDir,
  type InstalledModel,
  type InstallProgress,
  type InstallSource,
  ModelRegistry,
} from '../embedding/model-registry.ts';

export interface ModelServiceDeps {
  engine: Pick<Engine, 'manifest' | 'dropModelData' | 'config'>;
  /** The registry the engine uses; default: the engine's own (its `models`), else the app's models folder. */
  registry?: ModelRegistry;
  emit(event: ModelInstallEvent): void;
  /** An absolute, normalised path from what the person typed. */
  absolute(p: string): string;
}

/**
 * The models part of the API: what is installed and offered, installs with progress events, and
 * removal (the library's data for the model first, then its files).
 */
export class ModelService {
  readonly registry: ModelRegistry;
  private readonly deps: ModelServiceDeps;
  private readonly closing = new AbortController();
  /** Installs under way, by the request their events name, so that one can be cancelled. */
  private readonly cancels = new Map<string, AbortController>();

  constructor(deps: ModelServiceDeps) {
    this.deps = deps;
    const configured = deps.engine.config.models;
    this.registry =
      deps.registry ??
      (configured instanceof ModelRegistry
        ? configured
        : new ModelRegistry({
            dir: defaultModelsDir(),
            bundled: readModelManifest(deps.engine.config.modelManifestPath),
          }));
    // What an install killed long ago left behind; a failure here costs only disk space.
    void this.registry.cleanUp().catch(() => undefined);
  }

  async models(): Promise<ApiResults['models']> {
    return this.describe();
  }

  async installModel(request: ApiParsedRequest<'installModel'>): Promise<ApiResults['installModel']> {
    const label = 'path' in request ? this.deps.absolute(request.path) : request.catalogId;
    let model: InstalledModel;
    // A second request for the same install joins the first (the registry's), and its cancel too.
    const cancel = this.cancels.get(label) ?? new AbortController();
    this.cancels.set(label, cancel);
    try {
      model = await this.registry.install(this.installSource(request), {
        signal: AbortSignal.any([this.closing.signal, cancel.signal]),
        onProgress: (p) => this.deps.emit(installEvent(label, p)),
      });
    } catch (err) {
      this.deps.emit({ request: label, phase: 'failed', message: (err as Error).message });
      throw err;
    } finally {
      if (this.cancels.get(label) === cancel) this.cancels.delete(label);
    }
    return this.describe().find((m) => m.id === model.manifest.id)!;
  }

  private installSource(request: ApiParsedRequest<'installModel'>): InstallSource {
    if (!('path' in request)) return { catalogId: request.catalogId };
    const file = this.deps.absolute(request.path);
    if (request.catalogId) return { catalogId: request.catalogId, file };
    if (!request.manifestPath) return { file };
    const manifestPath = this.deps.absolute(request.manifestPath);
    return { file, description: parseModelDescription(readJsonFile(manifestPath), manifestPath) };
  }

  async removeModel({ id }: ApiParsedRequest<'removeModel'>): Promise<ApiResults['removeModel']> {
    const model = this.registry.get(id);
    if (model?.origin === 'bundled') {
      throw new ApiError('conflict', `The bundled model "${id}" is part of the app and cannot be removed.`);
    }
    // Refused (ModelChoiceError) for the model answering searches or being switched to.
    const freed = await this.deps.engine.dropModelData(id);
    const removed = model ? await this.registry.remove(id) : false;
    if (!removed && freed.vectors === 0) throw new ApiError('not-found', `No model "${id}" is installed.`);
    return { id, removed, freedBytes: freed.bytes };
  }

  /** Stops one install's download (what arrived is kept, so installing it again resumes). */
  async cancelModelInstall({
    request,
  }: ApiParsedRequest<'cancelModelInstall'>): Promise<ApiResults['cancelModelInstall']> {
    const byPath = (): AbortController | undefined =>
      /^~|[\\/]/.test(request) ? this.cancels.get(this.deps.absolute(request)) : undefined;
    const cancel = this.cancels.get(request) ?? byPath();
    cancel?.abort();
    return { cancelled: cancel !== undefined };
  }

  /** Stops a running download (what arrived is kept, so the next install resumes). */
  close(): void {
    this.closing.abort();
  }

  private describe(): ModelInfo[] {
    return describeModels({
      installed: this.registry.list(),
      catalog: this.registry.catalog,
      activeId: this.deps.engine.manifest.id,
    });
  }
}

function installEvent(request: string, p: InstallProgress): ModelInstallEvent {
  if (p.phase === 'downloading') {
    return {
      request,
      phase: 'downloading',
      receivedBytes: p.receivedBytes,
      totalBytes: p.totalBytes,
      bytesPerSecond: p.bytesPerSecond,
    };
  }
  return { request, phase: p.phase, ...(p.id ? { id: p.id } : {}) };
}
