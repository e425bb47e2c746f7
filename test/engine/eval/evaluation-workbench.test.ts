import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { blindOrder } from '../../../src/engine/eval/blind-order.ts';
import { scoreTrecRun } from '../../../src/engine/eval/trec-eval-report.ts';
import { parseQrels, parseRun } from '../../../src/engine/eval/trec-format.ts';
import { probeImage } from '../../../src/engine/imaging/image-preview.ts';
import { toApiError } from '../../../src/engine/service/api-error-mapping.ts';
import { EvaluationService } from '../../../src/engine/service/evaluation-service.ts';
import { UploadedQueries } from '../../../src/engine/service/uploaded-queries.ts';
import { ApiError } from '../../../src/shared/api-errors.ts';
import { type SearchConfiguration, searchConfigurationSchema } from '../../../src/shared/evaluation-api.ts';
import { type EvaluationPhotos, writeEvaluationPhotos } from '../../fixtures/evaluation-library.ts';
import { makeTempDir, sceneSvg } from '../../fixtures/synthetic-photos.ts';
import { testEngineConfig } from '../../fixtures/test-engine.ts';

const tmp = makeTempDir('lookalike-eval-');
let photos: EvaluationPhotos;
let engine: Engine;
let uploads: UploadedQueries;
let service: EvaluationService;

const config = (c: Partial<SearchConfiguration> & { name: string }): SearchConfiguration =>
  searchConfigurationSchema.parse(c);
const A = config({ name: 'A', k: 5, collapse: false });
const B = config({ name: 'B', k: 8, collapse: true, ef: 16 });
const hashOf = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  photos = await writeEvaluationPhotos(path.join(tmp.dir, 'photos'), { scenes: 12, variants: 4 });
  engine = Engine.open(testEngineConfig(path.join(tmp.dir, 'library.db'), { inferenceThreads: 2 }));
  await engine.indexFolders([photos.folder]);
  uploads = new UploadedQueries();
  service = new EvaluationService({ engine, uploads, absolute: (p) => path.resolve(p) });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  tmp.cleanup();
});

/** The error as a window would see it (the service's typed errors through the one mapping). */
async function expectApiError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const raw = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(raw).toBeDefined();
  const err = toApiError(raw, () => {});
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
  expect((err as ApiError).message).toMatch(message);
}

/** Grades every candidate: the same subject 5, anything else 0. */
async function gradeAll(
  setId: number,
  sameSubject: (queryLabel: string, path: string) => boolean,
): Promise<void> {
  const set = await service.evalSet({ setId });
  for (const q of set.queries) {
    const queue = await service.evalGradingQueue({ setId, queryId: q.id });
    for (const item of queue.items) {
      const g = item.path && sameSubject(q.path ?? q.label, item.path) ? 5 : 0;
      await service.evalGrade({ setId, queryId: q.id, docId: item.docId, grade: g });
    }
  }
}

/** Same subject: the same scene number (the external query is a new rendering of scene 3). */
const sameScene = (query: string, result: string): boolean => {
  const scene = (p: string): string => (p === 'from-camera.jpg' ? 'scene-03' : path.basename(p).slice(0, 8));
  return scene(query) === scene(result);
};

