import type { ServerResponse } from 'node:http';
import { apiEventNames, type ApiEventSource, type ApiEvents } from '../shared/api-contract.ts';

/**
 * The API's events as Server-Sent Events: one `event: <name>` / `data: <json>` message per event,
 * a comment every so often so idle connections stay open, and a clean end when the server stops.
 */
export class EventStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe: Array<() => void>;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(source: ApiEventSource, heartbeatMs = 15_000) {
    this.unsubscribe = apiEventNames.map((name) =>
      source.subscribe(name, (payload) => this.broadcast(name, payload)),
    );
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) res.write(': keep-alive\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** Opens a stream; `initial` events are sent first so a new window starts in the current state. */
  open(
    res: ServerResponse,
    initial: Array<{ [E in keyof ApiEvents]: [E, ApiEvents[E]] }[keyof ApiEvents]>,
  ): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    for (const [name, payload] of initial) res.write(this.format(name, payload));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const off of this.unsubscribe) off();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private broadcast<E extends keyof ApiEvents>(name: E, payload: ApiEvents[E]): void {
    const message = this.format(name, payload);
    for (const res of this.clients) res.write(message);
  }

  private format<E extends keyof ApiEvents>(name: E, payload: ApiEvents[E]): string {
    return `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
  }
}
