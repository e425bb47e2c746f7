import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine, type EngineConfig } from '../engine.ts';
import { colourHistogram } from './colour-histogram.ts';
import { averagePrecision, meanOf, precisionAt } from './metrics.ts';

export interface LabelledSet {
  /** Absolute image paths, in manifest order. */
  paths: string[];
  /** The group (UKBench) or class label (Caltech) of each path. */
  labels: string[];
  kind: 'group' | 'label';
}

export interface QualityScores {
  /** UKBench's N-S: same-group images (query included) in the top 4, averaged; max 4. */
  ns: number;
  /** Mean average precision, the query left out of its own ranking. */
  map: number;
  /** Precision at 10, the query left out. */
  p10: number;
}

export interface QualityReport {
  dataset: string;
  images: number;
  model: QualityScores & { name: string; device: string; indexSeconds: number; meanQueryMs: number };
  baseline: QualityScores & { name: string };
  text: string;
}

/** Reads a dataset's manifest.tsv: a `path` column and a `group` or `label` column. */
export function readLabelledSet(dir: string): LabelledSet {
  const lines = readFileSync(path.join(dir, 'manifest.tsv'), 'utf8').split(/\r?\n/).filter(Boolean);
  const header = (lines.shift() ?? '').split('\t');
  const pathCol = header.indexOf('path');
  const groupCol = header.indexOf('group');
  const labelCol = groupCol >= 0 ? groupCol : header.indexOf('label');
  if (pathCol < 0 || labelCol < 0)
    throw new Error(`${dir}/manifest.tsv needs a path column and a group or label column`);
  const rows = lines.map((l) => l.split('\t'));
  return {
    paths: rows.map((r) => path.resolve(dir, r[pathCol]!)),
    labels: rows.map((r) => r[labelCol]!),
    kind: groupCol >= 0 ? 'group' : 'label',
  };
}

/** Scores full rankings (query first if it ranks itself first) against the set's labels. */
export function scoreRankings(
  set: LabelledSet,
  rankings: ReadonlyMap<string, readonly string[]>,
): QualityScores {
  const labelOf = new Map(set.paths.map((p, i) => [p, set.labels[i]!]));
  const ns: number[] = [];
  const ap: number[] = [];
  const p10: number[] = [];
  for (const q of set.paths) {
    const ranking = rankings.get(q) ?? [];
    const label = labelOf.get(q);
    ns.push(ranking.slice(0, 4).filter((p) => labelOf.get(p) === label).length);
    const others = ranking.filter((p) => p !== q);
    const judgments = new Map(
      set.paths.filter((p) => p !== q).map((p) => [p, labelOf.get(p) === label ? 1 : 0]),
    );
    ap.push(averagePrecision(others, judgments));
    p10.push(precisionAt(others, judgments, 10));
  }
  return { ns: meanOf(ns), map: meanOf(ap), p10: meanOf(p10) };
}

/**
 * Indexes a labelled set with the engine, queries with every image through the real query path
 * (file → decode → embed → index → re-rank), and scores it next to the colour-histogram floor.
 */
export async function runQualityBenchmark(opts: {
  datasetDir: string;
  engineConfig: Omit<EngineConfig, 'libraryPath'>;
  libraryPath?: string;
  /** The model to measure (installed, or the config's default); the library is switched to it first. */
  model?: string;
  /** Neighbourhood re-ranking on or off (default: the model's choice). */
  rerank?: boolean;
  log?: (line: string) => void;
}): Promise<QualityReport> {
  const set = readLabelledSet(opts.datasetDir);
  const tmp = opts.libraryPath ? undefined : mkdtempSync(path.join(os.tmpdir(), 'lookalike-bench-'));
  const engine = Engine.open({
    ...opts.engineConfig,
    libraryPath: opts.libraryPath ?? path.join(tmp!, 'library.db'),
  });
  try {
    const summary = await engine.indexFolders([opts.datasetDir]);
    opts.log?.(
      `indexed ${summary.indexed} (${summary.unchanged} unchanged) in ${summary.seconds.toFixed(1)} s`,
    );
    if (opts.model && engine.manifest.id !== opts.model) {
      // A library indexed with another model: embed it for this one too.
      engine.useModel(opts.model);
      const switched = await engine.continueModelSwitch();
      opts.log?.(`embedded ${switched.embedded} for ${opts.model} in ${switched.seconds.toFixed(1)} s`);
    }
    const rankings = new Map<string, string[]>();
    let queryMs = 0;
    let device = '';
    for (const q of set.paths) {
      const res = await engine.searchByImage({
        imagePath: q,
        k: set.paths.length,
        collapse: false,
        ...(opts.rerank !== undefined ? { rerank: opts.rerank } : {}),
        folders: [opts.datasetDir],
      });
      rankings.set(
        q,
        res.results.map((r) => r.path),
      );
      queryMs += res.tookMs;
      device = res.device;
    }
    const model = scoreRankings(set, rankings);
    const baseline = scoreRankings(set, await histogramRankings(set.paths));
    const reranking = opts.rerank === undefined ? '' : opts.rerank ? ' (re-ranked)' : ' (no re-ranking)';
    const name = `${engine.manifest.id}${reranking}`;
    const meanQueryMs = queryMs / set.paths.length;
    const fmt = (s: QualityScores): string =>
      `${s.ns.toFixed(3).padStart(6)}  ${s.map.toFixed(3).padStart(6)}  ${s.p10.toFixed(3).padStart(6)}`;
    const text = [
      `${path.basename(opts.datasetDir)}: ${set.paths.length} images (${set.kind === 'group' ? 'groups' : 'labels'})`,
      `${'method'.padEnd(34)}   N-S     mAP    P@10`,
      `${name.padEnd(34)} ${fmt(model)}`,
      `${'colour histogram (8x8x8, Hellinger)'.padEnd(34)} ${fmt(baseline)}`,
      `index ${summary.seconds.toFixed(1)} s; mean query ${meanQueryMs.toFixed(1)} ms on ${device}`,
    ].join('\n');
    return {
      dataset: opts.datasetDir,
      images: set.paths.length,
      model: { ...model, name, device, indexSeconds: summary.seconds, meanQueryMs },
      baseline: { ...baseline, name: 'colour-histogram-8x8x8' },
      text,
    };
  } finally {
    await engine.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function histogramRankings(paths: readonly string[]): Promise<Map<string, string[]>> {
  const vecs = await Promise.all(paths.map((p) => colourHistogram(p)));
  const out = new Map<string, string[]>();
  paths.forEach((q, i) => {
    const qv = vecs[i]!;
    const scored = paths.map((p, j) => {
      let s = 0;
      const v = vecs[j]!;
      for (let d = 0; d < v.length; d++) s += qv[d]! * v[d]!;
      return { p, s };
    });
    scored.sort((a, b) => b.s - a.s);
    out.set(
      q,
      scored.map((x) => x.p),
    );
  });
  return out;
}