describe('evaluation sets, pooling and grading', () => {
  let setId: number;

  it('makes a set of library and external queries, and refuses what cannot be a query', async () => {
    const set = await service.evalCreateSet({ name: 'scenes' });
    setId = set.id;
    expect(set.progress).toEqual({ queries: 0, queriesDone: 0, pooled: 0, judged: 0 });
    await expect(service.evalCreateSet({ name: 'scenes' })).rejects.toThrow(/already an evaluation set/);

    for (const n of [0, 1, 2]) {
      await service.evalAddQuery({ setId, query: { kind: 'library', path: photos.scene(n) } });
    }
    // An image from elsewhere (not in the library), cropped: kept in the library by content.
    const external = await sharp(Buffer.from(sceneSvg(5003, 640, 480)))
      .jpeg({ quality: 85 })
      .toBuffer();
    const upload = uploads.add(external, 'from-camera.jpg', await probeImage(external));
    const q = await service.evalAddQuery({
      setId,
      query: { kind: 'upload', id: upload.id },
      crop: { x: 0, y: 0, width: 0.9, height: 0.9, unit: 'fraction' },
    });
    expect(q).toMatchObject({ qid: 'q4', source: 'external', path: null, label: 'from-camera.jpg' });
    expect(q.contentHash).toBe(createHash('sha256').update(external).digest('hex'));
    // Shown to windows from the workbench's own store: the person's uploads are left alone.
    expect(service.shownImage(q.uploadId!)?.bytes.equals(external)).toBe(true);
    expect(uploads.get(q.uploadId!)).toBeUndefined();
    // Listing the set shows it under the same id, without reading the stored image again.
    const readImage = vi.spyOn(engine.evaluationStore().sets, 'getQueryImage');
    const listed = await service.evalSet({ setId });
    expect(listed.queries.find((x) => x.id === q.id)?.uploadId).toBe(q.uploadId);
    expect(readImage).not.toHaveBeenCalled();
    readImage.mockRestore();

    await expectApiError(
      service.evalAddQuery({ setId, query: { kind: 'library', path: path.join(tmp.dir, 'nope.jpg') } }),
      'not-found',
      /not an indexed photo/,
    );
    await expect(
      service.evalAddQuery({
        setId,
        query: { kind: 'library', path: photos.scene(3) },
        crop: { x: 700, y: 0, width: 10, height: 10, unit: 'px' },
      }),
    ).rejects.toThrow(/outside/);
    await expectApiError(service.evalSet({ setId: 999 }), 'not-found', /no evaluation set 999/);
    await expectApiError(
      service.evalAddQuery({ setId, query: { kind: 'library', path: photos.scene(1) } }),
      'conflict',
      /already query q2/,
    );
    expect((await service.evalSet({ setId })).queries.map((x) => x.qid)).toEqual(['q1', 'q2', 'q3', 'q4']);
  });

  it('pools the union of the configurations’ top k, never the query itself, shown in a stable blind order', async () => {
    const searched = vi.spyOn(engine, 'searchByImageBytes');
    const pooled = await service.evalPool({ setId, configurations: [A, B] });
    expect(pooled.failures).toEqual([]);
    const set = await service.evalSet({ setId });
    // Each query photo is read once and both configurations search with that same object: the
    // engine keeps a photo's embedding with it, so the second configuration embeds nothing.
    expect(searched).toHaveBeenCalledTimes(2 * set.queries.length);
    const bytesByQuery = new Map<string | undefined, Set<Uint8Array>>();
    for (const [bytes, request] of searched.mock.calls) {
      const seen = bytesByQuery.get(request?.label) ?? new Set();
      bytesByQuery.set(request?.label, seen.add(bytes));
    }
    expect([...bytesByQuery.values()].map((s) => s.size)).toEqual(set.queries.map(() => 1));
    searched.mockRestore();
    for (const q of set.queries) {
      // Between max(k) and the sum of both k (the lists overlap).
      expect(q.pooled).toBeGreaterThanOrEqual(8);
      expect(q.pooled).toBeLessThanOrEqual(13);
      const queue = await service.evalGradingQueue({ setId, queryId: q.id });
      expect(queue.items).toHaveLength(q.pooled);
      expect(queue.items.map((i) => i.docId)).not.toContain(q.contentHash);
      // No scores or ranks travel to the grading screen.
      for (const item of queue.items)
        expect(Object.keys(item).sort()).toEqual(['docId', 'grade', 'height', 'path', 'width']);
      const expected = blindOrder(
        q.id,
        queue.items.map((i) => ({ contentHash: i.docId })),
      );
      expect(queue.items.map((i) => i.docId)).toEqual(expected.map((e) => e.contentHash));
      expect((await service.evalGradingQueue({ setId, queryId: q.id })).items).toEqual(queue.items);
    }
    expect(pooled.added).toBe(set.progress.pooled);
    // Pooling again adds nothing new.
    expect((await service.evalPool({ setId, configurations: [A] })).added).toBe(0);
    await expectApiError(service.evalPool({ setId, configurations: [A, A] }), 'bad-request', /own name/);
  });

  it('grades, takes grades back one by one, and tracks progress per query and per set', async () => {
    const first = await service.evalGradingQueue({ setId });
    expect(first.query?.qid).toBe('q1');
    const [x, y] = first.items;
    const queryId = first.query!.id;
    await service.evalGrade({ setId, queryId, docId: x!.docId, grade: 2 });
    await service.evalGrade({ setId, queryId, docId: x!.docId, grade: 4 });
    const progress = await service.evalGrade({ setId, queryId, docId: y!.docId, grade: 0 });
    expect(progress.judged).toBe(2);

    let undo = await service.evalUndo({ setId });
    expect(undo.undone).toEqual({ queryId, docId: y!.docId, restoredGrade: null });
    undo = await service.evalUndo({ setId });
    expect(undo.undone?.restoredGrade).toBe(2);
    const gradeOfX = async (): Promise<number | null> =>
      (await service.evalGradingQueue({ setId, queryId })).items.find((i) => i.docId === x!.docId)!.grade;
    expect(await gradeOfX()).toBe(2);
    undo = await service.evalUndo({ setId });
    expect(undo.undone?.restoredGrade).toBeNull();
    expect(await gradeOfX()).toBeNull();
    expect((await service.evalUndo({ setId })).undone).toBeNull();

    await expectApiError(
      service.evalGrade({ setId, queryId, docId: hashOf(photos.scene(0)), grade: 3 }),
      'bad-request',
      /not among the candidates/,
    );

    await gradeAll(setId, sameScene);
    const done = await service.evalProgress({ setId });
    expect(done).toMatchObject({ queries: 4, queriesDone: 4 });
    expect(done.judged).toBe(done.pooled);
    // With everything graded, the queue says so by returning the first query, all graded.
    const after = await service.evalGradingQueue({ setId });
    expect(after.items.every((i) => i.grade !== null)).toBe(true);
  });

  it('keeps grades when a graded photo is renamed (they belong to its content)', async () => {
    const q1 = (await service.evalSet({ setId })).queries[0]!;
    const before = await service.evalGradingQueue({ setId, queryId: q1.id });
    const variantHash = hashOf(photos.variant(0));
    expect(before.items.find((i) => i.docId === variantHash)?.grade).toBe(5);
    const renamed = path.join(photos.folder, 'renamed-copy.jpg');
    renameSync(photos.variant(0), renamed);
    await engine.updateFiles([photos.variant(0), renamed]);
    const after = await service.evalGradingQueue({ setId, queryId: q1.id });
    expect(after.items.find((i) => i.docId === variantHash)).toMatchObject({ path: renamed, grade: 5 });
    renameSync(renamed, photos.variant(0));
    await engine.updateFiles([renamed, photos.variant(0)]);
  });

  it('scores a configuration: the same-subject copy ranks first, and unjudged results are counted and reported', async () => {
    const report = await service.evalMetrics({ setId, configuration: A, threshold: 3, cutoffs: [1, 5] });
    expect(report.perQuery.map((q) => q.qid)).toEqual(['q1', 'q2', 'q3', 'q4']);
    for (const q of report.perQuery) {
      // q1–q3 have one relevant photo (the copy), q4 two (scene 3 and its copy), found first.
      const relevant = q.qid === 'q4' ? 2 : 1;
      expect(q.measures).toMatchObject({
        recip_rank: 1,
        map: 1,
        P_1: 1,
        recall_5: 1,
        ndcg_cut_5: 1,
        num_rel: relevant,
      });
      expect(q.measures['P_5']).toBeCloseTo(relevant / 5, 12);
      expect(q.unjudged).toEqual({ 1: 0, 5: 0 });
    }
    expect(report.mean).toMatchObject({ recip_rank: 1, map: 1, num_q: 4, num_rel: 5 });

    // Searching deeper than the pool: results past the graded ones are unjudged, and count as not relevant.
    const deep = await service.evalMetrics({
      setId,
      configuration: config({ name: 'deep', k: 11, collapse: false }),
      threshold: 3,
      cutoffs: [11],
    });
    const files = await service.evalExportTrec({ setId });
    const qrels = parseQrels(files.qrels);
    const run = parseRun(files.runs.find((r) => r.name === 'deep')!.text);
    for (const q of deep.perQuery) {
      const top = run.filter((e) => e.queryId === q.qid).map((e) => e.docId);
      expect(top).toHaveLength(11);
      const unjudged = top.filter((d) => !qrels.get(q.qid)!.has(d)).length;
      expect(q.unjudged['11']).toBeCloseTo(unjudged / 11, 12);
      expect(q.measures['P_11']).toBeCloseTo((q.qid === 'q4' ? 2 : 1) / 11, 12);
    }
    // The pool holds at most 13 of the 15 other photos, so some of the top 11 are unjudged.
    expect(deep.unjudged['11']).toBeGreaterThan(0);
  });

  it('searches with each query’s crop, or with the whole photo when a configuration ignores crops', async () => {
    for (const crop of ['use', 'ignore'] as const) {
      await service.evalMetrics({
        setId,
        configuration: config({ name: `crop-${crop}`, crop, k: 5 }),
        threshold: 3,
        cutoffs: [5],
      });
    }
    const { runs } = await service.evalExportTrec({ setId });
    const topScore = (name: string, qid: string): number =>
      parseRun(runs.find((r) => r.name === name)!.text).find((e) => e.queryId === qid)!.score;
    // q1 has no crop: the same search either way. q4 is cropped: another query vector, other scores.
    expect(topScore('crop-use', 'q1')).toBe(topScore('crop-ignore', 'q1'));
    expect(topScore('crop-use', 'q4')).not.toBe(topScore('crop-ignore', 'q4'));
  });

  it('compares configurations: table, per-query deltas, metric vs k, and significance', async () => {
    const same = config({ name: 'A2', k: 5, collapse: false });
    const strict = await service.evalCompare({
      setId,
      configurations: [A, same, config({ name: 'short', k: 1, collapse: false })],
      threshold: 3,
      cutoffs: [1, 5],
      measure: 'P_5',
      seed: 1,
      iterations: 2000,
    });
    expect(strict.reports.map((r) => r.configuration.name)).toEqual(['A', 'A2', 'short']);
    expect(strict.measures).toContain('ndcg_cut_5');
    for (const row of strict.perQuery) {
      expect(row.values[0]).toBeCloseTo(row.qid === 'q4' ? 0.4 : 0.2, 12);
      expect(row.deltas[0]).toBe(0);
    }
    const versusSame = strict.significance.filter((s) => s.other === 'A2');
    for (const s of versusSame) {
      expect(s).toMatchObject({ meanDifference: 0, permutationP: 1, bootstrapP: 1, ties: 4 });
    }
    // One result per query loses only q4's second relevant photo: recall@5 drops by 0.5 on one query
    // of four. Flipping the sign of the only non-zero difference cannot change |mean|, so p = 1.
    const recall = strict.significance.find((s) => s.other === 'short' && s.measure === 'recall_5')!;
    expect(recall).toMatchObject({ meanDifference: -0.125, permutationP: 1, wins: 0, losses: 1, ties: 3 });
    const series = strict.metricVsK.find((m) => m.configuration === 'A')!;
    expect(series.k).toEqual([1, 2, 3, 4, 5]);
    // Mean P@k: q1–q3 have 1/k, q4 has 2/k from k = 2.
    [1, 5 / 8, 5 / 12, 5 / 16, 1 / 4].forEach((p, i) => expect(series.P[i]).toBeCloseTo(p, 12));
    expect(series.recall[0]).toBeCloseTo(7 / 8, 12);
    expect(series.recall[4]).toBe(1);

    // A model that is not installed cannot answer: the whole run is refused, saying why.
    await expectApiError(
      service.evalMetrics({
        setId,
        configuration: config({ name: 'other', model: 'not-installed' }),
        threshold: 3,
        cutoffs: [5],
      }),
      'bad-request',
      /not-installed.*not installed/,
    );
    await expectApiError(
      service.evalCompare({
        setId,
        configurations: [A, B],
        threshold: 3,
        cutoffs: [5],
        measure: 'P_7',
        seed: 1,
        iterations: 1000,
      }),
      'bad-request',
      /not one of the reported measures/,
    );
  });

  it('exports TREC files whose numbers trec_eval-style scoring reproduces, and imports them back', async () => {
    const report = await service.evalMetrics({ setId, configuration: B, threshold: 3, cutoffs: [5, 10] });
    const files = await service.evalExportTrec({ setId });
    const qrels = parseQrels(files.qrels);
    expect([...qrels.keys()]).toEqual(['q1', 'q2', 'q3', 'q4']);
    for (const judged of qrels.values())
      for (const doc of judged.keys()) expect(doc).toMatch(/^[0-9a-f]{64}$/);
    const runB = files.runs.find((r) => r.name === 'B')!;
    expect(parseRun(runB.text).length).toBeGreaterThan(0);
    const scored = scoreTrecRun(files.qrels, runB.text, { relevanceLevel: 3 });
    for (const m of ['map', 'recip_rank', 'P_5', 'P_10', 'recall_10', 'ndcg', 'ndcg_cut_10']) {
      expect(scored.all[m], m).toBeCloseTo(report.mean[m]!, 12);
    }
    const sidecar = JSON.parse(files.sidecar) as { queries: Array<{ path: string | null; image?: unknown }> };
    expect(sidecar.queries[0]!.path).toBe(photos.scene(0));
    expect(sidecar.queries[3]!.image).toBeDefined();

    const imported = await service.evalImportTrec({
      qrels: files.qrels,
      sidecar: files.sidecar,
      name: 'scenes again',
    });
    expect(imported.progress).toMatchObject({
      queries: 4,
      judged: (await service.evalProgress({ setId })).judged,
    });
    const again = await service.evalMetrics({
      setId: imported.id,
      configuration: B,
      threshold: 3,
      cutoffs: [5, 10],
    });
    expect(again.mean).toEqual(report.mean);

    // Bad files change nothing.
    const setsBefore = (await service.evalSets()).length;
    await expectApiError(
      service.evalImportTrec({ qrels: 'q9 0 abc 1\n', sidecar: files.sidecar, name: 'broken' }),
      'bad-request',
      /does not list/,
    );
    await expectApiError(
      service.evalImportTrec({ qrels: files.qrels, sidecar: '{"format": "other"}', name: 'broken' }),
      'bad-request',
      /sidecar is not valid/,
    );
    await expectApiError(
      service.evalImportTrec({
        qrels: files.qrels,
        sidecar: files.sidecar.replace(/"base64": "./, '"base64": "A'),
        name: 'broken',
      }),
      'bad-request',
      /damaged/,
    );
    expect((await service.evalSets()).length).toBe(setsBefore);
  });

  it('runs invariance tests on edited copies written outside the library, and checks curator triplets', async () => {
    await service.evalAddTriplet({
      setId,
      anchor: photos.scene(1),
      same: photos.variant(1),
      different: photos.scene(9),
    });
    // Marked the wrong way round: it must fail, with both similarities reported.
    await service.evalAddTriplet({
      setId,
      anchor: photos.scene(2),
      same: photos.scene(10),
      different: photos.variant(2),
    });
    expect(await service.evalTriplets({ setId })).toHaveLength(2);

    const report = await service.evalInvariance({
      anchors: [photos.scene(4), photos.scene(5)],
      setId,
      edits: ['flip', 'greyscale', 'jpeg', 'text'],
      passThreshold: 0.95,
    });
    expect(report.tests).toBe(2 * 4 + 2);
    expect(report.failures).toHaveLength(report.tests - report.passed);
    expect(report.passRate).toBeCloseTo(report.passed / report.tests, 12);
    expect(report.ok).toBe(false);
    expect(report.byTest.find((t) => t.test === 'triplet')).toEqual({ test: 'triplet', tests: 2, passed: 1 });
    const triplet = report.failures.find((f) => f.kind === 'triplet')!;
    expect(triplet).toMatchObject({
      anchor: photos.scene(2),
      same: photos.scene(10),
      different: photos.variant(2),
    });
    expect(triplet.simDifferent!).toBeGreaterThan(triplet.simSame!);
    // A heavy JPEG of a photo still finds it first.
    expect(report.byTest.find((t) => t.test === 'jpeg')).toEqual({ test: 'jpeg', tests: 2, passed: 2 });
    expect(report.copiesDir).not.toBeNull();
    expect(report.copiesDir!.startsWith(photos.folder)).toBe(false);
    for (const f of report.failures.filter((x) => x.kind === 'edit')) {
      expect(existsSync(f.copy!)).toBe(true);
      expect(service.shownImage(f.copyUploadId!)).toBeDefined();
    }
    expect(existsSync(path.join(report.copiesDir!, '001-scene-04-flip.jpg'))).toBe(true);
    await expectApiError(
      service.evalAddTriplet({
        setId,
        anchor: photos.scene(1),
        same: photos.scene(1),
        different: photos.scene(9),
      }),
      'bad-request',
      /three different photos/,
    );
  }, 60_000);
});

describe('photos that go away', () => {
  it('reports a query whose photo left the library and runs the others; removing the query drops its grades', async () => {
    const { id: setId } = await service.evalCreateSet({ name: 'vanishing' });
    const doomed = path.join(photos.folder, 'doomed.jpg');
    // Scene 6 re-encoded: another photo of the library, with its own identity.
    await sharp(photos.scene(6)).jpeg({ quality: 60 }).toFile(doomed);
    await engine.updateFiles([doomed]);
    const keep = await service.evalAddQuery({ setId, query: { kind: 'library', path: photos.scene(7) } });
    const gone = await service.evalAddQuery({ setId, query: { kind: 'library', path: doomed } });
    await service.evalPool({ setId, configurations: [A] });
    const queue = await service.evalGradingQueue({ setId, queryId: gone.id });
    await service.evalGrade({ setId, queryId: gone.id, docId: queue.items[0]!.docId, grade: 4 });
    await service.evalGrade({
      setId,
      queryId: keep.id,
      docId: (await service.evalGradingQueue({ setId, queryId: keep.id })).items[0]!.docId,
      grade: 4,
    });

    unlinkSync(doomed);
    await engine.updateFiles([doomed]);
    const report = await service.evalMetrics({ setId, configuration: A, threshold: 3, cutoffs: [5] });
    expect(report.perQuery.map((q) => q.queryId)).toEqual([keep.id]);
    expect(report.failures).toEqual([
      { queryId: gone.id, message: expect.stringMatching(/q2 .*doomed\.jpg.* no longer in the library/) },
    ]);

    expect(await service.evalRemoveQuery({ setId, queryId: gone.id })).toEqual({ removed: true });
    expect((await service.evalProgress({ setId })).judged).toBe(1);
    // Its undo history went with it: undo reaches the other query's grade.
    expect((await service.evalUndo({ setId })).undone?.queryId).toBe(keep.id);
    expect((await service.evalUndo({ setId })).undone).toBeNull();
  });
});

describe('online signals', () => {
  it('logs impressions and clicks, and reports click-through by position', async () => {
    const shown = [photos.scene(0), photos.scene(1), photos.scene(2)].map((p, i) => ({
      path: p,
      position: i + 1,
    }));
    const { impressionId: first } = await service.evalLogImpression({
      query: 'q',
      configuration: 'default',
      results: shown,
    });
    const { impressionId: second } = await service.evalLogImpression({
      query: 'q',
      configuration: 'default',
      results: shown,
    });
    await service.evalLogClick({ impressionId: first, position: 1, action: 'open' });
    await service.evalLogClick({ impressionId: first, position: 1, action: 'reveal' });
    await service.evalLogClick({ impressionId: second, position: 3, action: 'similar' });
    const ctr = await service.evalClickThrough({ maxPosition: 20 });
    expect(ctr.impressions).toBe(2);
    expect(ctr.clicks).toBe(3);
    expect(ctr.byAction).toEqual({ open: 1, reveal: 1, similar: 1 });
    expect(ctr.byPosition).toEqual([
      { position: 1, impressions: 2, clicks: 1, ctr: 0.5 },
      { position: 2, impressions: 2, clicks: 0, ctr: 0 },
      { position: 3, impressions: 2, clicks: 1, ctr: 0.5 },
    ]);
    await expectApiError(
      service.evalLogClick({ impressionId: first, position: 9, action: 'open' }),
      'not-found',
      /nothing at position 9/,
    );
    await expectApiError(
      service.evalLogClick({ impressionId: 12345, position: 1, action: 'open' }),
      'not-found',
      /no logged search/,
    );
  });

  it('interleaves two configurations by team draft and credits clicks to the contributing team', async () => {
    const wide = config({ name: 'wide', k: 10, collapse: false });
    const narrow = config({ name: 'narrow', k: 10, collapse: true });
    for (let i = 0; i < 3; i++) {
      const merged = await service.evalInterleavedSearch({
        query: { kind: 'library', path: photos.scene(i) },
        a: wide,
        b: narrow,
        k: 6,
        seed: i,
      });
      expect(merged.results).toHaveLength(6);
      expect(new Set(merged.results.map((r) => r.path)).size).toBe(6);
      const teamA = merged.results.filter((r) => r.team === 'A').length;
      expect(Math.abs(teamA - 3)).toBeLessThanOrEqual(1);
      // Each search, the person opens the first result team A contributed.
      const position = merged.results.findIndex((r) => r.team === 'A') + 1;
      await service.evalLogClick({ impressionId: merged.impressionId, position, action: 'open' });
    }
    const [pair] = await service.evalInterleavingReport();
    expect(pair).toEqual({
      a: 'wide',
      b: 'narrow',
      searches: 3,
      withClicks: 3,
      winsA: 3,
      winsB: 0,
      ties: 0,
      pValue: 0.25,
    });
    await expectApiError(
      service.evalInterleavedSearch({
        query: { kind: 'library', path: photos.scene(0) },
        a: wide,
        b: wide,
        k: 5,
      }),
      'bad-request',
      /different names/,
    );
  });
});
