import { idleIndexingState, type IndexingRun, type IndexingState } from '../../shared/indexing-state.ts';
import { JobControl } from '../library/job-control.ts';
import type { IndexProgress, IndexSummary } from '../library/library-indexer.ts';

export type IndexingJob = { kind: 'index'; folders: string[] } | { kind: 'remove'; folder: string };

export interface IndexingJobsDeps {
  indexFolders(
    folders: readonly string[],
    onProgress: (p: IndexProgress) => void,
    control: JobControl,
  ): Promise<IndexSummary>;
  removeFolder(folder: string): Promise<{ removed: number }>;
  /** Every state change; progress within a phase at most every `throttleMs`. */
  onState(state: IndexingState): void;
  onFinished(job: IndexingJob, run: IndexingRun): void;
  log(message: string, err?: unknown): void;
}

/**
 * The library's background work, one job at a time in arrival order: indexing folders and
 * removing them never overlap, so a folder is never removed under a running scan. The state is
 * what every window shows (progress bar, rate, ETA, current file).
 */
export class IndexingJobs {
  private readonly deps: IndexingJobsDeps;
  private readonly throttleMs: number;
  private readonly queue: IndexingJob[] = [];
  private state: IndexingState = idleIndexingState;
  private running: Promise<void> | undefined;
  private control: JobControl | undefined;
  private closed = false;
  private lastEmit = 0;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  /** A change from the folder watcher being applied now (see applyNow), and what it shows. */
  private live: Promise<unknown> | undefined;
  private liveControl: JobControl | undefined;
  private liveState: IndexingState | undefined;
  /** A folder removal in progress: watcher changes wait for it. */
  private removal: Promise<{ removed: number }> | undefined;

  constructor(deps: IndexingJobsDeps, options: { throttleMs?: number } = {}) {
    this.deps = deps;
    this.throttleMs = options.throttleMs ?? 200;
  }

  get current(): IndexingState {
    return this.liveState ?? this.state;
  }

  enqueue(job: IndexingJob): void {
    if (this.closed) return;
    const duplicate = this.queue.some(
      (q) =>
        q.kind === job.kind &&
        (q.kind === 'index' && job.kind === 'index'
          ? job.folders.every((f) => q.folders.includes(f))
          : q.kind === 'remove' && job.kind === 'remove' && q.folder === job.folder),
    );
    if (!duplicate) this.queue.push(job);
    this.publish({ ...this.state, queued: this.queue.length }, true);
    this.kick();
  }

