import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { appDataDir } from '../library/library-location.ts';
import { type CatalogEntry, catalogForEnvironment, type DownloadCatalogEntry } from './model-catalog.ts';
import { DownloadError, downloadFile, type DownloadProgress } from './model-download.ts';
import {
  INSTALL_TEMP_PREFIX,
  installModelFile,
  type InstallPhase,
  MANIFEST_FILE_NAME,
  ModelInstallError,
} from './model-install.ts';
import { sha256OfFile } from './file-hash.ts';
import {
  type LoadedManifest,
  type ModelDescription,
  type ModelOrigin,
  readModelManifest,
} from './model-manifest.ts';

export interface InstalledModel extends LoadedManifest {
  /** Size of the ONNX file. */
  bytes: number;
  origin: ModelOrigin;
  /** ms since the epoch; 0 for the bundled model. */
  installedAt: number;
}

/** What to install: a person's file (ONNX with a description, or TFLite), or a catalog model. */
export type InstallSource =
  | { file: string; description?: Partial<ModelDescription> }
  /** `file`: the catalog model's file the person already has (for "add from a file" entries, or offline). */
  | { catalogId: string; file?: string };

export type InstallProgress =
  ({ phase: 'downloading' } & DownloadProgress) | { phase: InstallPhase | 'done'; id?: string };

export interface InstallOptions {
  onProgress?: (p: InstallProgress) => void;
  signal?: AbortSignal;
}

/** An installed model's folder that cannot be used (damaged or hand-edited manifest). */
export interface BrokenInstall {
  folder: string;
  message: string;
}

export interface ModelRegistryOptions {
  dir: string;
  bundled: LoadedManifest;
  /** Download settings (tests point them at a loopback server and proxy). */
  download?: { env?: NodeJS.ProcessEnv; timeoutMs?: number };
  /** The known models (default: the app's catalog, from LOOKALIKE_MODEL_MIRROR when set). */
  catalog?: readonly CatalogEntry[];
  now?: () => number;
}

/** The models folder: LOOKALIKE_MODELS_DIR, else `models` in the app's data folder. */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOOKALIKE_MODELS_DIR || path.join(appDataDir(env), 'models');
}

/** The bundled model is part of the app: it cannot be removed or replaced. */
export class BundledModelError extends Error {
  override name = 'BundledModelError';
}

const DOWNLOADS_FOLDER = '.downloads';
const REMOVING_PREFIX = '.removing-';

/**
 * The models on this computer: the bundled one (always) and those installed under
 * `<dir>/<id>/` (model.onnx + manifest.json). Installs are atomic (see model-install.ts), so a
 * folder with a valid manifest is a complete model; folders starting with "." are work in progress.
 */
export class ModelRegistry {
  readonly dir: string;
  private readonly bundled: InstalledModel;
  private readonly options: ModelRegistryOptions;
  private readonly inFlight = new Map<string, Promise<InstalledModel>>();
  private broken: BrokenInstall[] = [];
  readonly catalog: readonly CatalogEntry[];

  constructor(opts: ModelRegistryOptions) {
    this.options = opts;
    this.catalog = opts.catalog ?? catalogForEnvironment();
    this.dir = path.resolve(opts.dir);
    this.bundled = {
      ...opts.bundled,
      bytes: opts.bundled.manifest.bytes ?? fileSize(opts.bundled.modelPath),
      origin: 'bundled',
      installedAt: 0,
    };
  }

  /** The bundled model first, then installed ones by id. */
  list(): InstalledModel[] {
    const installed: InstalledModel[] = [];
    const broken: BrokenInstall[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // No models folder yet: only the bundled model.
    }
    for (const name of names.sort()) {
      if (name.startsWith('.') || name === this.bundled.manifest.id) continue;
      const found = this.readInstalled(name);
      if (found && 'message' in found) broken.push(found);
      else if (found) installed.push(found);
    }
    this.broken = broken;
    return [this.bundled, ...installed];
  }

  /** Reads only that model's folder: cheap enough for every lookup, and sees installs by other processes. */
  get(id: string): InstalledModel | undefined {
    if (id === this.bundled.manifest.id) return this.bundled;
    if (id.startsWith('.') || path.basename(id) !== id) return undefined;
    const found = this.readInstalled(id);
    return found && !('message' in found) ? found : undefined;
  }

  private readInstalled(name: string): InstalledModel | BrokenInstall | undefined {
    const folder = path.join(this.dir, name);
    const manifestPath = path.join(folder, MANIFEST_FILE_NAME);
    if (!existsSync(manifestPath)) return undefined;
    try {
      const loaded = readModelManifest(manifestPath);
      if (loaded.manifest.id !== name) throw new Error(`its manifest says id "${loaded.manifest.id}"`);
      return {
        ...loaded,
        bytes: loaded.manifest.bytes ?? fileSize(loaded.modelPath),
        origin: loaded.manifest.origin ?? 'file',
        installedAt: loaded.manifest.installedAt ?? statSync(manifestPath).mtimeMs,
      };
    } catch (err) {
      return { folder, message: (err as Error).message };
    }
  }

  /** Folders in the models folder that looked like models but could not be read (from the last list()). */
  brokenInstalls(): BrokenInstall[] {
    return this.broken;
  }

