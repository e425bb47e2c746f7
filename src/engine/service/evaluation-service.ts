import path from 'node:path';
import type { z } from 'zod';
import { ApiError } from '../../shared/api-errors.ts';
import {
  type EvalProgress,
  type EvalQueryInfo,
  type EvaluationHandlers,
  type EvaluationMethodName,
  type EvaluationResults,
  type evaluationMethods,
  type RunReport,
  type SearchConfiguration,
  searchConfigurationSchema,
} from '../../shared/evaluation-api.ts';
import type { SearchResponse } from '../../shared/library-api.ts';
import { blindOrder } from '../eval/blind-order.ts';
import { runInvarianceTests, type InvarianceAnchor, type TripletCase } from '../eval/invariance-test.ts';
import { type EvaluationSearchEngine, QueryRunner } from '../eval/query-runner.ts';
import { SearchSignals } from '../eval/search-signals.ts';
import { answered, SetRuns } from '../eval/set-runs.ts';
import { exportSet, importSet } from '../eval/trec-exchange.ts';
import { resolveCrop } from '../imaging/crop-region.ts';
import { probeImage } from '../imaging/image-preview.ts';
import { dot } from '../search/duplicate-collapse.ts';
import type { EvalQueryRow, EvalSetRow } from '../store/evaluation-set-repository.ts';
import type { EvaluationStore } from '../store/evaluation-store.ts';
import type { IdentifiedImage } from '../store/image-identity-repository.ts';
import { EvaluationPhotos } from './evaluation-photos.ts';
import type { StoredQuery, UploadedQueries } from './uploaded-queries.ts';

/** What the workbench needs from the engine (Engine implements it). */
export interface EvaluationEngine extends EvaluationSearchEngine {
  evaluationStore(): EvaluationStore;
  /** The active model's embedding of an image (L2-normalised: a dot product is the cosine). */
  embedImageBytes(bytes: Uint8Array): Promise<Float32Array>;
}

export interface EvaluationServiceDeps {
  engine: EvaluationEngine;
  uploads: UploadedQueries;
  /** An absolute, normalised path from what the person typed (throws ApiError when it is not). */
  absolute: (typed: string) => string;
}

type Req<M extends EvaluationMethodName> = z.output<(typeof evaluationMethods)[M]['request']>;

const DEFAULT_CONFIGURATION: SearchConfiguration = searchConfigurationSchema.parse({ name: 'default' });
/** Invariance asks "is the original first?": every near-duplicate must stay visible for that. */
const INVARIANCE_CONFIGURATION: SearchConfiguration = searchConfigurationSchema.parse({
  name: 'invariance',
  collapse: false,
  crop: 'ignore',
  k: 10,
});

/**
 * The evaluation workbench behind the API: sets and their queries, blind pooling and grading with
 * undo, metrics, comparisons with significance, TREC exchange, invariance tests and online
 * signals. Errors a person can act on are ApiErrors; the caller maps the rest.
 */
export class EvaluationService implements EvaluationHandlers {
  private readonly deps: EvaluationServiceDeps;
  private readonly store: EvaluationStore;
  private readonly runner: QueryRunner;
  private readonly signals: SearchSignals;
  private readonly runs: SetRuns;
  private readonly photos: EvaluationPhotos;

  constructor(deps: EvaluationServiceDeps) {
    this.deps = deps;
    this.store = deps.engine.evaluationStore();
    this.photos = new EvaluationPhotos({
      identity: this.store.identity,
      uploads: deps.uploads,
      absolute: deps.absolute,
    });
    this.runner = new QueryRunner({
      engine: deps.engine,
      sets: this.store.sets,
      identity: this.store.identity,
    });
    this.runs = new SetRuns({
      store: this.store,
      runner: this.runner,
      activeModel: () => deps.engine.activeModelId(),
    });
    this.signals = new SearchSignals({
      interactions: this.store.interactions,
      identity: this.store.identity,
      runner: this.runner,
    });
  }

