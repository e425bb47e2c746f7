import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { SKIPPED_DIR_NAMES } from './folder-scanner.ts';
import { JobControl } from './job-control.ts';
import type { IndexProgress, IndexSummary } from './library-indexer.ts';

/** What the watcher needs from the engine (kept narrow so it can be tested on its own). */
export interface WatchedLibrary {
  libraryFolders(): string[];
  updateFiles(
    paths: readonly string[],
    onProgress?: (p: IndexProgress) => void,
    control?: JobControl,
  ): Promise<IndexSummary>;
  refreshLibrary(onProgress?: (p: IndexProgress) => void, control?: JobControl): Promise<IndexSummary>;
  removeUnder(folder: string): number;
  maintainIndex(): Promise<void>;
  isExcluded(p: string): boolean;
}

export type WatchEvent =
  | { type: 'ready'; folders: string[] }
  | { type: 'reconciled'; summary: IndexSummary }
  | { type: 'updated'; summary: IndexSummary; paths: number }
  | { type: 'progress'; progress: IndexProgress }
  | { type: 'folder-unavailable'; folder: string }
  | { type: 'folder-available'; folder: string }
  | { type: 'error'; message: string };

export interface FolderWatcherOptions {
  /** How long a file must stay the same size before it is read (camera imports, sync tools). */
  stableMs?: number;
  /** Changes arriving within this window are handled together. */
  batchMs?: number;
  /** How often library folders that went away (unplugged drives) are looked for. */
  availabilityPollMs?: number;
  /** The app's own data folder, never indexed even if it lies inside a library folder. */
  excludeDirs?: string[];
  /**
   * Check the whole library against the disk after start (default). A host that runs that check
   * itself, where people can see and stop it (`lookalike serve`), turns it off.
   */
  reconcileOnStart?: boolean;
}

/**
 * Keeps the library true to the disk: reconciles once at start (only changed files are read),
 * then follows every library folder with chokidar, batching events into incremental updates.
 * Runs one update at a time; events that arrive meanwhile join the next batch.
 */
export class FolderWatcher {
  private readonly library: WatchedLibrary;
  private readonly options: Required<FolderWatcherOptions>;
  private readonly emit: (e: WatchEvent) => void;
  private watcher?: FSWatcher;
  private readonly pendingFiles = new Set<string>();
  private readonly pendingDirsGone = new Set<string>();
  private readonly unavailable = new Set<string>();
  private timer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private running?: Promise<void>;
  private closed = false;
  /** Pause/resume/cancel for everything this watcher runs. */
  private readonly control = new JobControl();
  /** The start-up check, paused while fresh changes are handled. */
  private readonly backfillControl = new JobControl(this.control);
  private backfill?: Promise<void>;
  /** The library folders being watched (they change as folders are added and removed). */
  private roots: string[] = [];
  /** Whether a path is kept out of the library (hidden, the app's own data, the person's exclusions). */
  private isIgnored: (p: string) => boolean = () => false;
  private readonly rechecks = new Set<NodeJS.Timeout>();

  constructor(library: WatchedLibrary, emit: (e: WatchEvent) => void, options: FolderWatcherOptions = {}) {
    this.library = library;
    this.emit = emit;
    this.options = {
      stableMs: 400,
      batchMs: 150,
      availabilityPollMs: 5000,
      excludeDirs: [],
      reconcileOnStart: true,
      ...options,
    };
  }

  /**
   * Starts watching at once, then checks the whole library against the disk in the background
   * (only new or changed files are read). New files that arrive meanwhile go first: the back-fill
   * pauses while they are indexed.
   */
  async start(): Promise<void> {
    const folders = this.library.libraryFolders();
    this.roots = [...folders];
    const excluded = this.options.excludeDirs.map((d) => path.resolve(d));
    this.isIgnored = (p) => {
      const name = path.basename(p);
      if (this.roots.includes(p)) return false;
      return (
        name.startsWith('.') ||
        SKIPPED_DIR_NAMES.has(name) ||
        excluded.some((d) => p === d || p.startsWith(d + path.sep)) ||
        this.library.isExcluded(p)
      );
    };
    this.watcher = watch(folders, {
      ignoreInitial: true,
      followSymlinks: true,
      ignorePermissionErrors: true,
      awaitWriteFinish: { stabilityThreshold: this.options.stableMs, pollInterval: 100 },
      ignored: (p: string) => this.isIgnored(p),
    });
    this.watcher.on('add', (p) => this.queueFile(p));
    this.watcher.on('change', (p) => this.queueFile(p));
    this.watcher.on('unlink', (p) => this.queueFile(p));
    this.watcher.on('addDir', (p) => {
      if (!this.roots.includes(p)) this.queueDirAdded(p);
    });
    this.watcher.on('unlinkDir', (p) => this.queueDirGone(p));
    this.watcher.on('error', (err) => this.emit({ type: 'error', message: (err as Error).message }));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    this.poller = setInterval(() => this.checkAvailability(), this.options.availabilityPollMs);
    this.poller.unref();
    this.emit({ type: 'ready', folders });
    if (!this.options.reconcileOnStart) return;
    const progress = (p: IndexProgress): void => this.emit({ type: 'progress', progress: p });
    this.backfill = this.library
      .refreshLibrary(progress, this.backfillControl)
      .then((summary) => this.emit({ type: 'reconciled', summary }))
      .catch((err: Error) => this.emit({ type: 'error', message: err.message }))
      .finally(() => (this.backfill = undefined));
  }

  /** Pauses all indexing (the current batch finishes); searches keep working. */
  pause(): void {
    this.control.pause();
  }

  resume(): void {
    this.control.resume();
  }

