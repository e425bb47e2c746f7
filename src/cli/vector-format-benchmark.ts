import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { EngineConfig } from '../engine/engine.ts';
import { averagePrecision, meanOf, precisionAt } from '../engine/eval/metrics.ts';
import { pairedBootstrap, pairedPermutationTest } from '../engine/eval/metrics-significance.ts';
import {
  type LabelledSet,
  type QualityReport,
  readLabelledSet,
  runQualityBenchmark,
} from '../engine/eval/quality-benchmark.ts';
import { DEFAULT_DUPLICATE_THRESHOLD, dot } from '../engine/search/duplicate-collapse.ts';
import { decodeVector, type VectorFormat, vectorFormats } from '../engine/store/vector-codec.ts';

export interface VectorFormatRow {
  format: VectorFormat;
  quality: QualityReport['model'];
  /**
   * Bytes per 1,000 photos: the library file compacted (VACUUM INTO a copy: the data itself, not
   * pages freed by replaced snapshots), its vectors, its index snapshot.
   */
  per1000: { file: number; vectors: number; snapshot: number };
  /** Cosine between each photo's stored vector and its float32 vector (1: identical). */
  cosineToFloat32: { min: number; mean: number };
  /**
   * Pairs of photos that near-duplicate grouping would treat differently than with float32
   * vectors (one side of the threshold with float32, the other with this form), and how many
   * pairs float32 groups at all.
   */
  collapse: { changed: number; grouped: number; maxScoreChange: number };
  /**
   * Per-query change against float32 (this form − float32) in exact rankings of the stored
   * vectors by float32 query vectors: its mean, 95 % paired-bootstrap interval and the paired
   * permutation test's p-value; and the standard error of the float32 mean over the queries.
   */
  paired: Record<'ns' | 'map' | 'p10', PairedChange>;
}

export interface PairedChange {
  mean: number;
  ci: [number, number];
  pValue: number;
  /** How much the metric itself varies with the sample of queries (standard error of its mean). */
  sampleError: number;
}

export interface VectorFormatReport {
  dataset: string;
  images: number;
  rows: VectorFormatRow[];
  text: string;
}

interface LibraryFacts {
  images: number;
  /** Each live photo's content hash, by path. */
  hashOf: Map<string, string>;
  file: number;
  vectors: number;
  snapshot: number;
  byHash: Map<string, Float32Array>;
}

