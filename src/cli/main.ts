import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { bundledModelLocation } from '../engine/embedding/bundled-model-location.ts';
import { Engine, type EngineConfig, QueryError } from '../engine/engine.ts';
import { parseCropSpec } from '../engine/imaging/crop-region.ts';
import { CropError } from '../engine/imaging/crop-region.ts';
import { readModelManifest } from '../engine/embedding/model-manifest.ts';
import { defaultModelsDir, ModelRegistry } from '../engine/embedding/model-registry.ts';
import { ModelSwitchRunner } from '../engine/service/model-switch-runner.ts';
import { addModelSwitchCommands, runSwitchInForeground } from './model-switch-commands.ts';
import { describeStoreError } from '../engine/store/database.ts';
import { appDataDir, defaultLibraryPath } from '../engine/library/library-location.ts';
import { runQualityBenchmark } from '../engine/eval/quality-benchmark.ts';
import { LibraryService } from '../engine/service/library-service.ts';
import { startBridgeServer } from '../server/bridge-server.ts';
import { isValidTokenFormat } from '../server/http-security.ts';
import { FolderWatcher, type WatchEvent } from '../engine/library/folder-watcher.ts';
import { formatIndexSummary, formatSearchTable, formatStatus, formatWatchEvent } from './cli-format.ts';
import { createProgressReporter } from './progress-reporter.ts';
import { runIndexBenchmark } from './index-benchmark.ts';
import { runSpeedBenchmark } from './speed-benchmark.ts';
import { DEFAULT_BENCH_BATCHES, defaultBenchProviders, runModelsBenchmark } from './models-benchmark.ts';
import { runTfliteBenchmark } from './tflite-benchmark.ts';
import { runVectorFormatBenchmark } from './vector-format-benchmark.ts';
import { runWatchBenchmark } from './watch-benchmark.ts';
import { addModelsCommand } from './models-command.ts';
import { addEvalCommand } from './eval-commands.ts';
import { addEvalBenchmarkCommand } from './eval-benchmark-command.ts';

const { root, modelManifestPath, embedWorkerUrl } = bundledModelLocation(import.meta.url);
const rendererDir = path.join(root, 'out', 'renderer');

interface CommonOptions {
  library?: string;
  modelsDir?: string;
  device: string;
  json?: boolean;
  indexParams?: EngineConfig['indexParams'];
}

function openEngine(o: CommonOptions, workload: 'foreground' | 'background' = 'foreground'): Engine {
  return Engine.open({
    libraryPath: path.resolve(o.library ?? defaultLibraryPath()),
    modelManifestPath,
    embedWorkerUrl,
    models: modelRegistry(o),
    device: o.device,
    workload,
    ...(o.indexParams ? { indexParams: o.indexParams } : {}),
  });
}

/** The installed models: the bundled one and those in the models folder. */
function modelRegistry(o: { modelsDir?: string }): ModelRegistry {
  return new ModelRegistry({
    dir: path.resolve(o.modelsDir ?? defaultModelsDir()),
    bundled: readModelManifest(modelManifestPath),
  });
}

