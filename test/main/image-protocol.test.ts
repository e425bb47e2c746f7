import { describe, expect, it, vi } from 'vitest';

const fakeProtocol = vi.hoisted(() => ({ handle: vi.fn(), registerSchemesAsPrivileged: vi.fn() }));
vi.mock('electron', () => ({ protocol: fakeProtocol }));

import {
  createImageHandler,
  registerImageProtocol,
  registerImageScheme,
} from '../../src/main/image-protocol.ts';
import { ApiError } from '../../src/shared/api-errors.ts';

const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

function source() {
  return {
    image: vi.fn(async (query: string) => {
      const params = new URLSearchParams(query);
      if (params.get('path')?.startsWith('/outside/')) {
        throw new ApiError('forbidden', 'Only photos inside the library can be shown');
      }
      return { bytes: jpeg, contentType: 'image/jpeg', etag: '"e1"' };
    }),
  };
}

describe('the lookalike-image protocol', () => {
  it('answers 400 for malformed URLs without asking the engine', async () => {
    const s = source();
    const handle = createImageHandler(s);
    for (const url of [
      'lookalike-image://image/',
      'lookalike-image://image/?size=huge&path=/p/a.jpg',
      'lookalike-image://image/?path=/p/a.jpg&path=/p/b.jpg',
      'lookalike-image://image/?upload=../../x',
      'lookalike-image://other/?path=/p/a.jpg',
    ]) {
      const res = await handle(new Request(url));
      expect(res.status, url).toBe(400);
    }
    expect(s.image).not.toHaveBeenCalled();
  });

  it('answers 403 when the engine refuses a path outside the library', async () => {
    const res = await createImageHandler(source())(
      new Request('lookalike-image://image/?path=%2Foutside%2Fsecret.jpg'),
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/inside the library/);
  });

  it('answers 200 with the bytes and content type', async () => {
    const s = source();
    const res = await createImageHandler(s)(
      new Request('lookalike-image://image/?path=%2Fphotos%2Fa.jpg&size=preview'),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(jpeg);
    expect(s.image).toHaveBeenCalledWith('path=%2Fphotos%2Fa.jpg&size=preview');
  });

  it('answers 500 (not the details) when the engine fails unexpectedly', async () => {
    const log = vi.fn();
    const res = await createImageHandler(
      { image: async () => Promise.reject(new Error('boom')) },
      log,
    )(new Request('lookalike-image://image/?path=%2Fphotos%2Fa.jpg'));
    expect(res.status).toBe(500);
    expect(log).toHaveBeenCalled();
  });

  it('registers the scheme as privileged and the handler with Electron', () => {
    registerImageScheme();
    expect(fakeProtocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'lookalike-image', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    registerImageProtocol(source());
    expect(fakeProtocol.handle).toHaveBeenCalledWith('lookalike-image', expect.any(Function));
  });
});