function readLibrary(file: string): LibraryFacts {
  const db = new BetterSqlite3(file);
  const compacted = `${file}.compacted`;
  try {
    db.prepare('VACUUM INTO ?').run(compacted);
    const one = <T>(sql: string): T => db.prepare(sql).get() as T;
    const rows = db.prepare('SELECT content_hash AS hash, vector FROM embeddings').all() as Array<{
      hash: string;
      vector: Buffer;
    }>;
    const paths = db
      .prepare("SELECT path, content_hash AS hash FROM images WHERE status = 'ok'")
      .all() as Array<{
      path: string;
      hash: string;
    }>;
    return {
      images: paths.length,
      hashOf: new Map(paths.map((r) => [r.path, r.hash])),
      file: statSync(compacted).size,
      vectors: one<{ n: number }>('SELECT COALESCE(SUM(length(vector)), 0) AS n FROM embeddings').n,
      snapshot: one<{ n: number }>('SELECT COALESCE(SUM(byte_length), 0) AS n FROM index_snapshots').n,
      byHash: new Map(rows.map((r) => [r.hash, decodeVector(r.vector)])),
    };
  } finally {
    db.close();
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

type PerQuery = Record<'ns' | 'map' | 'p10', number[]>;

/**
 * Each query's N-S, AP and P@10 (as the quality benchmark scores them) in an exact ranking of the
 * stored vectors by the query's float32 vector, as the search's exact re-scoring does.
 */
function exactScores(
  set: LabelledSet,
  hashOf: ReadonlyMap<string, string>,
  queries: ReadonlyMap<string, Float32Array>,
  stored: ReadonlyMap<string, Float32Array>,
): PerQuery {
  const out: PerQuery = { ns: [], map: [], p10: [] };
  const labelOf = new Map(set.paths.map((p, i) => [p, set.labels[i]!]));
  const candidates = set.paths.map((p) => ({ path: p, vector: stored.get(hashOf.get(p)!)! }));
  for (const q of set.paths) {
    const qv = queries.get(hashOf.get(q)!)!;
    const ranking = candidates
      .map((c) => ({ path: c.path, score: dot(qv, c.vector) }))
      .sort((a, b) => b.score - a.score || (a.path === q ? -1 : b.path === q ? 1 : 0))
      .map((c) => c.path);
    const label = labelOf.get(q);
    out.ns.push(ranking.slice(0, 4).filter((p) => labelOf.get(p) === label).length);
    const others = ranking.filter((p) => p !== q);
    const judgments = new Map(others.map((p) => [p, labelOf.get(p) === label ? 1 : 0]));
    out.map.push(averagePrecision(others, judgments));
    out.p10.push(precisionAt(others, judgments, 10));
  }
  return out;
}

function pairedChange(reference: number[], other: number[]): PairedChange {
  const boot = pairedBootstrap(reference, other, { iterations: 2000 });
  const m = meanOf(reference);
  const variance = reference.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, reference.length - 1);
  return {
    mean: boot.meanDifference,
    ci: boot.ci,
    pValue: pairedPermutationTest(reference, other, { iterations: 2000 }).pValue,
    sampleError: Math.sqrt(variance / reference.length),
  };
}

/**
 * Indexes a labelled set once per vector storage form, through the real engine (HNSW built from
 * the stored vectors, exact re-scoring on them), and reports quality, library size per 1,000
 * photos, and how far each form's vectors are from float32.
 */
export async function runVectorFormatBenchmark(opts: {
  datasetDir: string;
  engineConfig: Omit<EngineConfig, 'libraryPath'>;
  log?: (line: string) => void;
}): Promise<VectorFormatReport> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lookalike-vector-bench-'));
  try {
    const rows: VectorFormatRow[] = [];
    let reference: Map<string, Float32Array> | undefined;
    let referenceScores: PerQuery | undefined;
    const set = readLabelledSet(opts.datasetDir);
    let images = 0;
    for (const format of vectorFormats) {
      opts.log?.(`${format}:`);
      const libraryPath = path.join(tmp, `${format}.db`);
      const report = await runQualityBenchmark({
        datasetDir: opts.datasetDir,
        engineConfig: { ...opts.engineConfig, vectorFormat: format },
        libraryPath,
        ...(opts.log ? { log: opts.log } : {}),
      });
      const facts = readLibrary(libraryPath);
      images = facts.images;
      reference ??= facts.byHash;
      const scores = exactScores(set, facts.hashOf, reference, facts.byHash);
      referenceScores ??= scores;
      const paired = {
        ns: pairedChange(referenceScores.ns, scores.ns),
        map: pairedChange(referenceScores.map, scores.map),
        p10: pairedChange(referenceScores.p10, scores.p10),
      };
      const cosines = [...facts.byHash].map(([hash, v]) => cosine(v, reference!.get(hash)!));
      const per = (bytes: number): number => (bytes / facts.images) * 1000;
      const hashes = [...reference.keys()];
      let changed = 0;
      let grouped = 0;
      let maxScoreChange = 0;
      for (let i = 0; i < hashes.length; i++) {
        for (let j = i + 1; j < hashes.length; j++) {
          const was = dot(reference.get(hashes[i]!)!, reference.get(hashes[j]!)!);
          const is = dot(facts.byHash.get(hashes[i]!)!, facts.byHash.get(hashes[j]!)!);
          maxScoreChange = Math.max(maxScoreChange, Math.abs(is - was));
          const before = was >= DEFAULT_DUPLICATE_THRESHOLD;
          const now = is >= DEFAULT_DUPLICATE_THRESHOLD;
          if (before) grouped++;
          if (before !== now) changed++;
        }
      }
      rows.push({
        format,
        quality: report.model,
        per1000: { file: per(facts.file), vectors: per(facts.vectors), snapshot: per(facts.snapshot) },
        cosineToFloat32: {
          min: Math.min(...cosines),
          mean: cosines.reduce((s, c) => s + c, 0) / cosines.length,
        },
        collapse: { changed, grouped, maxScoreChange },
        paired,
      });
    }
    const mb = (b: number): string => (b / 2 ** 20).toFixed(2).padStart(6);
    const text = [
      `${path.basename(opts.datasetDir)}: ${images} photos; sizes per 1,000 photos (MiB)`,
      'format     N-S     mAP    P@10   library  vectors  snapshot  max 1-cos to f32  max pair score change  grouping changed',
      ...rows.map(
        (r) =>
          `${r.format.padEnd(8)} ${r.quality.ns.toFixed(3)}  ${r.quality.map.toFixed(3)}  ${r.quality.p10.toFixed(3)}` +
          `   ${mb(r.per1000.file)}   ${mb(r.per1000.vectors)}   ${mb(r.per1000.snapshot)}   ${(1 - r.cosineToFloat32.min).toExponential(1)}           ${r.collapse.maxScoreChange.toExponential(1)}               ${r.collapse.changed} of ${r.collapse.grouped} pairs`,
      ),
      '',
      'change against float32, per query (exact ranking of the stored vectors): mean [95 % CI] p; ± the metric’s own standard error',
      ...rows
        .filter((r) => r.format !== 'float32')
        .map(
          (r) =>
            `${r.format.padEnd(8)} ` +
            (['ns', 'map', 'p10'] as const)
              .map((k) => {
                const c = r.paired[k];
                const f = (x: number): string => (x >= 0 ? '+' : '') + x.toFixed(4);
                return `${k} ${f(c.mean)} [${f(c.ci[0])}, ${f(c.ci[1])}] p=${c.pValue.toFixed(2)} ±${c.sampleError.toFixed(3)}`;
              })
              .join('  '),
        ),
    ].join('\n');
    return { dataset: opts.datasetDir, images, rows, text };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