async function withEngine<T>(o: CommonOptions, fn: (e: Engine) => Promise<T>): Promise<T> {
  const engine = openEngine(o);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

const libraryOption = new Option('--library <file.db>', 'library database (default: the app’s own library)');
const modelsDirOption = new Option(
  '--models-dir <dir>',
  'where installed models are kept (default: $LOOKALIKE_MODELS_DIR, else the app’s models folder)',
);
const deviceOption = new Option(
  '--device <device>',
  'where the model runs: auto, cpu, gpu, or a provider name (cuda, dml, coreml)',
).default('auto');

const program = new Command('lookalike')
  .description('Find visually similar photos in your own folders, offline.')
  .showHelpAfterError();

program
  .command('index')
  .description('add folders to the library and index the photos in them (again: only what changed)')
  .argument('<folder...>', 'folders with photos')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .addOption(deviceOption)
  .option('--json', 'print the summary as JSON')
  .action(async (folders: string[], o: CommonOptions) => {
    await withEngine(o, async (engine) => {
      const progress = createProgressReporter(process.stderr);
      const summary = await engine
        .indexFolders(folders, (p) => progress.update(p))
        .finally(() => progress.stop());
      console.log(o.json ? JSON.stringify(summary) : formatIndexSummary(summary));
      // A switch to another model goes on from where it stopped (the new photos included).
      if (engine.modelSwitch()) console.error(await runSwitchInForeground(engine));
      else await engine.continueModelSwitch();
    });
  });

program
  .command('search')
  .description('find the photos most similar to each query image')
  .argument('<image...>', 'query images (need not be in the library)')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .addOption(deviceOption)
  .option('-k <n>', 'results per query', positiveInt, 20)
  .option(
    '--crop <x,y,w,h>',
    'search with part of the query: pixels, or fractions (0–1) of its size',
    (v) => {
      try {
        return parseCropSpec(v);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    },
  )
  .option(
    '--folder <path>',
    'only results from this library folder (repeatable)',
    (v, acc: string[]) => [...acc, v],
    [],
  )
  .option('--no-collapse', 'list near-duplicates separately instead of grouping them')
  .option('--rerank', 're-rank by neighbourhoods (default: as the model is measured to do best)')
  .option('--no-rerank', 'rank by plain cosine similarity (no neighbourhood re-ranking)')
  .option('--ef <n>', 'HNSW search breadth (higher: better recall, slower)', positiveInt)
  .option(
    '--model <id>',
    'answer with this model (its index must cover every photo; default: the active one)',
  )
  .option('--json', 'one JSON object per query per line')
  .action(
    async (
      images: string[],
      o: CommonOptions & {
        k: number;
        crop?: ReturnType<typeof parseCropSpec>;
        folder: string[];
        collapse: boolean;
        rerank?: boolean;
        ef?: number;
        model?: string;
      },
    ) => {
      await withEngine({ ...o, ...(o.ef ? { indexParams: { ef: o.ef } } : {}) }, async (engine) => {
        let failed = 0;
        for (const image of images) {
          try {
            const res = await engine.searchByImage({
              imagePath: image,
              k: o.k,
              collapse: o.collapse,
              ...(o.rerank !== undefined ? { rerank: o.rerank } : {}),
              ...(o.crop ? { crop: o.crop } : {}),
              ...(o.folder.length ? { folders: o.folder } : {}),
              ...(o.model ? { model: o.model } : {}),
            });
            if (o.json) {
              const results = res.results.map((r) => ({
                path: r.path,
                score: r.score,
                rank: r.rank,
                ...(r.duplicates.length ? { duplicates: r.duplicates } : {}),
              }));
              console.log(
                JSON.stringify({
                  query: res.query,
                  results,
                  tookMs: res.tookMs,
                  model: res.model,
                  device: res.device,
                }),
              );
            } else {
              console.log(formatSearchTable(res));
            }
          } catch (err) {
            if (!(err instanceof QueryError || err instanceof CropError)) throw err;
            failed++;
            console.error(`lookalike: ${err.message}`);
          }
        }
        if (failed > 0) process.exitCode = 1;
      });
    },
  );

program
  .command('status')
  .description('library counts, model (and a switch under way), execution provider and index health')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .addOption(deviceOption)
  .option('--json', 'print as JSON')
  .action(async (o: CommonOptions) => {
    await withEngine(o, async (engine) => {
      const s = await engine.status();
      console.log(o.json ? JSON.stringify(s) : formatStatus(s));
    });
  });

program
  .command('serve')
  .description('serve the app to a browser on this computer only (http://127.0.0.1), until Ctrl+C')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .addOption(deviceOption)
  .option(
    '--port <n>',
    'port to listen on (0: any free port)',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new InvalidArgumentError('must be a port number, 0–65535');
      return n;
    },
    0,
  )
  .option('--token <token>', 'access token to require (default: a new random one)', (v) => {
    if (!isValidTokenFormat(v)) throw new InvalidArgumentError('must be 16–256 letters, digits or ._~-');
    return v;
  })
  .action(async (o: CommonOptions & { port: number; token?: string }) => {
    const engine = openEngine(o, 'background');
    const service = new LibraryService(engine);
    const hasPage = existsSync(path.join(rendererDir, 'index.html'));
    if (!hasPage)
      console.error('lookalike: the web page is not built (run `npm run build`); serving the API only.');
    const server = await startBridgeServer({
      service,
      rendererDir: hasPage ? rendererDir : null,
      port: o.port,
      ...(o.token ? { token: o.token } : {}),
    }).catch(async (err: NodeJS.ErrnoException) => {
      await service.close();
      await engine.close();
      throw err.code === 'EADDRINUSE'
        ? new Error(`port ${o.port} is in use; choose another with --port (0: any free port)`)
        : err;
    });
    // Photos added, changed or removed in library folders while serving update the library and
    // the page; the app's own data (thumbnail cache) never becomes part of it.
    const libraryPath = path.resolve(o.library ?? defaultLibraryPath());
    await service.watchFolders({ excludeDirs: [appDataDir(), `${libraryPath}.thumbs`] });
    console.log(`Lookalike is running at ${server.url}`);
    console.log('Open that link in a browser on this computer. Press Ctrl+C to stop.');
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      console.error(`lookalike: ${signal}: stopping…`);
      void (async () => {
        await server.close();
        if (await service.close()) await engine.close();
        else console.error('lookalike: indexing did not stop in time; it goes on from here next time.');
        process.exit(0);
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });

program
  .command('watch')
  .description('keep the library up to date: reconcile now, then index changes as they happen (Ctrl+C stops)')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .addOption(deviceOption)
  .option('--json', 'print events as JSON lines')
  .option(
    '--recheck-every <ms>',
    'how often folders that went away (unplugged drives) are looked for',
    positiveInt,
    5000,
  )
  .action(async (o: CommonOptions & { recheckEvery: number }) => {
    const engine = openEngine(o, 'background');
    const libraryPath = path.resolve(o.library ?? defaultLibraryPath());
    // A switch to another model is embedded in the background, new photos included.
    const reembed = new ModelSwitchRunner({
      engine,
      onState: (state) => {
        if (o.json)
          console.log(JSON.stringify({ type: 'model-switch', ...state, at: new Date().toISOString() }));
        else if (state.reembedding) {
          const r = state.reembedding;
          console.log(`${new Date().toLocaleTimeString()}  embedding for ${r.model}: ${r.done}/${r.total}`);
        }
      },
      log: (message) => console.error(`lookalike: ${message}`),
    });
    const print = (e: WatchEvent): void => {
      if (o.json) console.log(JSON.stringify({ ...e, at: new Date().toISOString() }));
      else if (e.type !== 'progress') console.log(formatWatchEvent(e));
      if (e.type === 'updated' || e.type === 'reconciled') reembed.kick();
    };
    // The app's own data (thumbnail cache) never becomes part of the library.
    const watcher = new FolderWatcher(engine, print, {
      excludeDirs: [appDataDir(), `${libraryPath}.thumbs`],
      availabilityPollMs: o.recheckEvery,
    });
    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      if (!o.json) console.error(`${signal}: finishing the current batch and stopping…`);
      await Promise.all([watcher.close(), reembed.close()]);
      engine.flushSnapshot();
      await engine.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    if (engine.libraryFolders().length === 0) {
      console.error('lookalike: the library has no folders yet; add one with `lookalike index <folder>`.');
    }
    await watcher.start();
    // A switch left unfinished goes on at once (and again after each update).
    reembed.kick();
    // Keep running until a signal arrives.
    await new Promise(() => undefined);
  });

program
  .command('exclude')
  .description(
    'keep files or folders out of the library: a name ("Screenshots", "*.tmp.jpg") matches anywhere, ' +
      'a path ("2019/private") inside a library folder; with no pattern, lists the exclusions',
  )
  .argument('[pattern...]', 'patterns to add (or remove, with --remove)')
  .addOption(libraryOption)
  .option('--remove', 'remove the patterns instead of adding them')
  .action(async (patterns: string[], o: { library?: string; remove?: boolean }) => {
    const engine = openEngine({ ...o, device: 'cpu' });
    try {
      for (const p of patterns) {
        if (o.remove) {
          if (!engine.removeExclusion(p)) console.error(`lookalike: "${p}" was not excluded`);
        } else engine.addExclusion(p);
      }
      const list = engine.exclusions();
      console.log(
        list.length
          ? list.join('\n')
          : 'No exclusions (hidden files, node_modules and thumbnail caches are always left out).',
      );
      if (patterns.length)
        console.error('Run `lookalike index` (or keep `lookalike watch` running) to apply the change.');
    } finally {
      await engine.close();
    }
  });

const modelsCommand = addModelsCommand(program, {
  registry: modelRegistry,
  libraryOption,
  modelsDirOption,
  activeModel: async (o) => {
    if (!existsSync(path.resolve(o.library ?? defaultLibraryPath()))) return undefined;
    // The recorded choice, even when that model is not installed here: the list says so.
    return withEngine({ ...o, device: 'cpu' }, async (engine) => engine.activeModelId());
  },
});

addEvalCommand(program, { openEngine: (o) => openEngine(o), libraryOption, deviceOption, modelsDirOption });

const bench = program.command('bench').description('measure the search');
bench
  .command('quality')
  .description(
    'index a labelled photo set and report retrieval quality (N-S, mAP, P@10) against a colour-histogram baseline',
  )
  .argument('<dataset-dir>', 'a folder with manifest.tsv (path + group or label columns)')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .addOption(deviceOption)
  .option(
    '--model <id|manifest.json>',
    'the model to measure: an installed one, or a manifest file (default: the bundled one)',
  )
  .option('--rerank', 're-rank by neighbourhoods (default: as the model is measured to do best)')
  .option('--no-rerank', 'rank by plain cosine similarity (no neighbourhood re-ranking)')
  .option('--json', 'print as JSON')
  .action(async (dir: string, o: CommonOptions & { model?: string; rerank?: boolean }) => {
    // A manifest file is measured as it is, without installing it.
    const manifestFile = o.model?.endsWith('.json') ? path.resolve(o.model) : undefined;
    const models = modelRegistry(o);
    if (o.model && !manifestFile && !models.get(o.model)) {
      const installed = models.list().map((m) => m.manifest.id);
      throw new Error(`The model "${o.model}" is not installed. Installed: ${installed.join(', ')}.`);
    }
    const model = manifestFile ? readModelManifest(manifestFile).manifest.id : o.model;
    const report = await runQualityBenchmark({
      datasetDir: path.resolve(dir),
      engineConfig: {
        modelManifestPath: manifestFile ?? modelManifestPath,
        embedWorkerUrl,
        device: o.device,
        models,
        ...(model ? { initialModel: model } : {}),
      },
      ...(model ? { model } : {}),
      ...(o.rerank !== undefined ? { rerank: o.rerank } : {}),
      ...(o.library ? { libraryPath: path.resolve(o.library) } : {}),
      log: (line) => console.error(line),
    });
    console.log(o.json ? JSON.stringify(report) : report.text);
  });

bench
  .command('vectors')
  .description(
    'retrieval quality and library size per 1,000 photos with vectors stored as float32, float16 and int8',
  )
  .argument('<dataset-dir>', 'a folder with manifest.tsv (path + group or label columns)')
  .addOption(deviceOption)
  .option('--json', 'print as JSON')
  .action(async (dir: string, o: CommonOptions) => {
    const report = await runVectorFormatBenchmark({
      datasetDir: path.resolve(dir),
      engineConfig: { modelManifestPath, embedWorkerUrl, device: o.device },
      log: (line) => console.error(line),
    });
    console.log(o.json ? JSON.stringify(report) : report.text);
  });

bench
  .command('speed')
  .description('indexing throughput next to its stage ceilings, and query latency on a padded library')
  .argument('<photos-dir>', 'a folder of (ideally multi-megapixel) photos')
  .addOption(deviceOption)
  .option('--copies <n>', 'index each photo this many times (as distinct files)', positiveInt, 4)
  .option('--library-images <n>', 'library size for the query-latency test', positiveInt, 10_000)
  .option('--json', 'print as JSON')
  .action(async (dir: string, o: CommonOptions & { copies: number; libraryImages: number }) => {
    const report = await runSpeedBenchmark({
      photosDir: path.resolve(dir),
      copies: o.copies,
      libraryImages: o.libraryImages,
      engineConfig: { modelManifestPath, embedWorkerUrl, device: o.device },
      log: (line) => console.error(line),
    });
    console.log(o.json ? JSON.stringify(report) : report.text);
  });

bench
  .command('index')
  .description('HNSW recall, build time and query time for a grid of M / efConstruction / ef')
  .addOption(libraryOption)
  .option(
    '--size <n>',
    'vectors in the test index (real ones padded with perturbed copies)',
    positiveInt,
    10_000,
  )
  .option('--queries <n>', 'queries to average over', positiveInt, 200)
  .action((o: { library?: string; size: number; queries: number }) => {
    const report = runIndexBenchmark({
      libraryPath: path.resolve(o.library ?? defaultLibraryPath()),
      modelId: readModelManifest(modelManifestPath).manifest.id,
      size: o.size,
      queries: o.queries,
    });
    console.log(report.text);
  });

bench
  .command('watch')
  .description(
    'time from a photo landing in a watched folder to searchable, and memory while many arrive at once',
  )
  .argument('<photos-dir>', 'photos to copy into the watched folder')
  .addOption(deviceOption)
  .option('--samples <n>', 'photos dropped one at a time', positiveInt, 30)
  .option('--burst <n>', 'photos dropped at once', positiveInt, 10_000)
  .action(async (dir: string, o: CommonOptions & { samples: number; burst: number }) => {
    const report = await runWatchBenchmark({
      photosDir: path.resolve(dir),
      samples: o.samples,
      burst: o.burst,
      engineConfig: { modelManifestPath, embedWorkerUrl, device: o.device },
      log: (line) => console.error(line),
    });
    console.log(report.text);
  });

bench
  .command('models')
  .description(
    'model inference speed: images/s per execution provider and batch size, for the bundled model and the models named',
  )
  .argument(
    '[model...]',
    'installed model ids or manifest files (.json); the bundled model is always measured',
  )
  .addOption(modelsDirOption)
  .option(
    '--providers <list>',
    'execution providers to try, comma-separated',
    defaultBenchProviders().join(','),
  )
  .option('--batches <list>', 'batch sizes, comma-separated', DEFAULT_BENCH_BATCHES.join(','))
  .option('--threads <n>', 'inference threads (default: all cores)', positiveInt)
  .option('--seconds <n>', 'seconds to time each batch size for', positiveInt, 2)
  .option('--json', 'print as JSON')
  .action(
    async (
      ids: string[],
      o: {
        modelsDir?: string;
        providers: string;
        batches: string;
        threads?: number;
        seconds: number;
        json?: boolean;
      },
    ) => {
      const registry = modelRegistry(o);
      const models = [readModelManifest(modelManifestPath)];
      for (const id of ids) {
        const model = id.endsWith('.json') ? readModelManifest(path.resolve(id)) : registry.get(id);
        if (!model) throw new Error(`The model "${id}" is not installed and is not a manifest file.`);
        if (!models.some((m) => m.modelPath === model.modelPath)) models.push(model);
      }
      const batches = o.batches.split(',').map((b) => positiveInt(b.trim()));
      const report = await runModelsBenchmark({
        models,
        providers: o.providers
          .split(',')
          .map((p) => p.trim().toLowerCase())
          .filter(Boolean),
        batches,
        seconds: o.seconds,
        ...(o.threads ? { threads: o.threads } : {}),
        log: (line) => console.error(line),
      });
      console.log(o.json ? JSON.stringify(report) : report.text);
    },
  );

bench
  .command('tflite')
  .description(
    "how closely a TensorFlow Lite model converted to ONNX reproduces the model's own integer arithmetic, and conversion time",
  )
  .argument('<model.tflite>', 'a uint8-quantized TensorFlow Lite image classifier')
  .argument('<photos-dir>', 'photos to compare the features on')
  .option('--photos <n>', 'photos to use (spread evenly over the folder)', positiveInt, 12)
  .option('--json', 'print as JSON')
  .action(async (file: string, dir: string, o: { photos: number; json?: boolean }) => {
    const report = await runTfliteBenchmark({
      tflitePath: path.resolve(file),
      photosDir: path.resolve(dir),
      photos: o.photos,
      log: (line) => console.error(line),
    });
    console.log(o.json ? JSON.stringify(report) : report.text);
  });

addEvalBenchmarkCommand(bench, {
  engineConfig: (o) => ({ modelManifestPath, embedWorkerUrl, models: modelRegistry(o), device: o.device }),
  libraryOption,
  deviceOption,
  modelsDirOption,
});

addModelSwitchCommands<CommonOptions & { wait?: boolean }>(modelsCommand, {
  openEngine: (o) => openEngine(o),
  registry: (o) => modelRegistry(o),
  withLibraryOptions: (c) => c.addOption(libraryOption).addOption(modelsDirOption).addOption(deviceOption),
});

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`lookalike: ${describeStoreError(err) ?? err.message}`);
  process.exit(2);
});
