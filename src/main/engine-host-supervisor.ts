import type { ApiMethodName } from '../shared/api-contract.ts';
import { ApiError } from '../shared/api-errors.ts';
import type { EngineConnection } from '../shared/desktop-ipc.ts';
import type { HostEvent, HostImage } from '../shared/engine-host-protocol.ts';
import { EngineHostClient, type HostProcess } from './engine-host-client.ts';

export interface RestartPolicy {
  /** Wait before the first restart; doubled for each crash in a row, up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A host that ran at least this long before it died is not counted as failing fast. */
  stableAfterMs: number;
  /** Gives up after this many fast failures in a row. */
  maxFastFailures: number;
}

export const defaultRestartPolicy: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 8000,
  stableAfterMs: 30_000,
  maxFastFailures: 5,
};

export interface SupervisorOptions {
  /** Starts a new engine utility process. */
  fork: () => HostProcess;
  policy?: Partial<RestartPolicy>;
  log?: (message: string) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/**
 * Keeps the engine utility process running for the main process: when it dies unexpectedly its
 * waiting requests fail as 'unavailable' (nothing hangs), requests meanwhile are answered at once
 * with the same, and a new one is started after a growing pause. A host that keeps dying soon
 * after starting is given up on with a message for the window (a broken installation or library
 * would otherwise restart forever). Presents the same surface as EngineHostClient.
 */
export class EngineHostSupervisor {
  private readonly options: SupervisorOptions;
  private readonly policy: RestartPolicy;
  private readonly log: (message: string) => void;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private readonly eventListeners = new Set<(event: HostEvent) => void>();
  private readonly stateListeners = new Set<(state: EngineConnection) => void>();
  private client: EngineHostClient | undefined;
  private startedAt = 0;
  private fastFailures = 0;
  private restartTimer: unknown;
  private closing = false;
  private current: EngineConnection = { state: 'connecting' };

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.policy = { ...defaultRestartPolicy, ...options.policy };
    this.log = options.log ?? ((m) => console.error(`lookalike: ${m}`));
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  /** Starts the first engine host. */
  start(): void {
    this.spawn();
  }

  get state(): EngineConnection {
    return this.current;
  }

  get alive(): boolean {
    return this.client?.alive === true;
  }

  onStateChange(listener: (state: EngineConnection) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  call(method: ApiMethodName, payload: unknown): Promise<unknown> {
    return this.withClient((c) => c.call(method, payload));
  }

  image(query: string): Promise<HostImage> {
    return this.withClient((c) => c.image(query));
  }

  isInsideLibrary(path: string): Promise<boolean> {
    return this.withClient((c) => c.isInsideLibrary(path));
  }

  /** Asks the host to finish and close the library; no restart follows. */
  async close(): Promise<unknown> {
    this.closing = true;
    if (this.restartTimer !== undefined) this.clearTimer(this.restartTimer);
    this.restartTimer = undefined;
    const client = this.client;
    return client?.alive ? client.close() : undefined;
  }

  /** After giving up: tries again from scratch (the person asked to). */
  retry(): void {
    if (this.closing || this.current.state !== 'failed') return;
    this.fastFailures = 0;
    this.spawn();
  }

  private withClient<T>(fn: (client: EngineHostClient) => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client?.alive) return Promise.reject(this.unavailable());
    return fn(client);
  }

  private unavailable(): ApiError {
    switch (this.current.state) {
      case 'failed':
        return new ApiError('unavailable', this.current.message);
      case 'restarting':
        return new ApiError('unavailable', 'The Lookalike engine is restarting; try again in a moment');
      default:
        return new ApiError('unavailable', 'The Lookalike engine is not running');
    }
  }

  private spawn(): void {
    this.restartTimer = undefined;
    this.startedAt = this.now();
    let child: HostProcess;
    try {
      child = this.options.fork();
    } catch (err) {
      this.log(`could not start the engine: ${(err as Error).message}`);
      this.onExit(null);
      return;
    }
    const client = new EngineHostClient(child, this.log);
    this.client = client;
    client.onEvent((event) => {
      for (const listener of this.eventListeners) listener(event);
    });
    child.on('exit', (code) => {
      if (this.client === client) this.onExit(code);
    });
    this.setState({ state: 'open' });
  }

  private onExit(code: number | null): void {
    if (this.closing) {
      this.setState({ state: 'closed' });
      return;
    }
    const ranFor = this.now() - this.startedAt;
    this.fastFailures = ranFor >= this.policy.stableAfterMs ? 1 : this.fastFailures + 1;
    const how = code === null ? 'could not be started' : `stopped unexpectedly (exit code ${code})`;
    if (this.fastFailures >= this.policy.maxFastFailures) {
      const message =
        `The Lookalike engine ${how}, ${this.fastFailures} times in a row soon after starting, so it ` +
        'is not being restarted again. Your library is safe; quit and reopen Lookalike to try again.';
      this.log(message);
      this.setState({ state: 'failed', message });
      return;
    }
    const delayMs = Math.min(
      this.policy.maxDelayMs,
      this.policy.initialDelayMs * 2 ** (this.fastFailures - 1),
    );
    this.log(`the engine ${how}; restarting it in ${delayMs} ms`);
    this.setState({ state: 'restarting', attempt: this.fastFailures, delayMs });
    this.restartTimer = this.setTimer(() => this.spawn(), delayMs);
  }

  private setState(state: EngineConnection): void {
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