  async evalSets(): Promise<EvaluationResults['evalSets']> {
    return this.store.sets.listSets().map((s) => this.summary(s));
  }

  async evalCreateSet({ name }: Req<'evalCreateSet'>): Promise<EvaluationResults['evalCreateSet']> {
    return this.summary(this.store.sets.createSet(name));
  }

  async evalDeleteSet({ setId }: Req<'evalDeleteSet'>): Promise<EvaluationResults['evalDeleteSet']> {
    return { deleted: this.store.sets.deleteSet(setId) };
  }

  async evalSet({ setId }: Req<'evalSet'>): Promise<EvaluationResults['evalSet']> {
    const set = this.set(setId);
    return { ...this.summary(set), queries: this.queryInfos(setId) };
  }

  async evalAddQuery({
    setId,
    query,
    crop,
  }: Req<'evalAddQuery'>): Promise<EvaluationResults['evalAddQuery']> {
    this.set(setId);
    const image = await this.photos.queryImage(query);
    if (crop) resolveCrop(crop, image.width, image.height);
    const same = this.store.sets
      .queries(setId)
      .find(
        (q) => q.contentHash === image.contentHash && JSON.stringify(q.crop) === JSON.stringify(crop ?? null),
      );
    if (same) throw new ApiError('conflict', `That photo is already query ${same.qid} of this set`);
    if (image.source === 'external') {
      this.store.sets.putQueryImage({
        contentHash: image.contentHash,
        name: image.label,
        bytes: image.bytes!,
        width: image.width,
        height: image.height,
        format: image.format,
      });
    }
    const row = this.store.sets.addQuery({
      setId,
      source: image.source,
      contentHash: image.contentHash,
      label: image.label,
      path: image.path,
      crop: crop ?? null,
    });
    return this.queryInfo(row, { pooled: 0, judged: 0 });
  }

  async evalRemoveQuery({
    setId,
    queryId,
  }: Req<'evalRemoveQuery'>): Promise<EvaluationResults['evalRemoveQuery']> {
    this.set(setId);
    return { removed: this.store.sets.removeQuery(setId, queryId) };
  }

  async evalPool({
    setId,
    configurations,
    queryIds,
  }: Req<'evalPool'>): Promise<EvaluationResults['evalPool']> {
    this.set(setId);
    this.checkDistinctNames(configurations);
    const wanted = queryIds ? new Set(queryIds) : undefined;
    const queries = this.store.sets.queries(setId).filter((q) => !wanted || wanted.has(q.id));
    let added = 0;
    const failures: Array<{ queryId: number; message: string }> = [];
    for (const run of await this.runs.runAll(queries, configurations)) {
      const { config, rankings, failures: failed } = answered(run);
      for (const f of failed) if (!failures.some((x) => x.queryId === f.queryId)) failures.push(f);
      for (const [queryId, results] of rankings) {
        added += this.store.judgments.addToPool(
          queryId,
          results.map((r) => ({ contentHash: r.contentHash, path: r.path })),
        );
      }
      this.runs.save(setId, config, rankings);
    }
    return { added, progress: this.progress(setId), failures };
  }

  async evalGradingQueue({
    setId,
    queryId,
  }: Req<'evalGradingQueue'>): Promise<EvaluationResults['evalGradingQueue']> {
    this.set(setId);
    const progress = this.store.judgments.progress(setId);
    const targetId =
      queryId ??
      (progress.find((p) => p.pooled > p.judged) ?? progress.find((p) => p.pooled > 0) ?? progress[0])
        ?.queryId;
    const row = targetId === undefined ? undefined : this.store.sets.getQuery(setId, targetId);
    if (queryId !== undefined && !row) throw new ApiError('not-found', `Query ${queryId} is not in this set`);
    if (!row) return { query: null, items: [], progress: this.progress(setId, progress) };
    const pool = blindOrder(row.id, this.store.judgments.pool(row.id));
    const grades = this.store.judgments.judgments(row.id);
    const here = this.store.identity.byHashes(pool.map((p) => p.contentHash));
    const counts = progress.find((p) => p.queryId === row.id) ?? { pooled: 0, judged: 0 };
    return {
      query: this.queryInfo(row, counts),
      items: pool.map((p) => {
        const found = here.get(p.contentHash);
        return {
          docId: p.contentHash,
          path: found?.path ?? null,
          width: found?.width ?? null,
          height: found?.height ?? null,
          grade: grades.get(p.contentHash) ?? null,
        };
      }),
      progress: this.progress(setId, progress),
    };
  }

