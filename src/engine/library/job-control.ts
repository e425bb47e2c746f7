/**
 * Pause, resume and cancel for a long-running job. The job polls `checkpoint()` between items:
 * it waits there while paused and learns there that it was cancelled.
 */
export class JobControl {
  private pausedWaiters: Array<() => void> = [];
  private paused = false;
  private cancelled = false;
  /** A job made of parts (a watcher's updates) pauses and stops with its parent too. */
  private readonly parent?: JobControl;

  constructor(parent?: JobControl) {
    this.parent = parent;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const waiters = this.pausedWaiters;
    this.pausedWaiters = [];
    for (const w of waiters) w();
  }

  cancel(): void {
    this.cancelled = true;
    this.resume();
  }

  /** Resolves to false when the job should stop; waits while paused. */
  async checkpoint(): Promise<boolean> {
    while (this.paused && !this.cancelled) {
      await new Promise<void>((resolve) => this.pausedWaiters.push(resolve));
    }
    if (this.parent && !(await this.parent.checkpoint())) return false;
    return !this.cancelled;
  }
}
