import { HnswIndex } from '../engine/index/hnsw-index.ts';
import { defaultIndexParams } from '../engine/index/index-params.ts';
import { openDatabase } from '../engine/store/database.ts';
import { EmbeddingRepository } from '../engine/store/embedding-repository.ts';
import { padWithPerturbedCopies } from './padded-vectors.ts';

export interface IndexParamRow {
  m: number;
  efConstruction: number;
  ef: number;
  buildSeconds: number;
  recallAt20: number;
  queryMs: number;
}

/**
 * Recall of the HNSW graph against exact search, build time and query time, for a grid of
 * parameters, on a library's real vectors padded with perturbed copies up to `size`.
 */
export function runIndexBenchmark(opts: {
  libraryPath: string;
  modelId: string;
  size: number;
  queries: number;
}): {
  rows: IndexParamRow[];
  text: string;
} {
  const db = openDatabase(opts.libraryPath, { readonly: true });
  const real = [...new EmbeddingRepository(db, opts.modelId).iterateLive()].map((r) => r.vector);
  db.close();
  const vectors = padWithPerturbedCopies(real, opts.size, 7);
  const dim = vectors[0]!.length;
  const queries = Array.from({ length: opts.queries }, (_, i) => vectors[(i * 7919) % vectors.length]!);
  const exact = queries.map((q) => {
    const scored = vectors.map((v, id) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += q[d]! * v[d]!;
      return { id, s };
    });
    scored.sort((a, b) => b.s - a.s);
    return new Set(scored.slice(0, 20).map((x) => x.id));
  });

  const rows: IndexParamRow[] = [];
  for (const m of [8, 16, 32]) {
    for (const efConstruction of [100, 200]) {
      const t0 = performance.now();
      const index = new HnswIndex(dim, { ...defaultIndexParams, m, efConstruction }, vectors.length);
      vectors.forEach((v, id) => index.upsertSync(id, v));
      const buildSeconds = (performance.now() - t0) / 1000;
      for (const ef of [16, 32, 64, 128, 256]) {
        index.setEfSync(ef);
        let hit = 0;
        const t1 = performance.now();
        queries.forEach((q, i) => {
          for (const r of index.searchSync(q, 20)) if (exact[i]!.has(r.id)) hit++;
        });
        const queryMs = (performance.now() - t1) / queries.length;
        rows.push({ m, efConstruction, ef, buildSeconds, recallAt20: hit / (20 * queries.length), queryMs });
      }
    }
  }
  const text = [
    `${opts.size} vectors (${real.length} real, the rest perturbed copies), ${dim}-d, ${opts.queries} queries, recall@20 vs exact`,
    '   M  efC    ef   build s   recall@20   ms/query',
    ...rows.map(
      (r) =>
        `${String(r.m).padStart(4)} ${String(r.efConstruction).padStart(4)} ${String(r.ef).padStart(5)}  ${r.buildSeconds.toFixed(2).padStart(8)}   ${r.recallAt20.toFixed(4).padStart(9)}   ${r.queryMs.toFixed(3).padStart(8)}`,
    ),
  ].join('\n');
  return { rows, text };
}
