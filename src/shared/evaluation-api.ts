import { z } from 'zod';
import { cropSchema, type Crop, modelIdSchema, type SearchResultItem } from './library-api.ts';
import { pathSchema, queryRefSchema } from './query-ref.ts';

/**
 * The evaluation workbench's part of the API contract (api-contract.ts spreads these methods into
 * its table): evaluation sets and their queries, blind pooling and grading, metrics, comparison
 * of search configurations, invariance tests, and online signals (impressions, clicks,
 * team-draft interleaving).
 */

/**
 * One way of searching, to measure against another. `crop`: 'use' searches with each query's crop,
 * 'ignore' with the whole photo. `model` must name a model whose index is complete.
 */
export const searchConfigurationSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'a configuration needs a name')
    .max(64)
    .regex(/^[A-Za-z0-9._:+-]+$/, 'a configuration name is letters, digits and . _ : + - (no spaces)'),
  model: modelIdSchema.optional(),
  ef: z.number().int().min(1).max(10_000).optional(),
  collapse: z.boolean().default(true),
  /** Neighbourhood re-ranking (query expansion + database-side augmentation); default: the model's choice. */
  rerank: z.boolean().optional(),
  crop: z.enum(['use', 'ignore']).default('use'),
  k: z.number().int().min(1).max(1000).default(20),
});
export type SearchConfiguration = z.output<typeof searchConfigurationSchema>;
export type SearchConfigurationInput = z.input<typeof searchConfigurationSchema>;

/** Grades: 0 = unrelated … 5 = same subject / near-identical. */
export const gradeSchema = z.number().int().min(0).max(5);
export const DEFAULT_GRADE_THRESHOLD = 3;
export const DEFAULT_METRIC_CUTOFFS = [1, 5, 10, 20] as const;

const setIdSchema = z.number().int().positive();
const queryIdSchema = z.number().int().positive();
/** A judged photo's identity: its content hash (renames and moves keep the judgment). */
export const docIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'not a photo identity (content hash)');
const setNameSchema = z.string().trim().min(1, 'a set needs a name').max(200);
const thresholdSchema = z.number().int().min(1).max(5).default(DEFAULT_GRADE_THRESHOLD);
const cutoffsSchema = z
  .array(z.number().int().min(1).max(1000))
  .min(1)
  .max(50)
  .default([...DEFAULT_METRIC_CUTOFFS]);
const configurationsSchema = z.array(searchConfigurationSchema).min(1).max(8);
const seedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31)
  .default(1);
const iterationsSchema = z.number().int().min(100).max(200_000).default(10_000);
export const clickActionSchema = z.enum(['open', 'reveal', 'similar']);
export const invarianceEditSchema = z.enum(['rotate', 'crop', 'flip', 'colour', 'greyscale', 'jpeg', 'text']);
export type InvarianceEdit = z.infer<typeof invarianceEditSchema>;
export const INVARIANCE_EDITS: readonly InvarianceEdit[] = invarianceEditSchema.options;

const json = <S extends z.ZodType>(request: S) => ({ request, body: 'json' as const });