  async evalGrade({
    setId,
    queryId,
    docId,
    grade,
  }: Req<'evalGrade'>): Promise<EvaluationResults['evalGrade']> {
    this.query(setId, queryId);
    if (!this.store.judgments.pool(queryId).some((p) => p.contentHash === docId)) {
      throw new ApiError('bad-request', `That photo is not among the candidates of query ${queryId}`);
    }
    this.store.judgments.grade(setId, queryId, docId, grade);
    return this.progress(setId);
  }

  async evalUndo({ setId }: Req<'evalUndo'>): Promise<EvaluationResults['evalUndo']> {
    this.set(setId);
    const undone = this.store.judgments.undo(setId);
    return {
      undone: undone
        ? { queryId: undone.queryId, docId: undone.contentHash, restoredGrade: undone.restoredGrade }
        : null,
      progress: this.progress(setId),
    };
  }

  async evalProgress({ setId }: Req<'evalProgress'>): Promise<EvaluationResults['evalProgress']> {
    this.set(setId);
    return this.progress(setId);
  }

  async evalMetrics({ setId, configuration, threshold, cutoffs }: Req<'evalMetrics'>): Promise<RunReport> {
    this.set(setId);
    return (await this.runs.score(setId, configuration ?? DEFAULT_CONFIGURATION, threshold, cutoffs)).report;
  }

  async evalCompare(req: Req<'evalCompare'>): Promise<EvaluationResults['evalCompare']> {
    this.set(req.setId);
    this.checkDistinctNames(req.configurations);
    return this.runs.compare(req.setId, req.configurations, req);
  }

  async evalExportTrec({ setId }: Req<'evalExportTrec'>): Promise<EvaluationResults['evalExportTrec']> {
    const set = this.set(setId);
    return exportSet(this.store, set.id, set.name);
  }

  async evalImportTrec({
    qrels,
    sidecar,
    name,
  }: Req<'evalImportTrec'>): Promise<EvaluationResults['evalImportTrec']> {
    const imported = importSet(this.store, qrels, sidecar, name);
    return this.summary(this.set(imported.setId));
  }

  async evalTriplets({ setId }: Req<'evalTriplets'>): Promise<EvaluationResults['evalTriplets']> {
    this.set(setId);
    return this.store.triplets.list(setId).map((t) => this.tripletInfo(t));
  }

  async evalAddTriplet({
    setId,
    anchor,
    same,
    different,
  }: Req<'evalAddTriplet'>): Promise<EvaluationResults['evalAddTriplet']> {
    this.set(setId);
    const [a, s, d] = [anchor, same, different].map((p) => this.photos.libraryPhoto(p).contentHash) as [
      string,
      string,
      string,
    ];
    if (new Set([a, s, d]).size < 3)
      throw new ApiError('bad-request', 'A triplet needs three different photos');
    return this.tripletInfo(this.store.triplets.add({ setId, anchorHash: a, sameHash: s, differentHash: d }));
  }

  async evalRemoveTriplet({
    setId,
    tripletId,
  }: Req<'evalRemoveTriplet'>): Promise<EvaluationResults['evalRemoveTriplet']> {
    this.set(setId);
    return { removed: this.store.triplets.remove(setId, tripletId) };
  }

