import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type ComparisonReport,
  type InvarianceReport,
  type SearchConfiguration,
  searchConfigurationSchema,
} from '../../shared/evaluation-api.ts';
import { Engine, type EngineConfig } from '../engine.ts';
import { EvaluationService } from '../service/evaluation-service.ts';
import { UploadedQueries } from '../service/uploaded-queries.ts';
import { readLabelledSet } from './quality-benchmark.ts';

export interface EvaluationBenchmarkReport {
  dataset: string;
  images: number;
  queries: number;
  comparison: ComparisonReport;
  /** Seconds to search and score every query, per configuration. */
  runSeconds: Record<string, number>;
  invariance: InvarianceReport;
  invarianceSeconds: number;
  text: string;
}

const DEFAULT_CONFIGURATIONS: SearchConfiguration[] = [
  searchConfigurationSchema.parse({ name: 'default' }),
  searchConfigurationSchema.parse({ name: 'no-collapse', collapse: false }),
  searchConfigurationSchema.parse({ name: 'ef8', ef: 8 }),
];

/**
 * The evaluation workbench on a labelled photo set, as a curator would use it: one query per
 * group (its first photo), the group's other photos graded 5 (the ground truth standing in for a
 * curator's grades), configurations compared with significance, and invariance tests on the
 * first anchors, with the time each step takes.
 */
export async function runEvaluationBenchmark(opts: {
  datasetDir: string;
  engineConfig: Omit<EngineConfig, 'libraryPath'>;
  libraryPath?: string;
  queries: number;
  anchors: number;
  configurations?: SearchConfiguration[];
  log?: (line: string) => void;
}): Promise<EvaluationBenchmarkReport> {
  const log = opts.log ?? (() => {});
  const set = readLabelledSet(opts.datasetDir);
  const tmp = opts.libraryPath ? undefined : mkdtempSync(path.join(os.tmpdir(), 'lookalike-bench-eval-'));
  const engine = Engine.open({
    ...opts.engineConfig,
    libraryPath: opts.libraryPath ?? path.join(tmp!, 'library.db'),
  });
  try {
    log(`Indexing ${set.paths.length} photos…`);
    await engine.indexFolders([opts.datasetDir]);
    const service = new EvaluationService({
      engine,
      uploads: new UploadedQueries(),
      absolute: (p) => path.resolve(p),
    });
    const store = engine.evaluationStore();

    const groups = new Map<string, string[]>();
    set.paths.forEach((p, i) => groups.set(set.labels[i]!, [...(groups.get(set.labels[i]!) ?? []), p]));
    const chosen = [...groups.values()].filter((members) => members.length > 1).slice(0, opts.queries);
    const evalSet = await service.evalCreateSet({
      name: `bench ${path.basename(opts.datasetDir)} ${Date.now()}`,
    });
    for (const [query, ...same] of chosen) {
      const added = await service.evalAddQuery({
        setId: evalSet.id,
        query: { kind: 'library', path: query! },
      });
      // A photo the library could not index cannot be found: grading it would measure indexing.
      const hashes = store.identity.hashesOf(same);
      const pool = same.flatMap((p) => {
        const contentHash = hashes.get(p);
        return contentHash === undefined ? [] : [{ contentHash, path: p }];
      });
      store.judgments.addToPool(added.id, pool);
      store.judgments.importGrades(added.id, new Map(pool.map((e) => [e.contentHash, 5])));
    }

    const configurations = opts.configurations ?? DEFAULT_CONFIGURATIONS;
    const runSeconds: Record<string, number> = {};
    for (const config of configurations) {
      const started = performance.now();
      await service.evalMetrics({
        setId: evalSet.id,
        configuration: config,
        threshold: 3,
        cutoffs: [1, 4, 10],
      });
      runSeconds[config.name] = (performance.now() - started) / 1000;
      log(`${config.name}: ${chosen.length} queries in ${runSeconds[config.name]!.toFixed(1)} s`);
    }
    const comparison = await service.evalCompare({
      setId: evalSet.id,
      configurations,
      threshold: 3,
      cutoffs: [1, 4, 10],
      measure: 'map',
      seed: 1,
      iterations: 10_000,
    });

    const anchors = chosen.slice(0, opts.anchors).map(([query]) => query!);
    log(`Invariance tests on ${anchors.length} anchors…`);
    const started = performance.now();
    const invariance = await service.evalInvariance({ anchors, passThreshold: 0.95 });
    const invarianceSeconds = (performance.now() - started) / 1000;
    if (invariance.copiesDir) rmSync(invariance.copiesDir, { recursive: true, force: true });

    const report = {
      dataset: opts.datasetDir,
      images: set.paths.length,
      queries: chosen.length,
      comparison,
      runSeconds,
      invariance,
      invarianceSeconds,
    };
    return { ...report, text: formatReport(report, engine.manifest.id) };
  } finally {
    await engine.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

function formatReport(r: Omit<EvaluationBenchmarkReport, 'text'>, model: string): string {
  const names = r.comparison.reports.map((x) => x.configuration.name);
  const lines = [
    `${path.basename(r.dataset)}: ${r.images} photos, ${r.queries} queries (one per group, the group's other photos graded 5), model ${model}`,
    `| measure | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} |`,
  ];
  for (const m of ['recip_rank', 'map', 'P_4', 'recall_4', 'ndcg_cut_10']) {
    lines.push(`| ${m} | ${r.comparison.reports.map((x) => (x.mean[m] ?? 0).toFixed(4)).join(' | ')} |`);
  }
  lines.push(`| seconds per run | ${names.map((n) => r.runSeconds[n]!.toFixed(1)).join(' | ')} |`);
  for (const s of r.comparison.significance.filter((x) => x.measure === 'map')) {
    lines.push(
      `${s.other} vs ${s.baseline}, map: ${s.meanDifference >= 0 ? '+' : ''}${s.meanDifference.toFixed(4)} ` +
        `(95 % CI ${s.bootstrapCi[0].toFixed(4)} … ${s.bootstrapCi[1].toFixed(4)}), permutation p = ${s.permutationP.toFixed(4)}, ` +
        `${s.wins} better / ${s.losses} worse / ${s.ties} tied`,
    );
  }
  lines.push(
    `Invariance (${r.invarianceSeconds.toFixed(1)} s): ${r.invariance.passed}/${r.invariance.tests} ` +
      `(${(r.invariance.passRate * 100).toFixed(1)} %) — ` +
      r.invariance.byTest.map((t) => `${t.test} ${t.passed}/${t.tests}`).join(', '),
  );
  return lines.join('\n');
}