  /** Drops waiting index jobs for a folder (it is being removed). */
  cancelQueued(folder: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!;
      if (job.kind !== 'index') continue;
      job.folders = job.folders.filter((f) => f !== folder);
      if (job.folders.length === 0) this.queue.splice(i, 1);
    }
  }

  /** Resolves once every queued job has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Stops the running job at its next checkpoint (what is done so far is kept; a rescan goes on
   * from there) and forgets the waiting ones.
   */
  stop(): void {
    this.queue.length = 0;
    this.control?.cancel();
    this.publish({ ...this.state, queued: 0 }, true);
  }

  /**
   * Takes no more jobs and stops the running one; resolves true once it has stopped, or false
   * when it is still running after `waitMs` (its host should then exit without closing the
   * engine under it: every committed step is durable).
   */
  async close(waitMs = 15_000): Promise<boolean> {
    this.closed = true;
    this.stop();
    this.liveControl?.cancel();
    if (this.trailing) clearTimeout(this.trailing);
    if (!this.running && !this.live) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = await Promise.race([
      Promise.all([this.running, this.live?.catch(() => undefined)]).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    return stopped;
  }

  /**
   * Applies a change the folder watcher saw (photos added, changed or removed), at once rather
   * than behind the queue: a running index job pauses at its next checkpoint meanwhile, so a
   * fresh photo never waits behind a long scan; a running removal is waited for. One at a time.
   * The state shows its progress while it runs; `parent` pauses and cancels it with the watcher.
   */
  async applyNow(
    folders: string[],
    work: (onProgress: (p: IndexProgress) => void, control: JobControl) => Promise<IndexSummary>,
    parent?: JobControl,
  ): Promise<IndexSummary> {
    while (this.live || this.removal) await Promise.all([this.live, this.removal]).catch(() => undefined);
    const control = new JobControl(parent);
    if (this.closed) control.cancel();
    const paused = this.control;
    paused?.pause();
    this.liveControl = control;
    const started = performance.now();
    const lastRun = (): IndexingRun | null => this.state.lastRun;
    const task = (async () => {
      try {
        return await work((p) => {
          const phaseChanged = p.phase !== this.liveState?.phase;
          this.liveState = {
            ...idleIndexingState,
            phase: p.phase,
            folders,
            done: p.done,
            total: p.total,
            skipped: p.skipped,
            imagesPerSecond: p.imagesPerSecond,
            etaSeconds: p.etaSeconds ?? null,
            currentPath: p.currentPath ?? null,
            queued: this.queue.length,
            lastRun: lastRun(),
          };
          this.emitShown(phaseChanged);
        }, control);
      } finally {
        this.liveControl = undefined;
        if (paused === this.control) paused?.resume();
      }
    })();
    this.live = task;
    let summary: IndexSummary | undefined;
    let error: string | null = null;
    try {
      summary = await task;
      return summary;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      this.deps.log(`Updating ${folders.join(', ')} after changes on disk failed`, err);
      throw err;
    } finally {
      this.live = undefined;
      const run: IndexingRun = {
        kind: 'index',
        folders,
        finishedAt: Date.now(),
        indexed: summary?.indexed ?? 0,
        unchanged: summary?.unchanged ?? 0,
        removed: summary?.removed ?? 0,
        skipped: summary?.skipped.length ?? 0,
        seconds: (performance.now() - started) / 1000,
        imagesPerSecond: summary?.imagesPerSecond ?? 0,
        stopped: summary?.cancelled === true,
        error,
      };
      this.liveState = undefined;
      // A change that touched nothing (a file that is not a photo) is not news.
      const news = error !== null || run.indexed + run.removed + run.skipped > 0;
      if (news) this.state = { ...this.state, lastRun: run };
      this.emitShown(true);
      if (news) this.deps.onFinished({ kind: 'index', folders }, run);
    }
  }

  private kick(): void {
    if (this.running || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job && !this.closed; job = this.queue.shift()) {
      const started = performance.now();
      const folders = job.kind === 'index' ? job.folders : [job.folder];
      this.publish(
        {
          ...idleIndexingState,
          phase: job.kind === 'index' ? 'scanning' : 'removing',
          folders,
          queued: this.queue.length,
          lastRun: this.state.lastRun,
        },
        true,
      );
      const run: IndexingRun = {
        kind: job.kind,
        folders,
        finishedAt: 0,
        indexed: 0,
        unchanged: 0,
        removed: 0,
        skipped: 0,
        seconds: 0,
        imagesPerSecond: 0,
        error: null,
        stopped: false,
      };
      try {
        if (job.kind === 'index') {
          this.control = new JobControl();
          const summary = await this.deps.indexFolders(job.folders, (p) => this.onProgress(p), this.control);
          Object.assign(run, {
            indexed: summary.indexed,
            unchanged: summary.unchanged,
            removed: summary.removed,
            skipped: summary.skipped.length,
            imagesPerSecond: summary.imagesPerSecond,
            stopped: summary.cancelled === true,
          });
        } else {
          // Never under a watcher's update of the same photos.
          while (this.live) await this.live.catch(() => undefined);
          this.removal = this.deps.removeFolder(job.folder);
          run.removed = (await this.removal).removed;
        }
      } catch (err) {
        run.error = err instanceof Error ? err.message : String(err);
        this.deps.log(`${job.kind === 'index' ? 'Indexing' : 'Removing'} ${folders.join(', ')} failed`, err);
      } finally {
        this.control = undefined;
        this.removal = undefined;
      }
      run.seconds = (performance.now() - started) / 1000;
      run.finishedAt = Date.now();
      this.publish({ ...idleIndexingState, queued: this.queue.length, lastRun: run }, true);
      this.deps.onFinished(job, run);
    }
  }

  private onProgress(p: IndexProgress): void {
    const phaseChanged = p.phase !== this.state.phase;
    this.publish(
      {
        ...this.state,
        phase: p.phase,
        done: p.done,
        total: p.total,
        skipped: p.skipped,
        imagesPerSecond: p.imagesPerSecond,
        etaSeconds: p.etaSeconds ?? null,
        currentPath: p.currentPath ?? null,
        queued: this.queue.length,
      },
      phaseChanged,
    );
  }

  /** Keeps the newest state; emits now when forced or when the last emit is old enough, else soon. */
  private publish(state: IndexingState, force: boolean): void {
    this.state = state;
    this.emitShown(force);
  }

  /** Emits what the windows should see: a watcher's update while one runs, else the queue's job. */
  private emitShown(force: boolean): void {
    const state = this.current;
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = undefined;
    }
    const wait = this.lastEmit + this.throttleMs - performance.now();
    if (force || wait <= 0) {
      this.lastEmit = performance.now();
      this.deps.onState(state);
    } else {
      this.trailing = setTimeout(() => this.emitShown(true), wait);
    }
  }
}