  /**
   * Installs a model from a file or the catalog (downloading it when needed) and returns it.
   * Refusals are ModelInstallErrors with a reason; the models folder is left as it was.
   */
  install(source: InstallSource, opts: InstallOptions = {}): Promise<InstalledModel> {
    const key = 'catalogId' in source ? `catalog:${source.catalogId}` : `file:${path.resolve(source.file)}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const job = this.runInstall(source, opts).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, job);
    return job;
  }

  /** Deletes an installed model's files. The bundled model cannot be removed. */
  async remove(id: string): Promise<boolean> {
    if (id === this.bundled.manifest.id) {
      throw new BundledModelError(`The bundled model "${id}" is part of the app and cannot be removed.`);
    }
    if (!this.get(id)) return false;
    // Renamed away first so that a half-deleted folder never looks like a model.
    const trash = path.join(this.dir, `${REMOVING_PREFIX}${id}-${process.pid}-${Date.now()}`);
    await rename(path.join(this.dir, id), trash);
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  /**
   * Removes what killed installs and removals left behind (not partial downloads: they resume).
   * Only leftovers untouched for `olderThanMs` go: another process may be installing right now.
   */
  async cleanUp(olderThanMs = 60 * 60 * 1000): Promise<void> {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    const now = (this.options.now ?? Date.now)();
    for (const name of names) {
      if (!name.startsWith(INSTALL_TEMP_PREFIX) && !name.startsWith(REMOVING_PREFIX)) continue;
      const folder = path.join(this.dir, name);
      const age = now - (statSync(folder, { throwIfNoEntry: false })?.mtimeMs ?? now);
      if (age >= olderThanMs) await rm(folder, { recursive: true, force: true });
    }
  }

  /** The catalog model a file is, recognised by its hash. */
  private catalogEntryForFile(sha256: string): DownloadCatalogEntry | undefined {
    return this.catalog.find(
      (e): e is DownloadCatalogEntry => e.kind === 'download' && e.download.sha256 === sha256,
    );
  }

  private async runInstall(source: InstallSource, opts: InstallOptions): Promise<InstalledModel> {
    const report = opts.onProgress ?? (() => undefined);
    const onPhase = (phase: InstallPhase): void => report({ phase });
    let loaded: LoadedManifest;
    if ('catalogId' in source) {
      loaded = await this.installFromCatalog(source.catalogId, source.file, opts);
    } else {
      // A file that is a catalog model (recognised by its hash) is installed as that model.
      const known = source.description?.input
        ? undefined
        : this.catalogEntryForFile(await sha256OfFile(source.file).catch(() => ''));
      loaded = await installModelFile({
        dir: this.dir,
        sourcePath: source.file,
        description: known ? catalogDescription(known) : source.description,
        ...(known?.convert ? { convert: known.convert } : {}),
        origin: known ? 'catalog' : 'file',
        existing: (id) => this.get(id),
        onPhase,
        ...(this.options.now ? { now: this.options.now } : {}),
      });
    }
    const model = this.get(loaded.manifest.id);
    if (!model) throw new Error(`the model ${loaded.manifest.id} was installed but cannot be read back`);
    report({ phase: 'done', id: model.manifest.id });
    return model;
  }

  private async installFromCatalog(
    catalogId: string,
    file: string | undefined,
    opts: InstallOptions,
  ): Promise<LoadedManifest> {
    const entry = this.catalog.find((e) => e.id === catalogId);
    if (!entry) {
      throw new ModelInstallError('needs-manifest', `There is no model "${catalogId}" in the catalog.`);
    }
    if (entry.kind === 'bundled') return this.bundled;
    const onPhase = (phase: InstallPhase): void => opts.onProgress?.({ phase });
    const common = {
      dir: this.dir,
      description: catalogDescription(entry),
      ...(entry.kind === 'download' && entry.convert ? { convert: entry.convert } : {}),
      origin: 'catalog' as const,
      existing: (id: string) => this.get(id),
      onPhase,
      ...(this.options.now ? { now: this.options.now } : {}),
    };
    if (file) return installModelFile({ ...common, sourcePath: file });
    if (entry.kind === 'file') {
      throw new ModelInstallError(
        'needs-manifest',
        `${entry.name} is not downloaded by Lookalike: export or obtain the ONNX file as ${entry.docs} ` +
          `explains, then add it from that file.`,
      );
    }
    const existing = this.get(entry.id);
    if (existing) return existing;
    const downloads = path.join(this.dir, DOWNLOADS_FOLDER);
    const downloaded = path.join(downloads, `${entry.id}.${entry.download.format}`);
    await downloadFile({
      url: entry.download.url,
      dest: downloaded,
      sha256: entry.download.sha256,
      bytes: entry.download.bytes,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(this.options.download?.env ? { env: this.options.download.env } : {}),
      ...(this.options.download?.timeoutMs ? { timeoutMs: this.options.download.timeoutMs } : {}),
      onProgress: (p) => opts.onProgress?.({ phase: 'downloading', ...p }),
    }).catch((err: unknown) => {
      if (!(err instanceof DownloadError) || (err.reason !== 'network' && err.reason !== 'http')) throw err;
      throw new DownloadError(
        err.reason,
        `${err.message} Check the connection (and HTTPS_PROXY behind a proxy), or download ${entry.download.url} ` +
          'on another computer and add that file: it is recognised by its hash.',
        { cause: err },
      );
    });
    try {
      return await installModelFile({ ...common, sourcePath: downloaded });
    } finally {
      await rm(downloaded, { force: true });
    }
  }
}

/** A catalog entry as the installer's description: its tensors (file entries) and its words. */
function catalogDescription(entry: Exclude<CatalogEntry, { kind: 'bundled' }>): Partial<ModelDescription> {
  const words = {
    id: entry.id,
    name: entry.name,
    license: entry.license,
    source: entry.source,
    notes: entry.notes,
  };
  return entry.kind === 'file'
    ? { ...entry.manifest, ...words }
    : { ...words, sha256: entry.download.sha256, bytes: entry.download.bytes };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
