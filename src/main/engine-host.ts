import path from 'node:path';
import { bundledModelLocation } from '../engine/embedding/bundled-model-location.ts';
import { Engine } from '../engine/engine.ts';
import { readModelManifest } from '../engine/embedding/model-manifest.ts';
import { defaultModelsDir, ModelRegistry } from '../engine/embedding/model-registry.ts';
import { appDataDir, defaultLibraryPath } from '../engine/library/library-location.ts';
import { LibraryService } from '../engine/service/library-service.ts';
import type { HostMessage } from '../shared/engine-host-protocol.ts';
import { createHostDispatcher } from './engine-host-dispatch.ts';

// The engine utility process (utilityProcess.fork from the main process): it owns SQLite, HNSW,
// ONNX and sharp, so nothing synchronous and native ever runs on the main process (DESIGN.md).
const { modelManifestPath, embedWorkerUrl } = bundledModelLocation(import.meta.url);

const parentPort = process.parentPort;
const send = (message: HostMessage): void => parentPort.postMessage(message);

const libraryPath = path.resolve(defaultLibraryPath());
const engine = Engine.open({
  libraryPath,
  modelManifestPath,
  // The models installed on this computer (the same folder the `lookalike` command uses).
  models: new ModelRegistry({ dir: defaultModelsDir(), bundled: readModelManifest(modelManifestPath) }),
  embedWorkerUrl,
  workload: 'background',
});
const service = new LibraryService(engine);
// The library follows the disk while the app is open (photos added, changed, removed).
void service
  .watchFolders({ excludeDirs: [appDataDir(), `${libraryPath}.thumbs`] })
  .catch((err: unknown) => console.error('lookalike: cannot follow the library folders', err));

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
