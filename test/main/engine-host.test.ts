import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { EngineHostClient, type HostProcess } from '../../src/main/engine-host-client.ts';
import { createHostDispatcher, type HostBackend } from '../../src/main/engine-host-dispatch.ts';
import { EngineHostSupervisor, type RestartPolicy } from '../../src/main/engine-host-supervisor.ts';
import type { EngineConnection } from '../../src/shared/desktop-ipc.ts';
import type { ApiEventName, LookalikeApiHandlers } from '../../src/shared/api-contract.ts';
import { ApiError } from '../../src/shared/api-errors.ts';
import type { HostMessage, HostRequest } from '../../src/shared/engine-host-protocol.ts';

function fakeBackend() {
  const listeners = new Map<ApiEventName, (payload: unknown) => void>();
  const handlers = {
    status: vi.fn(async () => ({ folders: [] })),
    addFolder: vi.fn(async ({ path }: { path: string }) => {
      if (path === '/missing') throw new ApiError('not-found', 'There is no folder at /missing');
      return { folder: path };
    }),
    refresh: vi.fn(async () => {
      throw new Error('disk on fire');
    }),
    skippedFiles: vi.fn(async () => []),
    subscribe: vi.fn((event: ApiEventName, listener: (payload: unknown) => void) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    }),
  };
  const backend: HostBackend = {
    handlers: handlers as unknown as LookalikeApiHandlers & HostBackend['handlers'],
    image: vi.fn(async ({ ref }) => {
      if (ref.kind === 'library' && !ref.path.startsWith('/photos/'))
        throw new ApiError('forbidden', 'outside the library');
      return { bytes: new Uint8Array([1, 2]), contentType: 'image/webp', etag: '"x"' };
    }),
    isInsideLibrary: vi.fn(async (p: string) => p.startsWith('/photos/')),
    close: vi.fn(async () => {}),
  };
  const sent: HostMessage[] = [];
  const log = vi.fn();
  const dispatcher = createHostDispatcher(backend, (m) => sent.push(m), log);
  return { backend, handlers, listeners, sent, log, dispatcher };
}

