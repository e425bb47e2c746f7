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
  judgments: Map<number, Map<string, number>>;
}

/** One configuration's results over a set's queries. */
export interface ConfigurationRun {
  config: SearchConfiguration;
  rankings: Map<number, RankedResult[]>;
  failures: QueryFailure[];
}

/** A query that cannot run (a vanished photo, one that cannot be decoded) is a failure, not the end. */
function isQueryFailure(err: unknown): err is Error {
  return err instanceof EvaluationError || err instanceof QueryError || err instanceof ImageSkip;
}

/**
 * The run, unless nothing could run under it: then the cause is the configuration (a model that
 * cannot answer…), not its queries.
 */
export function answered(run: ConfigurationRun): ConfigurationRun {
  if (run.rankings.size === 0 && run.failures.length > 0) {
    throw new EvaluationError(`${run.config.name}: ${run.failures[0]!.message}`);
  }
  return run;
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

  /**
   * Every configuration's results for every query, in the configurations' order (pass each
   * through `answered`). Each query photo is read once and searched under every configuration in
   * turn: the engine keeps a photo's embedding with its bytes object, so only the first
   * configuration per model and crop decodes and embeds it, and one photo at a time is in memory.
   */
  async runAll(
    queries: readonly EvalQueryRow[],
    configurations: readonly SearchConfiguration[],
  ): Promise<ConfigurationRun[]> {
    const runs = configurations.map((config): ConfigurationRun => ({
      config,
      rankings: new Map(),
      failures: [],
    }));
    for (const q of queries) {
      let bytes: Buffer;
      try {
        ({ bytes } = await this.deps.runner.queryImage(q));
      } catch (err) {
        if (!isQueryFailure(err)) throw err;
        for (const run of runs) run.failures.push({ queryId: q.id, message: err.message });
        continue;
      }
      for (const run of runs) {
        try {
          run.rankings.set(
            q.id,
            await this.deps.runner.search(bytes, q.crop, run.config, run.config.k, q.label, q.contentHash),
          );
        } catch (err) {
          if (!isQueryFailure(err)) throw err;
          run.failures.push({ queryId: q.id, message: err.message });
        }
      }
    }
    return runs;
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
    return (await this.scoreAll(setId, [config], threshold, cutoffs))[0]!;
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
    const maxK = Math.min(100, Math.max(...options.cutoffs));
    const scored = await this.scoreAll(setId, configurations, options.threshold, options.cutoffs);
    const series: ComparisonReport['metricVsK'] = scored.map((s) => ({
      configuration: s.report.configuration.name,
      ...metricVsK(s.scored, s.rankings, s.judgments, { threshold: options.threshold, maxK }),
    }));
    try {
      return compareRuns(
        scored.map((s) => s.report),
        { ...options, metricVsK: series },
      );
    } catch (err) {
      if (err instanceof RangeError) throw new EvaluationError(err.message);
      throw err;
    }
  }

  /** Runs the configurations, then saves and scores each in order (up to one under which nothing ran). */
  private async scoreAll(
    setId: number,
    configurations: readonly SearchConfiguration[],
    threshold: number,
    cutoffs: readonly number[],
  ): Promise<ScoredRun[]> {
    const queries = this.deps.store.sets.queries(setId);
    const runs = await this.runAll(queries, configurations);
    const judgments = new Map(queries.map((q) => [q.id, this.deps.store.judgments.judgments(q.id)]));
    const sorted = [...new Set(cutoffs)].sort((a, b) => a - b);
    return runs.map((run) => {
      const { config, rankings, failures } = answered(run);
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
      const score = scoreSet(scored, ordered, judgments, { threshold, cutoffs: sorted });
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
        judgments,
      };
    });
  }
}
