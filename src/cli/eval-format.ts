import type {
  ComparisonReport,
  EvalSetDetail,
  EvalSetSummary,
  InvarianceReport,
  RunReport,
} from '../shared/evaluation-api.ts';

/** Terminal renderings of the evaluation workbench's results. */

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

export function formatSetList(sets: readonly EvalSetSummary[]): string {
  if (sets.length === 0)
    return 'No evaluation sets yet; make one with `lookalike eval create <name> <photo…>`.';
  return sets
    .map(
      (s) =>
        `${String(s.id).padStart(4)}  ${s.name}  ${s.progress.queries} queries, ` +
        `${s.progress.judged}/${s.progress.pooled} graded (${s.progress.queriesDone} queries done)`,
    )
    .join('\n');
}

export function formatSetDetail(set: EvalSetDetail): string {
  const lines = [formatSetList([set])];
  for (const q of set.queries) {
    const crop = q.crop
      ? `  crop ${q.crop.x},${q.crop.y},${q.crop.width},${q.crop.height} (${q.crop.unit})`
      : '';
    lines.push(
      `      ${q.qid.padEnd(6)} ${q.judged}/${q.pooled} graded  ${q.path ?? `${q.label} (${q.source})`}${crop}`,
    );
  }
  return lines.join('\n');
}

function headline(measures: Record<string, number>, cutoffs: readonly number[]): string {
  const k = cutoffs.includes(10) ? 10 : cutoffs.at(-1)!;
  return (
    `MRR ${measures['recip_rank']!.toFixed(4)}  mAP ${measures['map']!.toFixed(4)}  ` +
    `P@${k} ${measures[`P_${k}`]!.toFixed(4)}  R@${k} ${measures[`recall_${k}`]!.toFixed(4)}  ` +
    `nDCG@${k} ${measures[`ndcg_cut_${k}`]!.toFixed(4)}`
  );
}

export function formatRunReport(r: RunReport): string {
  const lines = [
    `${r.configuration.name}: ${r.perQuery.length} graded queries, relevant = grade ≥ ${r.threshold}`,
    `  ${headline(r.mean, r.cutoffs)}`,
    `  unjudged in the top k: ${r.cutoffs.map((k) => `@${k} ${pct(r.unjudged[k] ?? 0)}`).join(', ')}`,
  ];
  for (const q of r.perQuery)
    lines.push(`    ${q.qid.padEnd(6)} ${headline(q.measures, r.cutoffs)}  ${q.label}`);
  for (const f of r.failures) lines.push(`  not run: query ${f.queryId}: ${f.message}`);
  return lines.join('\n');
}

export function formatComparison(c: ComparisonReport): string {
  const names = c.reports.map((r) => r.configuration.name);
  const width = Math.max(10, ...names.map((n) => n.length + 2));
  const lines = [`${'measure'.padEnd(14)}${names.map((n) => n.padStart(width)).join('')}`];
  for (const m of c.measures) {
    lines.push(
      `${m.padEnd(14)}${c.reports.map((r) => (r.mean[m] ?? 0).toFixed(4).padStart(width)).join('')}`,
    );
  }
  lines.push('', `Against ${names[0]} (paired over ${c.perQuery.length} queries):`);
  for (const s of c.significance) {
    if (!['map', 'recip_rank', 'ndcg', c.measure].includes(s.measure)) continue;
    lines.push(
      `  ${s.other} ${s.measure}: ${s.meanDifference >= 0 ? '+' : ''}${s.meanDifference.toFixed(4)} ` +
        `(95 % CI ${s.bootstrapCi[0].toFixed(4)} … ${s.bootstrapCi[1].toFixed(4)}), ` +
        `permutation p = ${s.permutationP.toFixed(4)}, bootstrap p = ${s.bootstrapP.toFixed(4)}; ` +
        `${s.wins} better, ${s.losses} worse, ${s.ties} tied`,
    );
  }
  return lines.join('\n');
}

export function formatInvariance(r: InvarianceReport): string {
  const lines = [
    `${r.ok ? 'PASS' : 'FAIL'}: ${r.passed}/${r.tests} (${pct(r.passRate)}), threshold ${pct(r.passThreshold)}`,
    ...r.byTest.map((t) => `  ${t.test.padEnd(10)} ${t.passed}/${t.tests}`),
  ];
  if (r.copiesDir) lines.push(`Edited copies: ${r.copiesDir}`);
  for (const f of r.failures) lines.push(`  ✗ ${f.anchor}: ${f.message}${f.copy ? ` (${f.copy})` : ''}`);
  return lines.join('\n');
}
