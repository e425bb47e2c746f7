import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { EngineHostClient, type HostProcess } from '../../src/main/engine-host-client.ts';
import { createHostDispatcher, type HostBackend } from '../../src/main/engine-host-dispatch.ts';
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