describe('the engine host dispatcher', () => {
  it('answers calls through the contract (defaults applied)', async () => {
    const { dispatcher, sent, handlers } = fakeBackend();
    await dispatcher.handle({ type: 'call', id: 1, method: 'addFolder', payload: { path: '/photos' } });
    await dispatcher.handle({ type: 'call', id: 2, method: 'skippedFiles', payload: {} });
    expect(sent).toEqual([
      { type: 'reply', id: 1, ok: true, result: { folder: '/photos' } },
      { type: 'reply', id: 2, ok: true, result: [] },
    ]);
    expect(handlers.skippedFiles).toHaveBeenCalledWith({ limit: 1000 });
  });

  it('answers API errors with their code, other errors as internal (logged)', async () => {
    const { dispatcher, sent, log } = fakeBackend();
    await dispatcher.handle({ type: 'call', id: 3, method: 'addFolder', payload: { path: '/missing' } });
    await dispatcher.handle({ type: 'call', id: 4, method: 'refresh', payload: {} });
    await dispatcher.handle({ type: 'call', id: 5, method: 'nope', payload: {} });
    await dispatcher.handle({ type: 'call', id: 6, method: 'addFolder', payload: { path: 7 } });
    expect(sent).toEqual([
      {
        type: 'reply',
        id: 3,
        ok: false,
        error: { code: 'not-found', message: 'There is no folder at /missing' },
      },
      {
        type: 'reply',
        id: 4,
        ok: false,
        error: { code: 'internal', message: 'Something went wrong inside Lookalike' },
      },
      {
        type: 'reply',
        id: 5,
        ok: false,
        error: { code: 'not-found', message: 'There is no API method "nope"' },
      },
      { type: 'reply', id: 6, ok: false, error: expect.objectContaining({ code: 'bad-request' }) },
    ]);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('rejects malformed messages', async () => {
    const { dispatcher, sent, log } = fakeBackend();
    await dispatcher.handle({ type: 'call', id: 9, method: 'status' });
    await dispatcher.handle({ type: 'drop-tables', id: 10 });
    await dispatcher.handle('garbage');
    expect(sent).toEqual([
      { type: 'reply', id: 9, ok: false, error: expect.objectContaining({ code: 'bad-request' }) },
      { type: 'reply', id: 10, ok: false, error: expect.objectContaining({ code: 'bad-request' }) },
    ]);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('serves images, refusing what the backend refuses', async () => {
    const { dispatcher, sent } = fakeBackend();
    await dispatcher.handle({ type: 'image', id: 1, query: 'path=%2Fphotos%2Fa.jpg&size=thumb' });
    await dispatcher.handle({ type: 'image', id: 2, query: 'path=%2Fetc%2Fpasswd' });
    await dispatcher.handle({ type: 'image', id: 3, query: 'nonsense=1' });
    expect(sent[0]).toEqual({
      type: 'reply',
      id: 1,
      ok: true,
      result: { bytes: new Uint8Array([1, 2]), contentType: 'image/webp', etag: '"x"' },
    });
    expect(sent[1]).toMatchObject({ id: 2, ok: false, error: { code: 'forbidden' } });
    expect(sent[2]).toMatchObject({ id: 3, ok: false, error: { code: 'bad-request' } });
  });

  it('checks library membership of absolute paths only', async () => {
    const { dispatcher, sent } = fakeBackend();
    await dispatcher.handle({ type: 'inside', id: 1, path: '/photos/a.jpg' });
    await dispatcher.handle({ type: 'inside', id: 2, path: 'photos/a.jpg' });
    await dispatcher.handle({ type: 'inside', id: 3, path: '/photos/../etc/passwd' });
    expect(sent.map((m) => (m.type === 'reply' && m.ok ? m.result : m))).toEqual([true, false, false]);
  });

  it('forwards service events and stops on close', async () => {
    const { dispatcher, sent, listeners, backend } = fakeBackend();
    listeners.get('indexing')!({ phase: 'idle' });
    expect(sent).toEqual([{ type: 'event', event: 'indexing', data: { phase: 'idle' } }]);
    await dispatcher.handle({ type: 'close', id: 1 });
    expect(backend.close).toHaveBeenCalled();
    expect(listeners.size).toBe(0);
    expect(sent[1]).toEqual({ type: 'reply', id: 1, ok: true, result: { closed: true } });
  });
});

class FakeHostProcess extends EventEmitter implements HostProcess {
  readonly posted: HostRequest[] = [];
  postMessage(message: HostRequest): void {
    this.posted.push(message);
  }
}

describe('the engine host client', () => {
  it('pairs replies with requests and rebuilds API errors', async () => {
    const child = new FakeHostProcess();
    const client = new EngineHostClient(child, vi.fn());
    const a = client.call('status', {});
    const b = client.image('path=%2Fx');
    expect(child.posted).toEqual([
      { type: 'call', id: 1, method: 'status', payload: {} },
      { type: 'image', id: 2, query: 'path=%2Fx' },
    ]);
    child.emit('message', { type: 'reply', id: 2, ok: false, error: { code: 'forbidden', message: 'no' } });
    child.emit('message', { type: 'reply', id: 1, ok: true, result: { folders: [] } });
    await expect(a).resolves.toEqual({ folders: [] });
    await expect(b).rejects.toMatchObject({ name: 'ApiError', code: 'forbidden', message: 'no' });
  });

  it('passes events on and fails waiting requests when the host exits', async () => {
    const child = new FakeHostProcess();
    const client = new EngineHostClient(child, vi.fn());
    const events: unknown[] = [];
    client.onEvent((e) => events.push(e));
    child.emit('message', { type: 'event', event: 'indexing', data: { phase: 'idle' } });
    child.emit('message', { type: 'event', event: 'bogus', data: 1 });
    expect(events).toEqual([{ type: 'event', event: 'indexing', data: { phase: 'idle' } }]);
    const pending = client.isInsideLibrary('/photos/a.jpg');
    child.emit('exit', 1);
    await expect(pending).rejects.toMatchObject({ code: 'unavailable' });
    await expect(client.call('status', {})).rejects.toMatchObject({ code: 'unavailable' });
    expect(client.alive).toBe(false);
  });
});

describe('the engine host supervisor', () => {
  function setup(policy: Partial<RestartPolicy> = {}) {
    const children: FakeHostProcess[] = [];
    const timers: Array<{ fn: () => void; ms: number }> = [];
    let clock = 0;
    const states: EngineConnection[] = [];
    const log = vi.fn();
    const supervisor = new EngineHostSupervisor({
      fork: () => {
        const child = new FakeHostProcess();
        children.push(child);
        return child;
      },
      policy: { initialDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 10_000, maxFastFailures: 3, ...policy },
      log,
      now: () => clock,
      setTimer: (fn, ms) => timers.push({ fn, ms }),
      clearTimer: () => (timers.length = 0),
    });
    supervisor.onStateChange((s) => states.push(s));
    supervisor.start();
    const fireTimer = (): number => {
      const t = timers.shift()!;
      t.fn();
      return t.ms;
    };
    return {
      supervisor,
      children,
      timers,
      states,
      log,
      fireTimer,
      advance: (ms: number) => (clock += ms),
    };
  }

  it('fails waiting requests at once when the host dies, then restarts it', async () => {
    const { supervisor, children, states, fireTimer } = setup();
    const events: unknown[] = [];
    supervisor.onEvent((e) => events.push(e));
    const pending = supervisor.call('status', {});
    expect(children[0]!.posted).toEqual([{ type: 'call', id: 1, method: 'status', payload: {} }]);
    children[0]!.emit('exit', 139);
    await expect(pending).rejects.toMatchObject({ name: 'ApiError', code: 'unavailable' });
    expect(states.at(-1)).toEqual({ state: 'restarting', attempt: 1, delayMs: 100 });
    // While it is down, requests are refused with a clear reason instead of waiting.
    await expect(supervisor.isInsideLibrary('/photos/a.jpg')).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/restarting/),
    });

    fireTimer();
    expect(children).toHaveLength(2);
    expect(states.at(-1)).toEqual({ state: 'open' });
    const answer = supervisor.call('status', {});
    children[1]!.emit('message', { type: 'reply', id: 1, ok: true, result: { folders: [] } });
    await expect(answer).resolves.toEqual({ folders: [] });
    // Events of the new host reach the listeners registered before the crash.
    children[1]!.emit('message', { type: 'event', event: 'indexing', data: { phase: 'idle' } });
    expect(events).toEqual([{ type: 'event', event: 'indexing', data: { phase: 'idle' } }]);
  });

  it('waits longer after each fast failure and gives up with a message', async () => {
    const { supervisor, children, states, timers, fireTimer, log } = setup();
    children[0]!.emit('exit', 1);
    expect(fireTimer()).toBe(100);
    children[1]!.emit('exit', 1);
    expect(fireTimer()).toBe(200);
    children[2]!.emit('exit', 1);
    expect(timers).toHaveLength(0);
    expect(children).toHaveLength(3);
    const last = states.at(-1)!;
    expect(last.state).toBe('failed');
    expect(last.state === 'failed' && last.message).toMatch(
      /stopped unexpectedly \(exit code 1\), 3 times in a row.*not being restarted.*library is safe/,
    );
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/not being restarted/));
    await expect(supervisor.call('status', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/not being restarted/),
    });

    // The person asks to try again: a fresh start with a fresh count.
    supervisor.retry();
    expect(children).toHaveLength(4);
    expect(states.at(-1)).toEqual({ state: 'open' });
    children[3]!.emit('exit', 1);
    expect(states.at(-1)).toMatchObject({ state: 'restarting', attempt: 1 });
  });

  it('does not count a host that ran for a while as failing fast', () => {
    const { children, states, fireTimer, advance } = setup();
    for (let i = 0; i < 5; i++) {
      advance(60_000);
      children[i]!.emit('exit', 1);
      expect(states.at(-1)).toEqual({ state: 'restarting', attempt: 1, delayMs: 100 });
      fireTimer();
    }
    expect(children).toHaveLength(6);
  });

  it('gives up as well when the host cannot even be started', () => {
    let forks = 0;
    const timers: Array<() => void> = [];
    const states: EngineConnection[] = [];
    const supervisor = new EngineHostSupervisor({
      fork: () => {
        forks++;
        throw new Error('ENOENT engine-host.js');
      },
      policy: { maxFastFailures: 2 },
      log: vi.fn(),
      setTimer: (fn) => timers.push(fn),
    });
    supervisor.onStateChange((s) => states.push(s));
    supervisor.start();
    timers.shift()!();
    expect(forks).toBe(2);
    expect(states.at(-1)).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/could not be started/),
    });
  });

  it('does not restart a host that was asked to close', async () => {
    const { supervisor, children, states, timers } = setup();
    const closed = supervisor.close();
    expect(children[0]!.posted).toEqual([{ type: 'close', id: 1 }]);
    children[0]!.emit('message', { type: 'reply', id: 1, ok: true, result: { closed: true } });
    await expect(closed).resolves.toEqual({ closed: true });
    children[0]!.emit('exit', 0);
    expect(timers).toHaveLength(0);
    expect(states.at(-1)).toEqual({ state: 'closed' });
    expect(supervisor.alive).toBe(false);
  });

  it('cancels a pending restart on close', async () => {
    const { supervisor, children, timers } = setup();
    children[0]!.emit('exit', 1);
    expect(timers).toHaveLength(1);
    await supervisor.close();
    expect(timers).toHaveLength(0);
    expect(children).toHaveLength(1);
  });
});

describe('the engine host client, when the host does not answer', () => {
  it('fails a request that waits too long, and ignores its late answer', async () => {
    vi.useFakeTimers();
    try {
      const child = new FakeHostProcess();
      const client = new EngineHostClient(child, vi.fn(), 1000);
      const slow = client.call('search', {});
      const closing = client.close();
      vi.advanceTimersByTime(1001);
      await expect(slow).rejects.toMatchObject({
        code: 'unavailable',
        message: 'The Lookalike engine did not answer within 1 s; please try again',
      });
      child.emit('message', { type: 'reply', id: 1, ok: true, result: 'late' });
      // Closing is not timed here: the app bounds it.
      child.emit('message', { type: 'reply', id: 2, ok: true, result: { closed: true } });
      await expect(closing).resolves.toEqual({ closed: true });
      expect(client.alive).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
