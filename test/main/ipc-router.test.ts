import { beforeEach, describe, expect, it, vi } from 'vitest';

const fakeIpcMain = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  return {
    handlers,
    handle: vi.fn((channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => {
      handlers.set(channel, fn);
    }),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
  };
});
vi.mock('electron', () => ({ ipcMain: fakeIpcMain }));

import { isTrustedSender, registerIpcRouter } from '../../src/main/ipc-router.ts';
import type { EngineConnection } from '../../src/shared/desktop-ipc.ts';
import type { HostEvent } from '../../src/shared/engine-host-protocol.ts';

function fakeWebContents(id: number) {
  return { id, isDestroyed: () => false, send: vi.fn() };
}

function sender(id: number, url = 'file:///app/out/renderer/index.html', parent: unknown = null) {
  return { sender: { id }, senderFrame: { url, parent } } as never;
}

function setup(devServerUrl?: string) {
  let emit: (event: HostEvent) => void = () => {};
  let emitState: (state: EngineConnection) => void = () => {};
  const host = {
    state: { state: 'open' } as EngineConnection,
    onStateChange: vi.fn((listener: (state: EngineConnection) => void) => {
      emitState = listener;
      return () => {
        emitState = () => {};
      };
    }),
    retry: vi.fn(),
    call: vi.fn(async (method: string, payload: unknown) => ({ answered: method, payload })),
    isInsideLibrary: vi.fn(async (p: string) => p.startsWith('/photos/')),
    onEvent: vi.fn((listener: (event: HostEvent) => void) => {
      emit = listener;
      return () => {
        emit = () => {};
      };
    }),
  };
  const win = fakeWebContents(7);
  const showItemInFolder = vi.fn();
  const pickFolder = vi.fn(async () => '/photos/picked');
  const pickModelFile = vi.fn(async () => '/models/picked.onnx');
  const openPath = vi.fn(async (p: string) => (p.endsWith('.xyz') ? 'No application is registered' : ''));
  const startDrag = vi.fn(async () => {});
  const dispose = registerIpcRouter({
    host,
    windows: () => [win],
    devServerUrl,
    showItemInFolder,
    openPath,
    startDrag,
    pickFolder,
    pickModelFile,
  });
  const invoke = (channel: string, event: unknown, ...args: unknown[]) =>
    fakeIpcMain.handlers.get(channel)!(event, ...args);
  return {
    host,
    win,
    showItemInFolder,
    openPath,
    startDrag,
    pickFolder,
    pickModelFile,
    dispose,
    invoke,
    emit: (e: HostEvent) => emit(e),
    emitState: (state: EngineConnection) => emitState(state),
  };
}