  /**
   * Follows the library's folders as they are now: starts watching added ones and stops watching
   * removed ones (indexing an added folder is its host's job).
   */
  syncFolders(): void {
    if (!this.watcher || this.closed) return;
    const folders = this.library.libraryFolders();
    const added = folders.filter((f) => !this.roots.includes(f));
    const removed = this.roots.filter((f) => !folders.includes(f));
    this.roots = [...folders];
    for (const f of removed) this.unavailable.delete(f);
    if (removed.length > 0) this.watcher.unwatch(removed);
    if (added.length > 0) this.watcher.add(added);
  }

  /** Stops watching; waits for the update in progress (so nothing is left half-done). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.rechecks) clearTimeout(t);
    if (this.poller) clearInterval(this.poller);
    this.control.cancel();
    await this.watcher?.close();
    await this.running;
    await this.backfill;
  }

  private queueFile(p: string): void {
    this.pendingFiles.add(p);
    this.schedule();
  }

  /** A folder moved or copied in: its files arrive as events too, but a scan is quicker and surer. */
  private queueDirAdded(dir: string): void {
    this.pendingFiles.add(dir);
    this.schedule();
  }

  private queueDirGone(dir: string): void {
    if (this.library.libraryFolders().includes(dir)) {
      // A whole library folder went away (an unplugged drive): keep what we know until it returns.
      this.markUnavailable(dir);
      return;
    }
    this.pendingDirsGone.add(dir);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.options.batchMs);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = (async () => {
      this.backfillControl.pause();
      while (!this.closed && (this.pendingFiles.size > 0 || this.pendingDirsGone.size > 0)) {
        const dirsGone = [...this.pendingDirsGone];
        this.pendingDirsGone.clear();
        const paths = [...this.pendingFiles];
        this.pendingFiles.clear();
        try {
          let removed = 0;
          for (const dir of dirsGone) if (!existsSync(dir)) removed += this.library.removeUnder(dir);
          if (removed > 0) {
            const summary = {
              folders: [],
              indexed: 0,
              unchanged: 0,
              removed,
              skipped: [],
              seconds: 0,
              imagesPerSecond: 0,
            };
            this.emit({ type: 'updated', summary, paths: dirsGone.length });
          }
          const dirs = paths.filter((p) => isExistingDir(p));
          const files = paths.filter((p) => !dirs.includes(p));
          const progress = (p: IndexProgress): void => this.emit({ type: 'progress', progress: p });
          if (files.length > 0) {
            const summary = await this.library.updateFiles(files, progress, this.control);
            this.emit({ type: 'updated', summary, paths: files.length });
          }
          const found = dirs.flatMap((d) => filesUnder(d).filter((p) => !this.isIgnoredBelow(p, d)));
          if (dirs.length > 0 && found.some((f) => this.isStillChanging(f))) {
            // A folder still being written into (a camera import, a copy in progress) is read once
            // its files have stopped changing, as single files are: never half-written.
            this.recheckLater(dirs, this.options.stableMs);
          } else if (dirs.length > 0) {
            // indexFolders would add the subfolder as a library folder; refresh the library instead,
            // which reads only what changed.
            const summary = await this.library.refreshLibrary(progress, this.control);
            this.emit({ type: 'updated', summary, paths: dirs.length });
            this.recheckLater(found);
          }
        } catch (err) {
          this.emit({ type: 'error', message: (err as Error).message });
        }
      }
      this.backfillControl.resume();
      await this.library
        .maintainIndex()
        .catch((err: Error) => this.emit({ type: 'error', message: err.message }));
    })();
    await this.running;
    this.running = undefined;
    // Changes that arrived while the last update was finishing (its index upkeep) were queued
    // after the loop looked; their timer found an update running and left them to it.
    if (this.pendingFiles.size > 0 || this.pendingDirsGone.size > 0) this.schedule();
  }

  /** Whether `p` or a folder between `dir` and it is ignored (a hidden folder, an exclusion). */
  private isIgnoredBelow(p: string, dir: string): boolean {
    for (let cur = p; cur.length > dir.length; cur = path.dirname(cur)) {
      if (this.isIgnored(cur)) return true;
    }
    return this.isIgnored(dir);
  }

  /**
   * A folder that arrives is read at once, before its files' own events are due (each waits until
   * the file stops changing). A file deleted within that wait gets no event at all (the watcher
   * drops both), so the files read this way are looked at again once their events would be due.
   */
  private recheckLater(paths: string[], afterMs = 2 * this.options.stableMs + this.options.batchMs): void {
    if (paths.length === 0 || this.closed) return;
    const timer = setTimeout(() => {
      this.rechecks.delete(timer);
      for (const p of paths) this.pendingFiles.add(p);
      this.schedule();
    }, afterMs);
    timer.unref();
    this.rechecks.add(timer);
  }

  /** Whether a file changed within the stability window (it may still be being written). */
  private isStillChanging(file: string): boolean {
    const s = statSync(file, { throwIfNoEntry: false });
    return s !== undefined && Date.now() - s.mtimeMs < this.options.stableMs;
  }

  private markUnavailable(folder: string): void {
    if (this.unavailable.has(folder)) return;
    this.unavailable.add(folder);
    this.emit({ type: 'folder-unavailable', folder });
  }

  private checkAvailability(): void {
    for (const folder of this.library.libraryFolders()) {
      const present = isExistingDir(folder);
      if (!present) this.markUnavailable(folder);
      else if (this.unavailable.has(folder)) {
        this.unavailable.delete(folder);
        this.emit({ type: 'folder-available', folder });
        this.watcher?.add(folder);
        this.pendingFiles.add(folder);
        this.schedule();
      }
    }
  }
}

/** Every file below a folder, or none when it cannot be read (it went away again). */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

function isExistingDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
