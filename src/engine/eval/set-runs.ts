import type { ComparisonReport, RunReport, SearchConfiguration } from '../../shared/evaluation-api.ts';
import { QueryError } from '../engine.ts';
import { ImageSkip } from '../imaging/skip-reason.ts';
import type { EvalQueryRow } from '../store/evaluation-set-repository.ts';
import type { EvaluationStore } from '../store/evaluation-store.ts';
import { compareRuns } from './configuration-comparison.ts';
import { EvaluationError, type QueryRunner, type RankedResult } from './query-runner.ts';
import { metricVsK, scoreSet } from './set-metrics.ts';
import { rankRun, toRunEntries } from './trec-format.ts';

export interface QueryFailure {
  queryId: number;
  message: string;
}

interface ScoredRun {
  report: RunReport;
  rankings: Map<number, string[]>;
  scored: Array<{ queryId: number; qid: string; label: string }>;
}

/**
 * Runs an evaluation set under configurations: searches every query, stores the rankings as a
 * run (for TREC export), and scores them against the set's grades, alone or side by side.
 */
export class SetRuns {
  private readonly deps: { store: EvaluationStore; runner: QueryRunner; activeModel: () => string };

  constructor(deps: SetRuns['deps']) {
    this.deps = deps;
  }

  /** Every query's results; a query that cannot run (a vanished photo) is a failure, not the end. */
  async runAll(
    queries: readonly EvalQueryRow[],
    config: SearchConfiguration,
  ): Promise<{ rankings: Map<number, RankedResult[]>; failures: QueryFailure[] }> {
    const rankings = new Map<number, RankedResult[]>();
    const failures: QueryFailure[] = [];
    for (const q of queries) {
      try {
        rankings.set(q.id, await this.deps.runner.run(q, config));
      } catch (err) {
        if (!(err instanceof EvaluationError || err instanceof QueryError || err instanceof ImageSkip))
          throw err;
        failures.push({ queryId: q.id, message: err.message });
      }
    }
    // When nothing could run, the cause is the configuration (a model that cannot answer…).
    if (queries.length > 0 && rankings.size === 0) {
      throw new EvaluationError(`${config.name}: ${failures[0]!.message}`);
    }
    return { rankings, failures };
  }

  save(
    setId: number,
    config: SearchConfiguration,
    rankings: ReadonlyMap<number, readonly RankedResult[]>,
  ): number {
    return this.deps.store.runs.save(setId, {
      name: config.name,
      configuration: JSON.stringify(config),
      modelId: config.model ?? this.deps.activeModel(),
      rankings,
    });
  }

  async score(
    setId: number,
    config: SearchConfiguration,
    threshold: number,
    cutoffs: readonly number[],
  ): Promise<ScoredRun> {
    const queries = this.deps.store.sets.queries(setId);
    const { rankings, failures } = await this.runAll(queries, config);
    const runId = this.save(setId, config, rankings);
    // Scored in the order trec_eval reads the exported run (score, then id), so both agree.
    const byQid = rankRun(
      toRunEntries(
        new Map(
          [...rankings].map(([id, docs]) => [
            String(id),
            docs.map((d) => ({ docId: d.contentHash, score: d.score })),
          ]),
        ),
        config.name,
      ),
    );
    const ordered = new Map([...byQid].map(([id, docs]) => [Number(id), docs]));
    const scored = queries
      .filter((q) => rankings.has(q.id))
      .map((q) => ({ queryId: q.id, qid: q.qid, label: q.label }));
    const sorted = [...new Set(cutoffs)].sort((a, b) => a - b);
    const score = scoreSet(scored, ordered, this.judgmentsOf(scored), { threshold, cutoffs: sorted });
    return {
      report: {
        configuration: config,
        runId,
        threshold,
        cutoffs: sorted,
        perQuery: score.perQuery,
        mean: score.mean,
        unjudged: score.unjudged,
        failures,
      },
      rankings: ordered,
      scored,
    };
  }

  async compare(
    setId: number,
    configurations: readonly SearchConfiguration[],
    options: {
      threshold: number;
      cutoffs: readonly number[];
      measure: string;
      seed: number;
      iterations: number;
    },
  ): Promise<ComparisonReport> {
    const reports: RunReport[] = [];
    const series: ComparisonReport['metricVsK'] = [];
    const maxK = Math.min(100, Math.max(...options.cutoffs));
    for (const config of configurations) {
      const { report, rankings, scored } = await this.score(
        setId,
        config,
        options.threshold,
        options.cutoffs,
      );
      reports.push(report);
      series.push({
        configuration: config.name,
        ...metricVsK(scored, rankings, this.judgmentsOf(scored), { threshold: options.threshold, maxK }),
      });
    }
    try {
      return compareRuns(reports, { ...options, metricVsK: series });
    } catch (err) {
      if (err instanceof RangeError) throw new EvaluationError(err.message);
      throw err;
    }
  }

  private judgmentsOf(queries: ReadonlyArray<{ queryId: number }>): Map<number, Map<string, number>> {
    return new Map(queries.map((q) => [q.queryId, this.deps.store.judgments.judgments(q.queryId)]));
  }
}
