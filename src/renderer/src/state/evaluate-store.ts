import type {
  ClickThroughReport,
  ComparisonReport,
  EvalSetDetail,
  EvalSetSummary,
  GradingQueue,
  InterleavingPairReport,
  InvarianceEdit,
  InvarianceReport,
  RunReport,
  SearchConfigurationInput,
  TrecExport,
  TripletInfo,
} from '../../../shared/evaluation-api.ts';
import { DEFAULT_GRADE_THRESHOLD, INVARIANCE_EDITS } from '../../../shared/evaluation-api.ts';
import { type InterleavingSetting, loadConfigurations, loadInterleaving } from './evaluate-preferences.ts';
import { createStore, type Store } from './store.ts';

export type EvaluateTab = 'grade' | 'metrics' | 'compare' | 'invariance' | 'signals' | 'exchange';

/** A request's life, for the panels' loading and error states. */
export interface Loadable<T> {
  phase: 'idle' | 'loading' | 'done' | 'error';
  data: T | null;
  error: string | null;
}

export const idle = <T>(): Loadable<T> => ({ phase: 'idle', data: null, error: null });

export interface EvaluateState {
  tab: EvaluateTab;
  sets: Loadable<EvalSetSummary[]>;
  /** The set being worked on (sets list selection). */
  setId: number | null;
  detail: Loadable<EvalSetDetail>;
  /** Adding a query (typed path, upload, search result), its error shown beside the form. */
  adding: boolean;
  addError: string | null;
  /** Pooling candidates for grading. */
  pooling: boolean;
  poolMessage: string | null;
  queue: Loadable<GradingQueue>;
  /** The focused candidate of the grading grid. */
  activeIndex: number;
  gradeError: string | null;
  /** Lowest grade that counts as relevant for the binary measures. */
  threshold: number;
  cutoffs: number[];
  /** Configurations to pool, measure and compare with (the first one is the baseline). */
  configurations: SearchConfigurationInput[];
  /** Which configuration the metrics tab measures. */
  metricsConfiguration: string;
  metrics: Loadable<RunReport>;
  /** Grades changed since the shown metrics were computed. */
  metricsStale: boolean;
  compareMeasure: string;
  compare: Loadable<ComparisonReport>;
  compareStale: boolean;
  invarianceAnchors: string[];
  invarianceEdits: InvarianceEdit[];
  passThreshold: number;
  invariance: Loadable<InvarianceReport>;
  triplets: Loadable<TripletInfo[]>;
  clickThrough: Loadable<ClickThroughReport>;
  interleavingReport: Loadable<InterleavingPairReport[]>;
  interleaving: InterleavingSetting;
  exported: Loadable<TrecExport>;
  importing: Loadable<EvalSetSummary>;
}

export type EvaluateStore = Store<EvaluateState>;

export function createEvaluateStore(): EvaluateStore {
  const configurations = loadConfigurations();
  return createStore<EvaluateState>({
    tab: 'grade',
    sets: idle(),
    setId: null,
    detail: idle(),
    adding: false,
    addError: null,
    pooling: false,
    poolMessage: null,
    queue: idle(),
    activeIndex: 0,
    gradeError: null,
    threshold: DEFAULT_GRADE_THRESHOLD,
    cutoffs: [1, 5, 10, 20],
    configurations,
    metricsConfiguration: configurations[0]!.name,
    metrics: idle(),
    metricsStale: false,
    compareMeasure: 'map',
    compare: idle(),
    compareStale: false,
    invarianceAnchors: [],
    invarianceEdits: [...INVARIANCE_EDITS],
    passThreshold: 0.95,
    invariance: idle(),
    triplets: idle(),
    clickThrough: idle(),
    interleavingReport: idle(),
    interleaving: loadInterleaving(),
    exported: idle(),
    importing: idle(),
  });
}