  async evalInvariance(req: Req<'evalInvariance'>): Promise<EvaluationResults['evalInvariance']> {
    if (req.setId !== undefined) this.set(req.setId);
    // Content hash by path, each anchor once, in the order given.
    const anchorPhotos = new Map<string, string>();
    for (const typed of req.anchors) {
      const photo = this.photos.libraryPhoto(typed);
      anchorPhotos.set(photo.path, photo.contentHash);
    }
    if (anchorPhotos.size === 0 && req.setId !== undefined) {
      const queries = this.store.sets.queries(req.setId);
      const here = this.libraryPhotosOf(queries);
      for (const q of queries) {
        const found = q.source === 'library' ? here.get(q.contentHash) : undefined;
        if (found) anchorPhotos.set(found.path, found.contentHash);
      }
    }
    const triplets = req.setId === undefined ? [] : await this.tripletCases(req.setId);
    if (anchorPhotos.size === 0 && triplets.length === 0) {
      throw new ApiError(
        'bad-request',
        'Choose anchor photos of the library, or a set with library queries or triplets',
      );
    }
    const anchors: InvarianceAnchor[] = [];
    for (const [p, contentHash] of anchorPhotos) {
      anchors.push({ path: p, contentHash, bytes: await this.photos.read(p) });
    }
    return runInvarianceTests(this.runner, {
      anchors,
      ...(req.edits ? { edits: req.edits } : {}),
      triplets,
      configuration: req.configuration ?? INVARIANCE_CONFIGURATION,
      passThreshold: req.passThreshold,
      onFailedCopy: async (file, bytes) =>
        this.photos.showable(bytes, path.basename(file), await probeImage(bytes)),
    });
  }

  async evalLogImpression({
    query,
    configuration,
    results,
  }: Req<'evalLogImpression'>): Promise<EvaluationResults['evalLogImpression']> {
    return { impressionId: this.signals.logImpression(query, configuration, results) };
  }

  async evalLogClick({
    impressionId,
    position,
    action,
  }: Req<'evalLogClick'>): Promise<EvaluationResults['evalLogClick']> {
    return { clickId: this.signals.logClick(impressionId, position, action) };
  }

  async evalClickThrough({
    maxPosition,
  }: Req<'evalClickThrough'>): Promise<EvaluationResults['evalClickThrough']> {
    return this.signals.clickThrough(maxPosition);
  }

  async evalInterleavedSearch(
    req: Req<'evalInterleavedSearch'>,
  ): Promise<EvaluationResults['evalInterleavedSearch']> {
    if (req.a.name === req.b.name)
      throw new ApiError('bad-request', 'Interleave two configurations with different names');
    const image = await this.photos.queryImage(req.query);
    const bytes = image.bytes ?? (await this.photos.read(image.path!));
    return this.signals.interleavedSearch(
      { bytes, label: image.label, crop: req.crop ?? null },
      req.a,
      req.b,
      req.k,
      req.seed,
    );
  }

  async evalInterleavingReport(): Promise<EvaluationResults['evalInterleavingReport']> {
    return this.signals.interleavingReport();
  }

  /** Logs what a search showed (every search from a window), so clicks on it can be reported. */
  logSearch(response: SearchResponse): SearchResponse {
    const impressionId = this.signals.logImpression(
      response.query,
      response.model,
      // Click-through past the first thousand positions says nothing; a huge k must not bloat the log.
      response.results.slice(0, 1000).map((r) => ({ path: r.path, position: r.rank })),
    );
    return { ...response, impressionId };
  }

  /** An image the workbench keeps for windows (an external query, a failed invariance copy), by id. */
  shownImage(id: string): StoredQuery | undefined {
    return this.photos.shownImage(id);
  }

  /** Whether a path is an indexed photo of the library (else it would be an external query). */
  isLibraryPhoto(file: string): boolean {
    return this.store.identity.byPath(file) !== undefined;
  }

  // --- helpers ---

  private set(setId: number): EvalSetRow {
    const set = this.store.sets.getSet(setId);
    if (!set) throw new ApiError('not-found', `There is no evaluation set ${setId}`);
    return set;
  }

