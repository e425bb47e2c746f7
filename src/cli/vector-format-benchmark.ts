import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { EngineConfig } from '../engine/engine.ts';
import { type QualityReport, runQualityBenchmark } from '../engine/eval/quality-benchmark.ts';
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
  collapse: { changed: number; grouped: number };
}

export interface VectorFormatReport {
  dataset: string;
  images: number;
  rows: VectorFormatRow[];
  text: string;
}

interface LibraryFacts {
  images: number;
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
    return {
      images: one<{ n: number }>("SELECT COUNT(*) AS n FROM images WHERE status = 'ok'").n,
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
      const cosines = [...facts.byHash].map(([hash, v]) => cosine(v, reference!.get(hash)!));
      const per = (bytes: number): number => (bytes / facts.images) * 1000;
      const hashes = [...reference.keys()];
      let changed = 0;
      let grouped = 0;
      for (let i = 0; i < hashes.length; i++) {
        for (let j = i + 1; j < hashes.length; j++) {
          const before =
            dot(reference.get(hashes[i]!)!, reference.get(hashes[j]!)!) >= DEFAULT_DUPLICATE_THRESHOLD;
          const now =
            dot(facts.byHash.get(hashes[i]!)!, facts.byHash.get(hashes[j]!)!) >= DEFAULT_DUPLICATE_THRESHOLD;
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
        collapse: { changed, grouped },
      });
    }
    const mb = (b: number): string => (b / 2 ** 20).toFixed(2).padStart(6);
    const text = [
      `${path.basename(opts.datasetDir)}: ${images} photos; sizes per 1,000 photos (MiB)`,
      'format     N-S     mAP    P@10   library  vectors  snapshot  max 1-cos to f32  grouping changed',
      ...rows.map(
        (r) =>
          `${r.format.padEnd(8)} ${r.quality.ns.toFixed(3)}  ${r.quality.map.toFixed(3)}  ${r.quality.p10.toFixed(3)}` +
          `   ${mb(r.per1000.file)}   ${mb(r.per1000.vectors)}   ${mb(r.per1000.snapshot)}   ${(1 - r.cosineToFloat32.min).toExponential(1)}           ${r.collapse.changed} of ${r.collapse.grouped} pairs`,
      ),
    ].join('\n');
    return { dataset: opts.datasetDir, images, rows, text };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
