import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../src/engine/engine.ts';
import { readModelManifest } from '../../src/engine/embedding/model-manifest.ts';
import { ModelRegistry, type ModelRegistryOptions } from '../../src/engine/embedding/model-registry.ts';
import { LibraryService } from '../../src/engine/service/library-service.ts';
import { type BridgeServer, startBridgeServer } from '../../src/server/bridge-server.ts';
import { makeTempDir, writeScene } from '../fixtures/synthetic-photos.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/**
 * A real bridge on a free port: a real engine (SQLite, HNSW, the bundled model on the CPU) over a
 * temporary library of synthetic photos, and a folder outside the library with a "secret" photo.
 */
export interface BridgeFixture {
  dir: string;
  photos: string;
  outside: string;
  libraryPath: string;
  /** Where models installed through the API go. */
  modelsDir: string;
  engine: Engine;
  service: LibraryService;
  server: BridgeServer;
  /** The path of synthetic scene n inside the library (0–5 in a/, 6–11 in b/). */
  scene(n: number): string;
  /** POST /api/<method> with the token and a JSON body. */
  call(method: string, body?: unknown, init?: RequestInit): Promise<Response>;
  /** GET a path on the server (token added unless `token: null`). */
  get(
    pathAndQuery: string,
    options?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export const SCENE_SIZE = { width: 640, height: 480 };

export async function startBridgeFixture(
  options: {
    maxUploadBytes?: number;
    withRenderer?: boolean;
    /** The model registry's catalog and download settings (a loopback server's models). */
    registry?: Pick<ModelRegistryOptions, 'catalog' | 'download'>;
  } = {},
): Promise<BridgeFixture> {
  const tmp = makeTempDir('lookalike-bridge-');
  const photos = path.join(tmp.dir, 'photos');
  const outside = path.join(tmp.dir, 'outside');
  const scene = (n: number): string => path.join(photos, n < 6 ? 'a' : 'b', `scene-${n}.jpg`);
  for (let n = 0; n < 12; n++) await writeScene(scene(n), 2000 + n, 'jpeg', SCENE_SIZE);
  await writeScene(path.join(outside, 'secret.jpg'), 9999, 'jpeg');

  let rendererDir: string | null = null;
  if (options.withRenderer) {
    rendererDir = path.join(tmp.dir, 'renderer');
    mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lookalike</title>');
    writeFileSync(path.join(rendererDir, 'assets', 'app-1234.js'), 'console.log("hi")');
  }

  const libraryPath = path.join(tmp.dir, 'library.db');
  const modelManifestPath = path.join(repoRoot, 'resources', 'models', 'mobilenet-v2-nsfwjs-b13.json');
  // Models installed through the API stay in the fixture's folder.
  const modelsDir = path.join(tmp.dir, 'models');
  const engine = Engine.open({
    libraryPath,
    modelManifestPath,
    models: new ModelRegistry({
      dir: modelsDir,
      bundled: readModelManifest(modelManifestPath),
      ...options.registry,
    }),
    embedWorkerUrl: new URL('../../src/engine/embedding/embed-worker.ts', import.meta.url),
    device: 'cpu',
    inferenceThreads: 2,
  });
  const service = new LibraryService(engine, { log: () => {} });
  const server = await startBridgeServer({
    service,
    rendererDir,
    port: 0,
    ...(options.maxUploadBytes ? { maxUploadBytes: options.maxUploadBytes } : {}),
    log: () => {},
  });
  const auth = { authorization: `Bearer ${server.token}` };

  return {
    dir: tmp.dir,
    photos,
    outside,
    libraryPath,
    modelsDir,
    engine,
    service,
    server,
    scene,
    call: (method, body = {}, init = {}) =>
      fetch(`${server.origin}/api/${method}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...init,
      }),
    get: (pathAndQuery, opts = {}) => {
      const token = opts.token === undefined ? server.token : opts.token;
      const sep = pathAndQuery.includes('?') ? '&' : '?';
      const url = `${server.origin}${pathAndQuery}${token === null ? '' : `${sep}token=${encodeURIComponent(token)}`}`;
      return fetch(url, { headers: opts.headers ?? {} });
    },
    close: async () => {
      await server.close();
      await service.close();
      await engine.close();
      tmp.cleanup();
    },
  };
}

/** `/api/image?path=…&size=…` for a library photo. */
export function imagePath(file: string, size: 'thumb' | 'preview' = 'thumb'): string {
  return `/api/image?${new URLSearchParams({ path: file, size })}`;
}