export const evaluationMethods = {
  /** Every evaluation set with its grading progress. */
  evalSets: json(z.strictObject({})),
  evalCreateSet: json(z.strictObject({ name: setNameSchema })),
  evalDeleteSet: json(z.strictObject({ setId: setIdSchema })),
  /** A set's queries, each with its progress. */
  evalSet: json(z.strictObject({ setId: setIdSchema })),
  /** Adds a query: a library photo or an uploaded image (kept in the library by content), optionally cropped. */
  evalAddQuery: json(
    z.strictObject({ setId: setIdSchema, query: queryRefSchema, crop: cropSchema.optional() }),
  ),
  evalRemoveQuery: json(z.strictObject({ setId: setIdSchema, queryId: queryIdSchema })),
  /** Adds the union of each configuration's top k to each query's pool (what the curator grades). */
  evalPool: json(
    z.strictObject({
      setId: setIdSchema,
      configurations: configurationsSchema,
      queryIds: z.array(queryIdSchema).max(10_000).optional(),
    }),
  ),
  /**
   * A query's pool in blind order (stable, random, no scores), with its grades so far. Without
   * queryId: the first query that still has ungraded photos (or the first query when all are done).
   */
  evalGradingQueue: json(z.strictObject({ setId: setIdSchema, queryId: queryIdSchema.optional() })),
  evalGrade: json(
    z.strictObject({ setId: setIdSchema, queryId: queryIdSchema, docId: docIdSchema, grade: gradeSchema }),
  ),
  /** Takes back the set's latest grade (each undo goes one further back). */
  evalUndo: json(z.strictObject({ setId: setIdSchema })),
  evalProgress: json(z.strictObject({ setId: setIdSchema })),
  /** Runs the set under one configuration and scores it against the grades. */
  evalMetrics: json(
    z.strictObject({
      setId: setIdSchema,
      configuration: searchConfigurationSchema.optional(),
      threshold: thresholdSchema,
      cutoffs: cutoffsSchema,
    }),
  ),
  /** Runs the set under two or more configurations: table, per-query deltas, metric vs k, significance. */
  evalCompare: json(
    z.strictObject({
      setId: setIdSchema,
      configurations: configurationsSchema.min(2, 'compare needs at least two configurations'),
      threshold: thresholdSchema,
      cutoffs: cutoffsSchema,
      /** The measure of the per-query deltas (a trec_eval name among the reported ones). */
      measure: z.string().max(40).default('map'),
      seed: seedSchema,
      iterations: iterationsSchema,
    }),
  ),
  /** The set as TREC files: qrels, a JSON sidecar (queries, crops, paths) and the stored runs. */
  evalExportTrec: json(z.strictObject({ setId: setIdSchema })),
  /** A new set from TREC qrels and the sidecar exported with them. */
  evalImportTrec: json(
    z.strictObject({
      qrels: z.string().max(50_000_000),
      sidecar: z.string().max(50_000_000),
      name: setNameSchema.optional(),
    }),
  ),
  /** Curator-marked triplets of a set: the anchor should be more similar to `same` than to `different`. */
  evalTriplets: json(z.strictObject({ setId: setIdSchema })),
  evalAddTriplet: json(
    z.strictObject({ setId: setIdSchema, anchor: pathSchema, same: pathSchema, different: pathSchema }),
  ),
  evalRemoveTriplet: json(z.strictObject({ setId: setIdSchema, tripletId: z.number().int().positive() })),
  /**
   * Edited copies of each anchor (made in a temporary folder) must find their original first, and
   * the set's triplets must hold; reports the pass rate against the threshold and every failure.
   */
  evalInvariance: json(
    z.strictObject({
      anchors: z.array(pathSchema).max(1000).default([]),
      setId: setIdSchema.optional(),
      edits: z.array(invarianceEditSchema).min(1).max(7).optional(),
      passThreshold: z.number().min(0).max(1).default(0.95),
      configuration: searchConfigurationSchema.optional(),
    }),
  ),
  /** Records what a search showed, at which positions (for click-through rates). */
  evalLogImpression: json(
    z.strictObject({
      query: z.string().trim().max(4096).default(''),
      configuration: z.string().trim().min(1).max(64).default('default'),
      results: z.array(z.strictObject({ path: pathSchema, position: z.number().int().min(1) })).max(10_000),
    }),
  ),
  evalLogClick: json(
    z.strictObject({
      impressionId: z.number().int().positive(),
      position: z.number().int().min(1),
      action: clickActionSchema,
    }),
  ),
  /** Click-through rate by result position over the logged impressions. */
  evalClickThrough: json(z.strictObject({ maxPosition: z.number().int().min(1).max(1000).default(20) })),
  /** Team-draft interleaving of two configurations' results; the impression is logged with each item's team. */
  evalInterleavedSearch: json(
    z.strictObject({
      query: queryRefSchema,
      crop: cropSchema.optional(),
      a: searchConfigurationSchema,
      b: searchConfigurationSchema,
      k: z.number().int().min(1).max(1000).default(20),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 31)
        .optional(),
    }),
  ),
  /** Wins, ties and losses of each interleaved pair, with a sign-test p-value. */
  evalInterleavingReport: json(z.strictObject({})),
};

export type EvaluationMethodName = keyof typeof evaluationMethods;

export interface EvalProgress {
  queries: number;
  /** Queries whose whole pool is graded. */
  queriesDone: number;
  pooled: number;
  judged: number;
}

export interface EvalSetSummary {
  id: number;
  name: string;
  createdAt: number;
  progress: EvalProgress;
}

export interface EvalQueryInfo {
  id: number;
  /** The query's id in TREC files (q1, q2, …). */
  qid: string;
  label: string;
  source: 'library' | 'external';
  /** The query photo's current library path; null for an external image or a photo no longer in the library. */
  path: string | null;
  contentHash: string;
  /** For an external image: an uploaded-query id that shows it in a window (renewed on each answer). */
  uploadId?: string;
  crop: Crop | null;
  pooled: number;
  judged: number;
}

export interface EvalSetDetail extends EvalSetSummary {
  queries: EvalQueryInfo[];
}

export interface GradingItem {
  docId: string;
  /** Where the photo is now; null when it left the library (its grade is kept). */
  path: string | null;
  width: number | null;
  height: number | null;
  grade: number | null;
}

export interface GradingQueue {
  query: EvalQueryInfo | null;
  /** Blind order: stable and random, never by score. */
  items: GradingItem[];
  progress: EvalProgress;
}

export interface UndoResult {
  undone: { queryId: number; docId: string; restoredGrade: number | null } | null;
  progress: EvalProgress;
}

export interface PoolResult {
  added: number;
  progress: EvalProgress;
  /** Queries that could not be searched, with why (a vanished photo…). */
  failures: Array<{ queryId: number; message: string }>;
}

