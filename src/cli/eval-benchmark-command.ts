import path from 'node:path';
import type { Command, Option } from 'commander';
import type { EngineConfig } from '../engine/engine.ts';
import { runEvaluationBenchmark } from '../engine/eval/evaluation-benchmark.ts';
import type { SearchConfiguration } from '../shared/evaluation-api.ts';
import { collectConfiguration } from './configuration-spec.ts';

interface BenchOptions {
  library?: string;
  modelsDir?: string;
  device: string;
  json?: boolean;
}

/** `lookalike bench eval`: the workbench on a labelled photo set (ground truth as grades). */
export function addEvalBenchmarkCommand(
  bench: Command,
  deps: {
    engineConfig: (o: BenchOptions) => Omit<EngineConfig, 'libraryPath'>;
    libraryOption: Option;
    deviceOption: Option;
    modelsDirOption: Option;
  },
): void {
  bench
    .command('eval')
    .description(
      'compare search configurations and run invariance tests on a labelled photo set (manifest.tsv)',
    )
    .argument('<dataset-dir>', 'a folder with manifest.tsv (path + group or label columns)')
    .addOption(deps.libraryOption)
    .addOption(deps.modelsDirOption)
    .addOption(deps.deviceOption)
    .option('--queries <n>', 'queries (one per group)', (v) => Number.parseInt(v, 10), 100)
    .option('--anchors <n>', 'anchors for the invariance tests', (v) => Number.parseInt(v, 10), 25)
    .option(
      '--config <spec>',
      'configurations to compare (repeatable; default: default, no-collapse, ef8)',
      collectConfiguration,
      [],
    )
    .option('--json', 'print as JSON')
    .action(
      async (
        dir: string,
        o: BenchOptions & { queries: number; anchors: number; config: SearchConfiguration[] },
      ) => {
        const report = await runEvaluationBenchmark({
          datasetDir: path.resolve(dir),
          engineConfig: deps.engineConfig(o),
          ...(o.library ? { libraryPath: path.resolve(o.library) } : {}),
          queries: o.queries,
          anchors: o.anchors,
          ...(o.config.length >= 2 ? { configurations: o.config } : {}),
          log: (line) => console.error(line),
        });
        console.log(o.json ? JSON.stringify(report) : report.text);
      },
    );
}
