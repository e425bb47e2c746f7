import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ComparisonReport,
  EvalProgress,
  EvalQueryInfo,
  EvalSetDetail,
  EvalSetSummary,
  GradingQueue,
  InterleavedSearch,
  InvarianceReport,
  RunReport,
  TrecExport,
  UndoResult,
} from '../../src/shared/evaluation-api.ts';
import { type BridgeFixture, imagePath, startBridgeFixture } from './bridge-fixture.ts';

let f: BridgeFixture;

beforeAll(async () => {
  f = await startBridgeFixture();
  await f.call('addFolder', { path: f.photos });
  await f.service.whenIdle();
}, 120_000);

afterAll(async () => {
  await f?.close();
});

/** POST /api/<method>; returns the parsed body after checking the status. */
async function call<T>(method: string, body: unknown, status = 200): Promise<T> {
  const res = await f.call(method, body);
  const json = (await res.json()) as unknown;
  expect(res.status, `${method}: ${JSON.stringify(json)}`).toBe(status);
  return json as T;
}

const A = { name: 'A', k: 4, collapse: false };
const B = { name: 'B', k: 6, ef: 10 };

describe('the evaluation workbench over HTTP', () => {
  let setId: number;
  let queries: EvalQueryInfo[];

  it('makes a set from library photos and an uploaded image, validating every request', async () => {
    const set = await call<EvalSetSummary>('evalCreateSet', { name: 'bridge set' });
    setId = set.id;
    const conflict = await call<{ error: { code: string; message: string } }>(
      'evalCreateSet',
      { name: 'bridge set' },
      409,
    );
    expect(conflict.error.message).toMatch(/already an evaluation set/);
    expect((await call<{ error: { code: string } }>('evalCreateSet', { name: '  ' }, 400)).error.code).toBe(
      'bad-request',
    );

    await call<EvalQueryInfo>('evalAddQuery', { setId, query: { kind: 'library', path: f.scene(0) } });
    await call<EvalQueryInfo>('evalAddQuery', {
      setId,
      query: { kind: 'library', path: f.scene(7) },
      crop: { x: 0.1, y: 0.1, width: 0.8, height: 0.8, unit: 'fraction' },
    });
    const bytes = await sharp(f.scene(3)).resize(320).jpeg({ quality: 75 }).toBuffer();
    const uploadRes = await fetch(`${f.server.origin}/api/uploadQuery`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${f.server.token}`,
        'content-type': 'application/octet-stream',
        'x-lookalike-params': encodeURIComponent(JSON.stringify({ name: 'phone shot.jpg' })),
      },
      body: bytes,
    });
    const { id } = (await uploadRes.json()) as { id: string };
    const external = await call<EvalQueryInfo>('evalAddQuery', { setId, query: { kind: 'upload', id } });
    expect(external).toMatchObject({ source: 'external', label: 'phone shot.jpg', path: null });
    // The external query can be shown by its upload id.
    expect((await f.get(`/api/image?upload=${external.uploadId}`)).status).toBe(200);

    // Photos outside the library's folders are never queries by path.
    const outside = await call<{ error: { code: string; message: string } }>(
      'evalAddQuery',
      { setId, query: { kind: 'library', path: path.join(f.outside, 'secret.jpg') } },
      404,
    );
    expect(outside.error.message).toMatch(/not an indexed photo/);
    await call('evalAddQuery', { setId, query: { kind: 'library', path: 'relative.jpg' } }, 400);
    await call('evalSet', { setId: 4242 }, 404);

    const detail = await call<EvalSetDetail>('evalSet', { setId });
    queries = detail.queries;
    expect(queries.map((q) => [q.qid, q.source])).toEqual([
      ['q1', 'library'],
      ['q2', 'library'],
      ['q3', 'external'],
    ]);
    expect(queries[1]!.crop).toEqual({ x: 0.1, y: 0.1, width: 0.8, height: 0.8, unit: 'fraction' });
    expect((await call<EvalSetSummary[]>('evalSets', {})).map((s) => s.name)).toContain('bridge set');
  });

  it('pools, grades blind with undo, and shows progress', async () => {
    const pooled = await call<{ added: number; progress: EvalProgress }>('evalPool', {
      setId,
      configurations: [A, B],
    });
    expect(pooled.progress.queries).toBe(3);
    expect(pooled.progress.pooled).toBe(pooled.added);
    await call('evalPool', { setId, configurations: [] }, 400);

    for (const q of queries) {
      const queue = await call<GradingQueue>('evalGradingQueue', { setId, queryId: q.id });
      expect(queue.items.length).toBeGreaterThanOrEqual(6);
      for (const item of queue.items) {
        expect(item).not.toHaveProperty('score');
        // Each candidate's thumbnail is served from the library.
        if (item === queue.items[0]) expect((await f.get(imagePath(item.path!))).status).toBe(200);
        // Scene 3's own file is the external query's same subject; scene numbers match for the others.
        const same = q.source === 'external' ? item.path === f.scene(3) : false;
        await call<EvalProgress>('evalGrade', {
          setId,
          queryId: q.id,
          docId: item.docId,
          grade: same ? 5 : 1,
        });
      }
    }
    const progress = await call<EvalProgress>('evalProgress', { setId });
    expect(progress).toMatchObject({ queries: 3, queriesDone: 3 });
    expect(progress.judged).toBe(progress.pooled);

    const queue = await call<GradingQueue>('evalGradingQueue', { setId, queryId: queries[0]!.id });
    const first = queue.items[0]!;
    await call('evalGrade', { setId, queryId: queries[0]!.id, docId: first.docId, grade: 7 }, 400);
    await call('evalGrade', { setId, queryId: queries[0]!.id, docId: first.docId, grade: 4 });
    const undone = await call<UndoResult>('evalUndo', { setId });
    expect(undone.undone).toEqual({ queryId: queries[0]!.id, docId: first.docId, restoredGrade: 1 });
  });

  it('scores and compares configurations, and exports TREC files that import back to the same numbers', async () => {
    const report = await call<RunReport>('evalMetrics', { setId, configuration: A, cutoffs: [1, 4] });
    expect(report.threshold).toBe(3);
    // Only the external query has a relevant photo (its source, grade 5), and it ranks first.
    const ext = report.perQuery.find((q) => q.qid === 'q3')!;
    expect(ext.measures).toMatchObject({ recip_rank: 1, map: 1, P_1: 1, P_4: 0.25 });
    expect(report.mean['recip_rank']).toBeCloseTo(1 / 3, 12);
    // At threshold 1 every graded photo is relevant.
    const lenient = await call<RunReport>('evalMetrics', {
      setId,
      configuration: A,
      threshold: 1,
      cutoffs: [4],
    });
    expect(lenient.mean['P_4']).toBe(1);

    const comparison = await call<ComparisonReport>('evalCompare', {
      setId,
      configurations: [A, B],
      cutoffs: [1, 4],
      iterations: 1000,
    });
    expect(comparison.reports).toHaveLength(2);
    expect(comparison.perQuery).toHaveLength(3);
    expect(comparison.metricVsK.map((s) => s.k.length)).toEqual([4, 4]);
    for (const s of comparison.significance) {
      expect(s.permutationP).toBeGreaterThan(0);
      expect(s.permutationP).toBeLessThanOrEqual(1);
      expect(s.bootstrapCi[0]).toBeLessThanOrEqual(s.bootstrapCi[1]);
    }
    await call('evalCompare', { setId, configurations: [A], cutoffs: [1] }, 400);

    const files = await call<TrecExport>('evalExportTrec', { setId });
    expect(files.runs.map((r) => r.name).sort()).toEqual(['A', 'B']);
    const imported = await call<EvalSetSummary>('evalImportTrec', {
      qrels: files.qrels,
      sidecar: files.sidecar,
      name: 'bridge copy',
    });
    const again = await call<RunReport>('evalMetrics', {
      setId: imported.id,
      configuration: A,
      cutoffs: [1, 4],
    });
    expect(again.mean).toEqual(report.mean);
    const bad = await call<{ error: { message: string } }>(
      'evalImportTrec',
      { qrels: 'x y', sidecar: files.sidecar },
      400,
    );
    expect(bad.error.message).toMatch(/qrels cannot be read/);

    expect((await call<{ deleted: boolean }>('evalDeleteSet', { setId: imported.id })).deleted).toBe(true);
    await call('evalSet', { setId: imported.id }, 404);
  });

  it('runs invariance tests and reports failures with viewable copies', async () => {
    const report = await call<InvarianceReport>('evalInvariance', {
      anchors: [f.scene(2), f.scene(8)],
      edits: ['jpeg', 'greyscale'],
    });
    expect(report.tests).toBe(4);
    expect(report.passThreshold).toBe(0.95);
    expect(report.byTest.find((t) => t.test === 'jpeg')).toEqual({ test: 'jpeg', tests: 2, passed: 2 });
    for (const failure of report.failures) {
      expect((await f.get(`/api/image?upload=${failure.copyUploadId}`)).status).toBe(200);
    }
    await call('evalInvariance', { anchors: [path.join(f.outside, 'secret.jpg')] }, 404);
    await call('evalInvariance', { anchors: [] }, 400);
  });

  it('logs impressions and clicks, and interleaves two configurations', async () => {
    const { impressionId } = await call<{ impressionId: number }>('evalLogImpression', {
      query: 'scene 0',
      results: [
        { path: f.scene(1), position: 1 },
        { path: f.scene(2), position: 2 },
      ],
    });
    await call('evalLogClick', { impressionId, position: 2, action: 'similar' });
    await call('evalLogClick', { impressionId, position: 2, action: 'dance' }, 400);
    await call('evalLogClick', { impressionId, position: 5, action: 'open' }, 404);
    // Every search from a window is logged too, and says under which impression.
    const searched = await call<{ impressionId: number; results: unknown[] }>('search', {
      query: { kind: 'library', path: f.scene(0) },
      k: 3,
    });
    expect(searched.results).toHaveLength(3);
    await call('evalLogClick', { impressionId: searched.impressionId, position: 1, action: 'open' });
    const ctr = await call<{ byPosition: Array<{ position: number; ctr: number }> }>('evalClickThrough', {});
    expect(ctr.byPosition).toEqual([
      { position: 1, impressions: 2, clicks: 1, ctr: 0.5 },
      { position: 2, impressions: 2, clicks: 1, ctr: 0.5 },
      { position: 3, impressions: 1, clicks: 0, ctr: 0 },
    ]);

    const merged = await call<InterleavedSearch>('evalInterleavedSearch', {
      query: { kind: 'library', path: f.scene(4) },
      a: { name: 'plain', collapse: false },
      b: { name: 'grouped' },
      k: 6,
      seed: 3,
    });
    expect(merged.results).toHaveLength(6);
    expect(merged.results.every((r) => r.team === 'A' || r.team === 'B')).toBe(true);
    const b = merged.results.findIndex((r) => r.team === 'B') + 1;
    await call('evalLogClick', { impressionId: merged.impressionId, position: b, action: 'open' });
    const report = await call<Array<{ a: string; b: string; winsB: number; pValue: number }>>(
      'evalInterleavingReport',
      {},
    );
    expect(report).toEqual([
      expect.objectContaining({ a: 'plain', b: 'grouped', winsA: 0, winsB: 1, ties: 0, pValue: 1 }),
    ]);
  });
});