/** Measures by trec_eval name (map, recip_rank, P_10, recall_10, ndcg_cut_10…). */
export type Measures = Record<string, number>;

export interface QueryMetrics {
  queryId: number;
  qid: string;
  label: string;
  measures: Measures;
  /** Share of unjudged photos in the top k, by k. */
  unjudged: Record<string, number>;
}

export interface RunReport {
  configuration: SearchConfiguration;
  runId: number;
  threshold: number;
  cutoffs: number[];
  perQuery: QueryMetrics[];
  /** Means over the queries (each query weighs the same). */
  mean: Measures;
  /** Mean share of unjudged photos in the top k, by k. */
  unjudged: Record<string, number>;
  failures: Array<{ queryId: number; message: string }>;
}

export interface SignificanceResult {
  measure: string;
  baseline: string;
  other: string;
  meanDifference: number;
  /** Two-sided paired randomization (sign-flip) test. */
  permutationP: number;
  /** Percentile interval of the mean difference from a paired bootstrap. */
  bootstrapCi: [number, number];
  bootstrapP: number;
  wins: number;
  losses: number;
  ties: number;
}

export interface ComparisonReport {
  reports: RunReport[];
  /** The measures shown side by side, in order. */
  measures: string[];
  /** Per query: each configuration's value of `measure`, and each other configuration minus the first. */
  perQuery: Array<{ queryId: number; qid: string; label: string; values: number[]; deltas: number[] }>;
  /** The main measure of perQuery. */
  measure: string;
  /** For plots: per configuration, mean P@k, recall@k and nDCG@k at each cutoff. */
  metricVsK: Array<{ configuration: string; k: number[]; P: number[]; recall: number[]; ndcg: number[] }>;
  significance: SignificanceResult[];
}

export interface TrecExport {
  qrels: string;
  sidecar: string;
  runs: Array<{ name: string; text: string }>;
}

export interface TripletInfo {
  id: number;
  anchor: string | null;
  same: string | null;
  different: string | null;
}

export interface InvarianceFailure {
  kind: 'edit' | 'triplet';
  /** The edit (rotate, crop…) or 'triplet'. */
  test: string;
  anchor: string;
  /** The edited copy (in the temporary folder) or the triplet's photos. */
  copy?: string;
  /** An uploaded-query id to show the copy in a window. */
  copyUploadId?: string;
  /** Where the original ranked (null: not in the results). */
  originalRank?: number | null;
  topResult?: string | null;
  same?: string;
  different?: string;
  simSame?: number;
  simDifferent?: number;
  message: string;
}

export interface InvarianceReport {
  tests: number;
  passed: number;
  passRate: number;
  passThreshold: number;
  ok: boolean;
  byTest: Array<{ test: string; tests: number; passed: number }>;
  failures: InvarianceFailure[];
  /** Where the edited copies were written. */
  copiesDir: string | null;
}

export interface ClickThroughReport {
  impressions: number;
  clicks: number;
  byPosition: Array<{ position: number; impressions: number; clicks: number; ctr: number }>;
  byAction: Record<'open' | 'reveal' | 'similar', number>;
}

export interface InterleavedResultItem extends SearchResultItem {
  team: 'A' | 'B';
}

export interface InterleavedSearch {
  impressionId: number;
  query: string;
  a: string;
  b: string;
  results: InterleavedResultItem[];
}

export interface InterleavingPairReport {
  a: string;
  b: string;
  searches: number;
  /** Searches with at least one click. */
  withClicks: number;
  winsA: number;
  winsB: number;
  ties: number;
  /** Two-sided binomial sign test on the searches that were not tied. */
  pValue: number;
}

export interface EvaluationResults {
  evalSets: EvalSetSummary[];
  evalCreateSet: EvalSetSummary;
  evalDeleteSet: { deleted: boolean };
  evalSet: EvalSetDetail;
  evalAddQuery: EvalQueryInfo;
  evalRemoveQuery: { removed: boolean };
  evalPool: PoolResult;
  evalGradingQueue: GradingQueue;
  evalGrade: EvalProgress;
  evalUndo: UndoResult;
  evalProgress: EvalProgress;
  evalMetrics: RunReport;
  evalCompare: ComparisonReport;
  evalExportTrec: TrecExport;
  evalImportTrec: EvalSetSummary;
  evalTriplets: TripletInfo[];
  evalAddTriplet: TripletInfo;
  evalRemoveTriplet: { removed: boolean };
  evalInvariance: InvarianceReport;
  evalLogImpression: { impressionId: number };
  evalLogClick: { clickId: number };
  evalClickThrough: ClickThroughReport;
  evalInterleavedSearch: InterleavedSearch;
  evalInterleavingReport: InterleavingPairReport[];
}

/** The evaluation methods as the engine side implements them: requests validated, defaults applied. */
export type EvaluationHandlers = {
  [M in EvaluationMethodName]: (
    request: z.output<(typeof evaluationMethods)[M]['request']>,
  ) => Promise<EvaluationResults[M]>;
};
