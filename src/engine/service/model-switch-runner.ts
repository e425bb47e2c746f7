import type { ModelSwitchEvent } from '../../shared/api-contract.ts';
import { type Engine, ModelChoiceError } from '../engine.ts';
import { JobControl } from '../library/job-control.ts';

export interface ModelSwitchRunnerDeps {
  engine: Pick<Engine, 'continueModelSwitch' | 'modelSwitch' | 'activeModelId'>;
  /** Every change of the switch's state; progress at most every `throttleMs`. */
  onState(event: ModelSwitchEvent): void;
  log(message: string, err?: unknown): void;
}

/**
 * A running app's side of switching models: re-embeds the library in the background whenever a
 * switch is due (at start, after `useModel`, after each indexing run, which may have added photos
 * the new model lacks), with progress as events, pause and resume, and a clean stop on close.
 */
export class ModelSwitchRunner {
  private readonly deps: ModelSwitchRunnerDeps;
  private readonly throttleMs: number;
  private control = new JobControl();
  private running: Promise<void> | undefined;
  /** Asked to run again while running (a new switch, or photos added meanwhile). */
  private again = false;
  /** Paused on request, and held while indexing runs. */
  private paused = false;
  private held = false;
  private closed = false;
  private lastEmit = 0;

  constructor(deps: ModelSwitchRunnerDeps, options: { throttleMs?: number } = {}) {
    this.deps = deps;
    this.throttleMs = options.throttleMs ?? 250;
  }

  /** The model answering searches and the switch under way, if any. */
  get current(): ModelSwitchEvent {
    return { active: this.deps.engine.activeModelId(), reembedding: this.deps.engine.modelSwitch() };
  }

  /** Runs the re-embed now if a switch is due (or when the running one ends). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** A different switch was chosen: the running re-embed (for another model) stops and starts over. */
  restart(): void {
    this.control.cancel();
    this.control = new JobControl();
    if (this.held || this.paused) this.control.pause();
    this.emit(true);
    this.kick();
  }

  /** Pauses the re-embed on a person's request (what is done is kept); searches are unaffected. */
  pause(): void {
    this.paused = true;
    this.applyPause();
  }

  resume(): void {
    this.paused = false;
    this.applyPause();
  }

  /**
   * Pauses the re-embed while the library's own indexing runs (a person waits for those photos;
   * the re-embed is bulk work), and resumes it after. Searches are never held.
   */
  holdWhile(busy: boolean): void {
    if (busy === this.held) return;
    this.held = busy;
    this.applyPause();
  }

  private applyPause(): void {
    const pause = this.paused || this.held;
    if (pause === this.control.isPaused) return;
    if (pause) this.control.pause();
    else this.control.resume();
    this.emit(true);
  }

  /** Resolves once no re-embed runs (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops the re-embed at its next checkpoint; what is embedded is kept for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.control.cancel();
    await this.running;
  }

  private async runOnce(): Promise<void> {
    if (!this.deps.engine.modelSwitch()) {
      // No switch: only fill in vectors the active model lacks (dropped ones), quietly.
      await this.deps.engine.continueModelSwitch(undefined, this.control).catch((err: unknown) => {
        // A model that is not installed is reported where it is used (status, search).
        if (!(err instanceof ModelChoiceError)) this.deps.log('Embedding photos the model lacks failed', err);
      });
      return;
    }
    this.emit(true);
    try {
      const summary = await this.deps.engine.continueModelSwitch(() => this.emit(false), this.control);
      if (summary.skipped.length > 0) {
        this.deps.log(`${summary.skipped.length} photos could not be read for ${summary.model}`);
      }
    } catch (err) {
      this.deps.log('Re-embedding the library for the new model failed', err);
    }
    this.emit(true);
  }

  private emit(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastEmit < this.throttleMs) return;
    this.lastEmit = now;
    try {
      this.deps.onState(this.current);
    } catch (err) {
      this.deps.log('A model switch listener failed', err);
    }
  }
}
