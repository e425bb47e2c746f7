import { idleIndexingState, type IndexingRun, type IndexingState } from '../../shared/indexing-state.ts';
import type { IndexProgress, IndexSummary } from '../library/library-indexer.ts';

export type IndexingJob = { kind: 'index'; folders: string[] } | { kind: 'remove'; folder: string };

export interface IndexingJobsDeps {
  indexFolders(folders: readonly string[], onProgress: (p: IndexProgress) => void): Promise<IndexSummary>;
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

  /** Takes no more jobs, forgets waiting ones, and waits up to `waitMs` for the running one. */
  async close(waitMs = 2000): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    if (this.trailing) clearTimeout(this.trailing);
    if (this.running) {
      await Promise.race([this.running, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
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
      };
      try {
        if (job.kind === 'index') {
          const summary = await this.deps.indexFolders(job.folders, (p) => this.onProgress(p));
          Object.assign(run, {
            indexed: summary.indexed,
            unchanged: summary.unchanged,
            removed: summary.removed,
            skipped: summary.skipped.length,
            imagesPerSecond: summary.imagesPerSecond,
          });
        } else {
          run.removed = (await this.deps.removeFolder(job.folder)).removed;
        }
      } catch (err) {
        run.error = err instanceof Error ? err.message : String(err);
        this.deps.log(`${job.kind === 'index' ? 'Indexing' : 'Removing'} ${folders.join(', ')} stopped`, err);
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
