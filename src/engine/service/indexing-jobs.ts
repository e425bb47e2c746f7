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

  constructor(deps: IndexingJobsDeps, options: { throttleMs?: number } = {}) {
    this.deps = deps;
    this.throttleMs = options.throttleMs ?? 200;
  }

  get current(): IndexingState {
    return this.state;
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
    if (this.trailing) clearTimeout(this.trailing);
    if (!this.running) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = await Promise.race([
      this.running.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    return stopped;
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
          run.removed = (await this.deps.removeFolder(job.folder)).removed;
        }
      } catch (err) {
        run.error = err instanceof Error ? err.message : String(err);
        this.deps.log(`${job.kind === 'index' ? 'Indexing' : 'Removing'} ${folders.join(', ')} failed`, err);
      } finally {
        this.control = undefined;
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
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = undefined;
    }
    const wait = this.lastEmit + this.throttleMs - performance.now();
    if (force || wait <= 0) {
      this.lastEmit = performance.now();
      this.deps.onState(state);
    } else {
      this.trailing = setTimeout(() => this.publish(this.state, true), wait);
    }
  }
}