describe('the IPC router', () => {
  beforeEach(() => {
    fakeIpcMain.handlers.clear();
    vi.clearAllMocks();
  });

  it('forwards a valid call (defaults applied) and returns the host answer', async () => {
    const { host, invoke } = setup();
    const reply = await invoke('lookalike:call', sender(7), 'skippedFiles', {});
    expect(host.call).toHaveBeenCalledWith('skippedFiles', { limit: 1000 });
    expect(reply).toEqual({ ok: true, result: { answered: 'skippedFiles', payload: { limit: 1000 } } });
  });

  it('passes the bytes of an upload through', async () => {
    const { host, invoke } = setup();
    const bytes = new Uint8Array([1, 2, 3]);
    const reply = await invoke('lookalike:call', sender(7), 'uploadQuery', { bytes, name: 'x.jpg' });
    expect(reply).toMatchObject({ ok: true });
    expect(host.call).toHaveBeenCalledWith('uploadQuery', { bytes, name: 'x.jpg' });
  });

  it('rejects an unknown method without forwarding', async () => {
    const { host, invoke } = setup();
    const reply = await invoke('lookalike:call', sender(7), 'deleteEverything', {});
    expect(reply).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'There is no API method "deleteEverything"' },
    });
    expect(await invoke('lookalike:call', sender(7), 'hasOwnProperty', {})).toMatchObject({ ok: false });
    expect(host.call).not.toHaveBeenCalled();
  });

  it('rejects an invalid payload without forwarding', async () => {
    const { host, invoke } = setup();
    const reply = (await invoke('lookalike:call', sender(7), 'addFolder', { path: '' })) as {
      ok: false;
      error: { code: string; message: string };
    };
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('bad-request');
    expect(reply.error.message).toMatch(/Invalid addFolder request: path: a path is needed/);
    expect(await invoke('lookalike:call', sender(7), 'status', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(host.call).not.toHaveBeenCalled();
  });

  it('refuses foreign senders without forwarding', async () => {
    const { host, invoke, showItemInFolder, pickFolder, openPath, startDrag } = setup();
    const foreign = [
      sender(8), // another webContents
      sender(7, 'https://evil.example/'), // our window, navigated away
      sender(7, 'file:///app/index.html', {}), // a subframe
      { sender: { id: 7 }, senderFrame: null },
    ];
    for (const event of foreign) {
      expect(await invoke('lookalike:call', event, 'status', {})).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(await invoke('lookalike:reveal', event, '/photos/a.jpg')).toMatchObject({ ok: false });
      expect(await invoke('lookalike:pick-folder', event)).toMatchObject({ ok: false });
      expect(await invoke('lookalike:open-path', event, '/photos/a.jpg')).toMatchObject({ ok: false });
      expect(await invoke('lookalike:start-drag', event, '/photos/a.jpg')).toMatchObject({ ok: false });
      expect(await invoke('lookalike:restart-engine', event)).toMatchObject({ ok: false });
    }
    expect(host.call).not.toHaveBeenCalled();
    expect(host.isInsideLibrary).not.toHaveBeenCalled();
    expect(host.retry).not.toHaveBeenCalled();
    expect(showItemInFolder).not.toHaveBeenCalled();
    expect(pickFolder).not.toHaveBeenCalled();
    expect(openPath).not.toHaveBeenCalled();
    expect(startDrag).not.toHaveBeenCalled();
  });

  it('accepts the dev server only when it is the configured one', () => {
    const ids = new Set([7]);
    expect(isTrustedSender(sender(7, 'http://localhost:5173/'), ids, 'http://localhost:5173')).toBe(true);
    expect(isTrustedSender(sender(7, 'http://localhost:5174/'), ids, 'http://localhost:5173')).toBe(false);
    expect(isTrustedSender(sender(7, 'http://localhost:5173/'), ids)).toBe(false);
  });

  it('forwards events to the windows', () => {
    const { win, emit, dispose } = setup();
    emit({ type: 'event', event: 'libraryChanged', data: { reason: 'indexed', folders: ['/p'] } });
    expect(win.send).toHaveBeenCalledWith('lookalike:event', 'libraryChanged', {
      reason: 'indexed',
      folders: ['/p'],
    });
    dispose();
    expect(fakeIpcMain.removeHandler).toHaveBeenCalledWith('lookalike:call');
  });

  it('reveals only paths the engine says are inside the library', async () => {
    const { invoke, showItemInFolder } = setup();
    expect(await invoke('lookalike:reveal', sender(7), '/photos/a.jpg')).toEqual({ ok: true, result: null });
    expect(showItemInFolder).toHaveBeenCalledWith('/photos/a.jpg');
    expect(await invoke('lookalike:reveal', sender(7), '/etc/passwd')).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await invoke('lookalike:reveal', sender(7), 42)).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(showItemInFolder).toHaveBeenCalledTimes(1);
  });

  it('picks a folder through the injected dialog', async () => {
    const { invoke, pickFolder } = setup();
    expect(await invoke('lookalike:pick-folder', sender(7))).toEqual({ ok: true, result: '/photos/picked' });
    expect(pickFolder).toHaveBeenCalledWith({ id: 7 });
  });

  it('picks a model file through the injected dialog, for our window only', async () => {
    const { invoke, pickModelFile } = setup();
    expect(await invoke('lookalike:pick-model-file', sender(7))).toEqual({
      ok: true,
      result: '/models/picked.onnx',
    });
    expect(pickModelFile).toHaveBeenCalledWith({ id: 7 });
    expect(await invoke('lookalike:pick-model-file', sender(8))).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(pickModelFile).toHaveBeenCalledTimes(1);
  });

  it('opens only library files with the default app, and says when that failed', async () => {
    const { invoke, openPath } = setup();
    expect(await invoke('lookalike:open-path', sender(7), '/photos/a.jpg')).toEqual({
      ok: true,
      result: null,
    });
    expect(openPath).toHaveBeenCalledWith('/photos/a.jpg');
    expect(await invoke('lookalike:open-path', sender(7), '/photos/b.xyz')).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'Could not open /photos/b.xyz: No application is registered' },
    });
    for (const outside of ['/etc/passwd', '/photos/../etc/passwd', 'photos/a.jpg']) {
      expect(await invoke('lookalike:open-path', sender(7), outside)).toMatchObject({
        ok: false,
        error: {
          code: 'forbidden',
          message: expect.stringMatching(/Only photos and folders of the library/),
        },
      });
    }
    expect(await invoke('lookalike:open-path', sender(7), { path: '/photos/a.jpg' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(openPath).toHaveBeenCalledTimes(2);
  });

  it('drags out only library files, from the window that asked', async () => {
    const { invoke, startDrag, host } = setup();
    expect(await invoke('lookalike:start-drag', sender(7), '/photos/a.jpg')).toEqual({
      ok: true,
      result: null,
    });
    expect(startDrag).toHaveBeenCalledWith({ id: 7 }, '/photos/a.jpg');
    expect(await invoke('lookalike:start-drag', sender(7), import.meta.filename)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    // A path the engine refuses because it is not there (a result deleted since the search).
    expect(await invoke('lookalike:start-drag', sender(7), '/no/such/dir/gone.jpg')).toEqual({
      ok: false,
      error: { code: 'not-found', message: '/no/such/dir/gone.jpg is no longer there (deleted or moved?)' },
    });
    expect(await invoke('lookalike:start-drag', sender(7), '')).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await invoke('lookalike:start-drag', sender(7), '/photos/a\u0000.jpg')).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(startDrag).toHaveBeenCalledTimes(1);
    expect(host.isInsideLibrary).toHaveBeenCalledTimes(3);
  });

  it('tells windows the engine state, now and on every change, and restarts it on request', async () => {
    const { invoke, win, emitState, host, dispose } = setup();
    expect(await invoke('lookalike:engine-state', sender(7))).toEqual({
      ok: true,
      result: { state: 'open' },
    });
    emitState({ state: 'restarting', attempt: 1, delayMs: 500 });
    expect(win.send).toHaveBeenCalledWith('lookalike:engine-state-changed', {
      state: 'restarting',
      attempt: 1,
      delayMs: 500,
    });
    expect(await invoke('lookalike:restart-engine', sender(7))).toEqual({ ok: true, result: null });
    expect(host.retry).toHaveBeenCalledTimes(1);
    dispose();
    emitState({ state: 'open' });
    expect(win.send).toHaveBeenCalledTimes(1);
    expect(fakeIpcMain.removeHandler).toHaveBeenCalledWith('lookalike:start-drag');
  });
});
