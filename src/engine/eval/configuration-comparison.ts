import type { ComparisonReport, RunReport, SignificanceResult } from '../../shared/evaluation-api.ts';
import { pairedBootstrap, pairedPermutationTest, winsLossesTies } from './metrics-significance.ts';
import { reportedMeasures } from './set-metrics.ts';

/**
 * Side by side: every configuration's means, per-query values and deltas against the first
 * (the baseline) for one measure, and for every reported measure whether each other
 * configuration differs from the baseline (paired over the queries both could score).
 */
export function compareRuns(
  reports: readonly RunReport[],
  options: {
    cutoffs: readonly number[];
    measure: string;
    seed: number;
    iterations: number;
    metricVsK: ComparisonReport['metricVsK'];
  },
): ComparisonReport {
  const measures = reportedMeasures([...new Set(options.cutoffs)].sort((a, b) => a - b));
  if (!measures.includes(options.measure)) {
    throw new RangeError(`"${options.measure}" is not one of the reported measures (${measures.join(', ')})`);
  }
  const baseline = reports[0]!;
  // Only queries every configuration scored can be paired.
  const shared = baseline.perQuery.filter((q) =>
    reports.every((r) => r.perQuery.some((other) => other.queryId === q.queryId)),
  );
  const valueOf = (report: RunReport, queryId: number, measure: string): number =>
    report.perQuery.find((q) => q.queryId === queryId)?.measures[measure] ?? 0;

  const perQuery = shared.map((q) => {
    const values = reports.map((r) => valueOf(r, q.queryId, options.measure));
    return {
      queryId: q.queryId,
      qid: q.qid,
      label: q.label,
      values,
      deltas: values.slice(1).map((v) => v - values[0]!),
    };
  });

  const significance: SignificanceResult[] = [];
  for (const other of reports.slice(1)) {
    for (const measure of measures) {
      const a = shared.map((q) => valueOf(baseline, q.queryId, measure));
      const b = shared.map((q) => valueOf(other, q.queryId, measure));
      const permutation = pairedPermutationTest(a, b, { seed: options.seed, iterations: options.iterations });
      const bootstrap = pairedBootstrap(a, b, { seed: options.seed, iterations: options.iterations });
      significance.push({
        measure,
        baseline: baseline.configuration.name,
        other: other.configuration.name,
        meanDifference: permutation.meanDifference,
        permutationP: permutation.pValue,
        bootstrapCi: bootstrap.ci,
        bootstrapP: bootstrap.pValue,
        ...winsLossesTies(a, b),
      });
    }
  }
  return {
    reports: [...reports],
    measures,
    perQuery,
    measure: options.measure,
    metricVsK: options.metricVsK,
    significance,
  };
}
