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
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The main process's side of the engine utility process: numbered requests with their replies,
 * and the host's events. When the host exits, every waiting request fails as 'unavailable'.
 */
export class EngineHostClient {
  private readonly process: HostProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: HostEvent) => void>();
  private nextId = 1;
  private exited = false;
  private readonly log: (message: string) => void;

  constructor(process: HostProcess, log: (message: string) => void = console.error) {
    this.process = process;
    this.log = log;
    process.on('message', (message) => this.receive(message));
    process.on('exit', (code) => {
      this.exited = true;
      const error = new ApiError('unavailable', `The Lookalike engine stopped (exit code ${code})`);
      for (const p of this.pending.values()) p.reject(error);
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

  close(): Promise<unknown> {
    return this.request({ type: 'close' });
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  get alive(): boolean {
    return !this.exited;
  }

  private request(body: DistributiveOmit<HostRequest, 'id'>): Promise<unknown> {
    if (this.exited)
      return Promise.reject(new ApiError('unavailable', 'The Lookalike engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.process.postMessage({ ...body, id } as HostRequest);
    });
  }

  private receive(raw: unknown): void {
    const parsed = hostMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.log('lookalike: ignored a malformed message from the engine host');
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
    if (message.ok) pending.resolve(message.result);
    else pending.reject(apiErrorFromBody({ error: message.error }, 'The engine failed'));
  }
}
