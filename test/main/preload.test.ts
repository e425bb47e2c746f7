import { describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(async (channel: string, ...args: unknown[]): Promise<unknown> => {
    if (args[0] === 'status') return { ok: true, result: { folders: [] } };
    if (channel === 'lookalike:engine-state') return { ok: true, result: { state: 'open' } };
    if (channel === 'lookalike:open-path' && args[0] === '/photos/a.jpg') return { ok: true, result: null };
    if (channel === 'lookalike:pick-model-file') return { ok: true, result: '/models/m.onnx' };
    return { ok: false, error: { code: 'forbidden', message: `refused ${channel}` } };
  }),
  onEvent: undefined as undefined | ((event: unknown, ...args: unknown[]) => void),
  onEngineState: undefined as undefined | ((event: unknown, state: unknown) => void),
}));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => fake.exposed.set(key, value) },
  ipcRenderer: {
    invoke: fake.invoke,
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      if (channel === 'lookalike:event') fake.onEvent = listener;
      if (channel === 'lookalike:engine-state-changed') fake.onEngineState = listener;
    },
  },
}));

import type { ApiTransport } from '../../src/shared/api-adapter.ts';

describe('the preload transport', async () => {
  await import('../../src/preload/index.ts');
  const transport = fake.exposed.get('lookalike') as ApiTransport;

  it('is what connect-client.ts recognises, with desktop capabilities', () => {
    expect(typeof transport.invoke).toBe('function');
    expect(typeof transport.subscribe).toBe('function');
    expect(typeof transport.imageUrl).toBe('function');
    expect(transport.capabilities).toEqual({
      transport: 'electron',
      canRevealInOS: true,
      canPickFolder: true,
      canPickModelFile: true,
    });
    expect(transport.imageUrl({ kind: 'library', path: '/p/a b.jpg' }, 'thumb')).toBe(
      'lookalike-image://image/?path=%2Fp%2Fa+b.jpg&size=thumb',
    );
  });

  it('unwraps replies and rebuilds API errors', async () => {
    await expect(transport.invoke('status', {})).resolves.toEqual({ folders: [] });
    expect(fake.invoke).toHaveBeenCalledWith('lookalike:call', 'status', {});
    await expect(transport.shell!.revealInOS('/etc/passwd')).rejects.toMatchObject({
      name: 'ApiError',
      code: 'forbidden',
    });
    expect(fake.invoke).toHaveBeenCalledWith('lookalike:reveal', '/etc/passwd');
  });

  it('delivers events to subscribers until they unsubscribe', () => {
    const listener = vi.fn();
    const off = transport.subscribe('indexing', listener);
    fake.onEvent!({}, 'indexing', { phase: 'idle' });
    fake.onEvent!({}, 'libraryChanged', { reason: 'indexed', folders: [] });
    off();
    fake.onEvent!({}, 'indexing', { phase: 'idle' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith({ phase: 'idle' });
  });

  it('reports the engine process as the connection: restarting, then open again', async () => {
    const states: string[] = [];
    const off = transport.onConnectionChange((state) => states.push(state));
    await vi.waitFor(() => expect(states.at(-1)).toBe('open'));
    fake.onEngineState!({}, { state: 'restarting', attempt: 1, delayMs: 500 });
    fake.onEngineState!({}, { state: 'open' });
    fake.onEngineState!({}, { state: 'failed', message: 'gave up' });
    off();
    fake.onEngineState!({}, { state: 'open' });
    expect(states.slice(-3)).toEqual(['restarting', 'open', 'failed']);
  });

  it('opens, drags out and restarts through their own channels', async () => {
    await expect(transport.shell!.openInOS('/photos/a.jpg')).resolves.toBeUndefined();
    expect(fake.invoke).toHaveBeenCalledWith('lookalike:open-path', '/photos/a.jpg');
    await expect(transport.shell!.startDrag('/etc/passwd')).rejects.toMatchObject({ code: 'forbidden' });
    expect(fake.invoke).toHaveBeenCalledWith('lookalike:start-drag', '/etc/passwd');
    await expect(transport.shell!.restartEngine()).rejects.toMatchObject({ code: 'forbidden' });
    expect(fake.invoke).toHaveBeenCalledWith('lookalike:restart-engine');
  });

  it('picks a model file through its own channel', async () => {
    await expect(transport.shell!.pickModelFile!()).resolves.toBe('/models/m.onnx');
    expect(fake.invoke).toHaveBeenCalledWith('lookalike:pick-model-file');
  });
});
