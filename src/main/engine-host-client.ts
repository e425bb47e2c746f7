import type { ApiMethodName } from '../shared/api-contract.ts';
import { ApiError, apiErrorFromBody } from '../shared/api-errors.ts';
import {
  type HostEvent,
  type HostImage,
  hostMessageSchema,
  type HostRequest,
} from '../shared/engine-host-protocol.ts';

/** The parts of Electron's UtilityProcess the client uses (injected, so tests need no Electron). */
export interface HostProcess {
  postMessage(message: HostRequest): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * How long a request may wait for its answer. Far beyond any search or picture (a stuck engine
 * is the only way to reach it); indexing runs in the background and answers at once.
 */
export const REQUEST_TIMEOUT_MS = 120_000;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The main process's side of the engine utility process: numbered requests with their replies,
 * and the host's events. When the host exits, every waiting request fails as 'unavailable'; one
 * that gets no answer in time fails the same way (a late answer is dropped).
 */
export class EngineHostClient {
  private readonly process: HostProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: HostEvent) => void>();
  private nextId = 1;
  private exited = false;
  private readonly log: (message: string) => void;
  private readonly timeoutMs: number;

  constructor(
    process: HostProcess,
    log: (message: string) => void = (m) => console.error(`lookalike: ${m}`),
    timeoutMs: number = REQUEST_TIMEOUT_MS,
  ) {
    this.process = process;
    this.log = log;
    this.timeoutMs = timeoutMs;
    process.on('message', (message) => this.receive(message));
    process.on('exit', (code) => {
      this.exited = true;
      const error = new ApiError(
        'unavailable',
        `The Lookalike engine stopped unexpectedly (exit code ${code}) before it answered; please try again`,
      );
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(error);
      }
      this.pending.clear();
    });
  }

  call(method: ApiMethodName, payload: unknown): Promise<unknown> {
    return this.request({ type: 'call', method, payload });
  }

  image(query: string): Promise<HostImage> {
    return this.request({ type: 'image', query }) as Promise<HostImage>;
  }

  isInsideLibrary(path: string): Promise<boolean> {
    return this.request({ type: 'inside', path }).then((r) => r === true);
  }

  /** Has no time limit: the caller bounds how long it waits for the library to close. */
  close(): Promise<unknown> {
    return this.request({ type: 'close' }, false);
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  get alive(): boolean {
    return !this.exited;
  }

  private request(body: DistributiveOmit<HostRequest, 'id'>, timed = true): Promise<unknown> {
    if (this.exited)
      return Promise.reject(new ApiError('unavailable', 'The Lookalike engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = timed
        ? setTimeout(() => {
            this.pending.delete(id);
            this.log(`the engine did not answer a ${body.type} request in time`);
            reject(
              new ApiError(
                'unavailable',
                `The Lookalike engine did not answer within ${Math.round(this.timeoutMs / 1000)} s; please try again`,
              ),
            );
          }, this.timeoutMs)
        : undefined;
      this.pending.set(id, { resolve, reject, timer });
      this.process.postMessage({ ...body, id } as HostRequest);
    });
  }

  private receive(raw: unknown): void {
    const parsed = hostMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log('ignored a malformed message from the engine host');
      return;
    }
    const message = parsed.data;
    if (message.type === 'event') {
      for (const listener of this.eventListeners) listener(message);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(apiErrorFromBody({ error: message.error }, 'The engine failed'));
  }
}
