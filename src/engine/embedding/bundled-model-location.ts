import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BundledModelLocation {
  /** The project (or installed app) folder. */
  root: string;
  modelManifestPath: string;
  embedWorkerUrl: URL;
}

/**
 * Where an entry point finds the default model and the inference worker. Entry points run as
 * src/<layer>/*.ts in development and tests, or bundled as out/main/*.js: both two folders below
 * the root, the bundle next to embed-worker.js. LOOKALIKE_MODEL_MANIFEST points at another model.
 */
export function bundledModelLocation(entryUrl: string): BundledModelLocation {
  const root = path.resolve(path.dirname(fileURLToPath(entryUrl)), '..', '..');
  const embedWorkerUrl = entryUrl.endsWith('.ts')
    ? new URL('../engine/embedding/embed-worker.ts', entryUrl)
    : new URL('./embed-worker.js', entryUrl);
  const modelManifestPath =
    process.env.LOOKALIKE_MODEL_MANIFEST ??
    path.join(root, 'resources', 'models', 'mobilenet-v2-nsfwjs-b13.json');
  return { root, modelManifestPath, embedWorkerUrl };
}