  private query(setId: number, queryId: number): EvalQueryRow {
    this.set(setId);
    const row = this.store.sets.getQuery(setId, queryId);
    if (!row) throw new ApiError('not-found', `Query ${queryId} is not in this set`);
    return row;
  }

  private summary(set: EvalSetRow): EvaluationResults['evalCreateSet'] {
    return { id: set.id, name: set.name, createdAt: set.createdAt, progress: this.progress(set.id) };
  }

  private progress(setId: number, rows = this.store.judgments.progress(setId)): EvalProgress {
    return {
      queries: rows.length,
      queriesDone: rows.filter((r) => r.pooled > 0 && r.judged === r.pooled).length,
      pooled: rows.reduce((s, r) => s + r.pooled, 0),
      judged: rows.reduce((s, r) => s + r.judged, 0),
    };
  }

  private queryInfos(setId: number): EvalQueryInfo[] {
    const counts = new Map(this.store.judgments.progress(setId).map((p) => [p.queryId, p]));
    const queries = this.store.sets.queries(setId);
    const here = this.libraryPhotosOf(queries);
    return queries.map((q) => this.queryInfo(q, counts.get(q.id) ?? { pooled: 0, judged: 0 }, here));
  }

  /** Where the library queries' photos are now, by content hash. */
  private libraryPhotosOf(queries: readonly EvalQueryRow[]): Map<string, IdentifiedImage> {
    return this.store.identity.byHashes(
      queries.filter((q) => q.source === 'library').map((q) => q.contentHash),
    );
  }

  private queryInfo(
    q: EvalQueryRow,
    counts: { pooled: number; judged: number },
    here = this.libraryPhotosOf([q]),
  ): EvalQueryInfo {
    const where = q.source === 'library' ? (here.get(q.contentHash)?.path ?? null) : null;
    // The stored image's content hash is the query's: its bytes are read only to be shown first.
    const uploadId =
      q.source === 'external'
        ? this.photos.showableByHash(q.contentHash, () => {
            const stored = this.store.sets.getQueryImage(q.contentHash);
            return stored && { bytes: stored.bytes, name: stored.name, info: stored };
          })
        : undefined;
    return {
      id: q.id,
      qid: q.qid,
      label: q.label,
      source: q.source,
      path: where,
      contentHash: q.contentHash,
      crop: q.crop,
      pooled: counts.pooled,
      judged: counts.judged,
      ...(uploadId ? { uploadId } : {}),
    };
  }

  /** Where a triplet's photos are now (null: no longer in the library). */
  private tripletInfo(t: {
    id: number;
    anchorHash: string;
    sameHash: string;
    differentHash: string;
  }): EvaluationResults['evalAddTriplet'] {
    const here = this.store.identity.byHashes([t.anchorHash, t.sameHash, t.differentHash]);
    return {
      id: t.id,
      anchor: here.get(t.anchorHash)?.path ?? null,
      same: here.get(t.sameHash)?.path ?? null,
      different: here.get(t.differentHash)?.path ?? null,
    };
  }

  private async tripletCases(setId: number): Promise<TripletCase[]> {
    const cases: TripletCase[] = [];
    for (const t of this.store.triplets.list(setId)) {
      const info = this.tripletInfo(t);
      if (!info.anchor || !info.same || !info.different) continue;
      const [a, s, d] = await Promise.all(
        [info.anchor, info.same, info.different].map(async (p) =>
          this.deps.engine.embedImageBytes(await this.photos.read(p)),
        ),
      );
      cases.push({
        anchor: info.anchor,
        same: info.same,
        different: info.different,
        simSame: dot(a!, s!),
        simDifferent: dot(a!, d!),
      });
    }
    return cases;
  }

  private checkDistinctNames(configurations: readonly SearchConfiguration[]): void {
    const names = configurations.map((c) => c.name);
    if (new Set(names).size !== names.length) {
      throw new ApiError('bad-request', `Each configuration needs its own name (got ${names.join(', ')})`);
    }
  }
}
