import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command, Option } from 'commander';
import type { ModelInfo } from '../shared/model-api.ts';
import { DownloadError } from '../engine/embedding/model-download.ts';
import { ModelInstallError } from '../engine/embedding/model-install.ts';
import { describeModels } from '../engine/embedding/model-listing.ts';
import { ManifestError, parseModelDescription, readJsonFile } from '../engine/embedding/model-manifest.ts';
import {
  BundledModelError,
  type InstallSource,
  type ModelRegistry,
} from '../engine/embedding/model-registry.ts';
import { formatModelList } from './model-format.ts';
import { createInstallReporter } from './model-install-progress.ts';

/** Errors that are the person's input or the model's fault: printed as is, exit code 1. */
export function isModelRefusal(err: unknown): err is Error {
  return (
    err instanceof ModelInstallError ||
    err instanceof DownloadError ||
    err instanceof ManifestError ||
    err instanceof BundledModelError
  );
}

interface LocationOptions {
  library?: string;
  modelsDir?: string;
}

export interface ModelsCommandContext {
  /** The models on this computer (the models folder from --models-dir or the default). */
  registry: (o: LocationOptions) => ModelRegistry;
  /** The model answering a library's searches (undefined: no library yet). */
  activeModel: (o: LocationOptions) => Promise<string | undefined>;
  libraryOption: Option;
  modelsDirOption: Option;
}

/**
 * `lookalike models …`: the group for everything about models. Returns it so that other
 * subcommands (switching and removing models, which touch the library) join the same group.
 */
export function addModelsCommand(program: Command, ctx: ModelsCommandContext): Command {
  const models = program
    .command('models')
    .description('the models that turn photos into vectors: list them, add one from the catalog or a file');

  models
    .command('list')
    .description('installed models (size, licence, notes, the active one) and the catalog’s other models')
    .addOption(ctx.modelsDirOption)
    .addOption(ctx.libraryOption)
    .option('--json', 'print as JSON')
    .action(async (o: { modelsDir?: string; library?: string; json?: boolean }) => {
      const registry = ctx.registry(o);
      const installed = registry.list();
      const list: ModelInfo[] = describeModels({
        installed,
        catalog: registry.catalog,
        activeId: (await ctx.activeModel(o)) ?? installed[0]!.manifest.id,
      });
      console.log(o.json ? JSON.stringify(list) : formatModelList(list, registry.dir));
      for (const b of registry.brokenInstalls())
        console.error(`lookalike: skipped ${b.folder}: ${b.message}`);
    });

  models
    .command('add')
    .description(
      'install a model from the catalog (downloaded and verified) or from a file (.onnx with --manifest, or .tflite); ' +
        'prints the id it registered last',
    )
    .argument('<file|catalog-id>', 'a model file, or a catalog id (see `lookalike models list`)')
    .option(
      '--manifest <file.json>',
      'for an ONNX file: its inputs, outputs and post-processing (see docs/models.md)',
    )
    .option('--as <catalog-id>', 'the file is this catalog model (uses the catalog’s manifest)')
    .addOption(ctx.modelsDirOption)
    .action(async (what: string, o: { manifest?: string; as?: string; modelsDir?: string }) => {
      const registry = ctx.registry(o);
      const reporter = createInstallReporter(process.stderr);
      const controller = new AbortController();
      const cancel = (): void => controller.abort();
      process.once('SIGINT', cancel);
      try {
        const source = installSource(what, o, registry);
        await registry.cleanUp();
        const model = await registry.install(source, {
          signal: controller.signal,
          onProgress: (p) => reporter.update(p),
        });
        reporter.stop();
        console.error(
          `Installed ${model.manifest.name}: ${model.manifest.output.dim}-d vectors, ` +
            `${(model.bytes / 1e6).toFixed(1)} MB${model.manifest.license ? `, ${model.manifest.license}` : ''}.`,
        );
        console.log(model.manifest.id);
      } catch (err) {
        reporter.stop();
        if (!isModelRefusal(err)) throw err;
        console.error(`lookalike: ${err.message}`);
        process.exitCode = 1;
      } finally {
        process.off('SIGINT', cancel);
      }
    });

  return models;
}

function installSource(
  what: string,
  o: { manifest?: string; as?: string },
  registry: ModelRegistry,
): InstallSource {
  if (existsSync(what)) {
    const file = path.resolve(what);
    if (o.as) return { catalogId: o.as, file };
    if (!o.manifest) return { file };
    return { file, description: parseModelDescription(readJsonFile(o.manifest), o.manifest) };
  }
  if (o.manifest || o.as) throw new ManifestError(`There is no file ${what}.`);
  if (registry.catalog.some((e) => e.id === what)) return { catalogId: what };
  const ids = registry.catalog.map((e) => e.id).join(', ');
  throw new ManifestError(`"${what}" is neither a file nor a model in the catalog (${ids}).`);
}
