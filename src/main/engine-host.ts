import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../engine/engine.ts';
import { defaultLibraryPath } from '../engine/library/library-location.ts';
import { LibraryService } from '../engine/service/library-service.ts';
import type { HostMessage } from '../shared/engine-host-protocol.ts';
import { createHostDispatcher } from './engine-host-dispatch.ts';

// The engine utility process (utilityProcess.fork from the main process): it owns SQLite, HNSW,
// ONNX and sharp, so nothing synchronous and native ever runs on the main process (DESIGN.md).
// Bundled as out/main/engine-host.js next to embed-worker.js; the project root is two folders up.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const fromSource = import.meta.url.endsWith('.ts');
const embedWorkerUrl = fromSource
  ? new URL('../engine/embedding/embed-worker.ts', import.meta.url)
  : new URL('./embed-worker.js', import.meta.url);
const modelManifestPath =
  process.env.LOOKALIKE_MODEL_MANIFEST ??
  path.join(root, 'resources', 'models', 'mobilenet-v2-nsfwjs-b13.json');

const parentPort = process.parentPort;
const send = (message: HostMessage): void => parentPort.postMessage(message);

const engine = Engine.open({
  libraryPath: path.resolve(defaultLibraryPath()),
  modelManifestPath,
  embedWorkerUrl,
  workload: 'background',
});
const service = new LibraryService(engine);

const dispatcher = createHostDispatcher(
  {
    handlers: service,
    image: (request) => service.image(request),
    isInsideLibrary: (p) => engine.isInsideLibrary(p),
    close: async () => {
      // A job that does not stop in time keeps the engine open: what is committed is durable.
      if (await service.close(5000)) await engine.close();
    },
  },
  send,
);

parentPort.on('message', (event) => {
  const raw: unknown = event.data;
  void dispatcher.handle(raw).then(() => {
    if ((raw as { type?: unknown } | null)?.type === 'close') setTimeout(() => process.exit(0), 50);
  });
});
