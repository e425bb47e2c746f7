import type { ApiParsedRequest, ApiResults } from '../../shared/api-contract.ts';
import { ApiError } from '../../shared/api-errors.ts';
import type { ModelInfo, ModelInstallEvent } from '../../shared/model-api.ts';
import type { DroppedModelData, Engine } from '../engine.ts';
import { describeModels } from '../embedding/model-listing.ts';
import { parseModelDescription, readJsonFile } from '../embedding/model-manifest.ts';
import {
  BundledModelError,
  type InstalledModel,
  type InstallProgress,
  type InstallSource,
  ModelRegistry,
} from '../embedding/model-registry.ts';

export interface ModelServiceDeps {
  /** The engine's `models` is the registry served: installs land where the engine finds them. */
  engine: Pick<Engine, 'activeModelId' | 'dropModelData' | 'config'>;
  emit(event: ModelInstallEvent): void;
  /** An absolute, normalised path from what the person typed. */
  absolute(p: string): string;
}

/**
 * The models part of the API: what is installed and offered, installs with progress events, and
 * removal (the library's data for the model first, then its files).
 */
export class ModelService {
  /** None when the engine was opened without a models folder (tests): the models calls are refused. */
  private readonly registry: ModelRegistry | undefined;
  private readonly deps: ModelServiceDeps;
  private readonly closing = new AbortController();
  /** Installs under way, by the request their events name, so that one can be cancelled. */
  private readonly cancels = new Map<string, AbortController>();

  constructor(deps: ModelServiceDeps) {
    this.deps = deps;
    const configured = deps.engine.config.models;
    this.registry = configured instanceof ModelRegistry ? configured : undefined;
    // What an install killed long ago left behind; a failure here costs only disk space.
    void this.registry?.cleanUp().catch(() => undefined);
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
      model = await this.installed().install(this.installSource(request), {
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
    const { removed, freed } = await removeModelAndData(this.deps.engine, this.installed(), id);
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

  private installed(): ModelRegistry {
    if (!this.registry) throw new ApiError('unavailable', 'This engine was opened without a models folder.');
    return this.registry;
  }

  private describe(): ModelInfo[] {
    const registry = this.installed();
    return describeModels({
      installed: registry.list(),
      catalog: registry.catalog,
      // The recorded choice: the list is what a person reaches for when that model is missing here.
      activeId: this.deps.engine.activeModelId(),
    });
  }
}

/**
 * Removes a model: the library's data for it first (refused with ModelChoiceError for the model
 * answering searches or being switched to), then its files. The bundled model is refused
 * (BundledModelError) before anything is dropped.
 */
export async function removeModelAndData(
  engine: Pick<Engine, 'dropModelData'>,
  registry: ModelRegistry,
  id: string,
): Promise<{ removed: boolean; freed: DroppedModelData }> {
  if (registry.get(id)?.origin === 'bundled') {
    throw new BundledModelError(`The bundled model "${id}" is part of the app and cannot be removed.`);
  }
  const freed = await engine.dropModelData(id);
  return { removed: await registry.remove(id), freed };
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
