/** Counts free slots; `acquire` waits for one. Used to bound how much work is in flight. */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];
  constructor(slots: number) {
    this.free = slots;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}
