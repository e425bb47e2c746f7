import { describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(async (channel: string, ...args: unknown[]): Promise<unknown> => {
    if (args[0] === 'status') return { ok: true, result: { folders: [] } };
    return { ok: false, error: { code: 'forbidden', message: `refused ${channel}` } };
  }),
  onEvent: undefined as undefined | ((event: unknown, ...args: unknown[]) => void),
}));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => fake.exposed.set(key, value) },
  ipcRenderer: {
    invoke: fake.invoke,
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      if (channel === 'lookalike:event') fake.onEvent = listener;
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
});
