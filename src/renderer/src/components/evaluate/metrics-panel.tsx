import { useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import { fileName } from '../../format.ts';
import type { RunReport } from '../../../../shared/evaluation-api.ts';
import { Spinner, StatusMessage } from '../common/status-message.tsx';
import { GRADE_NAMES } from './grade-scale.ts';
import { formatMeasure, formatShare, measureHelp, measureLabel } from './measure-names.ts';

/** Above this share of ungraded photos in a top k, the numbers deserve more grading. */
const UNJUDGED_WARNING = 0.1;

export function ThresholdSelect(): React.JSX.Element {
  const actions = useActions();
  const threshold = useEvaluate((s) => s.threshold);
  return (
    <label className="eval-field">
      <span className="field-label">Relevant from grade</span>
      <select
        className="select"
        value={threshold}
        onChange={(e) => actions.evaluate.setThreshold(Number(e.target.value))}
      >
        {[1, 2, 3, 4, 5].map((g) => (
          <option key={g} value={g}>
            {g} ({GRADE_NAMES[g]}) or more
          </option>
        ))}
      </select>
    </label>
  );
}

function UnjudgedHint(props: { report: RunReport }): React.JSX.Element {
  const { report } = props;
  const worst = report.cutoffs.map((k) => ({ k, share: report.unjudged[k] ?? 0 })).filter((x) => x.share > 0);
  if (worst.length === 0) {
    return (
      <p className="eval-hint eval-hint-ok" role="status">
        Every photo in each top {Math.max(...report.cutoffs)} is graded.
      </p>
    );
  }
  const high = worst.some((x) => x.share >= UNJUDGED_WARNING);
  return (
    <p className={`eval-hint${high ? ' eval-hint-warn' : ''}`} role="status">
      Ungraded photos count as not relevant. Share ungraded:{' '}
      {report.cutoffs.map((k) => `top ${k}: ${formatShare(report.unjudged[k] ?? 0)}`).join(' · ')}.
      {high
        ? ' Grade more (Find candidates with this configuration, then grade) before trusting these numbers.'
        : ''}
    </p>
  );
}

export function MetricsTable(props: { report: RunReport; k: number }): React.JSX.Element {
  const { report, k } = props;
  const names = ['recip_rank', 'map', 'ndcg', `P_${k}`, `recall_${k}`, `ndcg_cut_${k}`];
  return (
    <table className="eval-table eval-metrics-table">
      <caption className="visually-hidden">
        Measures per query and their mean, for {report.configuration.name}
      </caption>
      <thead>
        <tr>
          <th scope="col">Query</th>
          {names.map((n) => (
            <th key={n} scope="col" title={measureHelp(n)}>
              {measureLabel(n)}
            </th>
          ))}
          <th scope="col" title={`Share of the top ${k} nobody graded yet`}>
            Ungraded@{k}
          </th>
        </tr>
      </thead>
      <tbody>
        {report.perQuery.map((q) => (
          <tr key={q.queryId}>
            <th scope="row" className="eval-query-cell" title={q.label}>
              {q.qid} <span className="eval-query-label">{fileName(q.label)}</span>
            </th>
            {names.map((n) => (
              <td key={n}>{formatMeasure(q.measures[n])}</td>
            ))}
            <td>{formatShare(q.unjudged[k] ?? 0)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Mean</th>
          {names.map((n) => (
            <td key={n} data-measure={n}>
              {formatMeasure(report.mean[n])}
            </td>
          ))}
          <td>{formatShare(report.unjudged[k] ?? 0)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

/** The set's measures under one configuration, per query and averaged, against the grades so far. */
export function MetricsPanel(): React.JSX.Element {
  const actions = useActions();
  const metrics = useEvaluate((s) => s.metrics);
  const stale = useEvaluate((s) => s.metricsStale);
  const configurations = useEvaluate((s) => s.configurations);
  const chosen = useEvaluate((s) => s.metricsConfiguration);
  const cutoffs = useEvaluate((s) => s.cutoffs);
  const [k, setK] = useState(10);
  const report = metrics.data;
  return (
    <div className="eval-panel-body">
      <div className="eval-toolbar">
        <label className="eval-field">
          <span className="field-label">Configuration</span>
          <select
            className="select"
            value={chosen}
            onChange={(e) => actions.evaluate.setMetricsConfiguration(e.target.value)}
          >
            {configurations.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <ThresholdSelect />
        <label className="eval-field">
          <span className="field-label">Cutoff k</span>
          <select className="select" value={k} onChange={(e) => setK(Number(e.target.value))}>
            {cutoffs.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button"
          disabled={metrics.phase === 'loading'}
          onClick={() => void actions.evaluate.runMetrics()}
        >
          {metrics.phase === 'loading' ? <Spinner small /> : null} Measure again
        </button>
        {stale && report ? <span className="muted">Grades changed since these numbers.</span> : null}
      </div>
      {metrics.error ? (
        <p className="banner banner-error" role="alert">
          {metrics.error}
        </p>
      ) : null}
      {!report && metrics.phase === 'loading' ? <StatusMessage kind="loading" title="Measuring…" /> : null}
      {report && report.perQuery.length === 0 ? (
        <StatusMessage kind="empty" title="Nothing graded yet">
          Measures need grades: grade some candidates in the Grade tab, then come back.
        </StatusMessage>
      ) : null}
      {report && report.perQuery.length > 0 ? (
        <section aria-label="Metrics" aria-busy={metrics.phase === 'loading' || undefined}>
          <dl className="eval-stats">
            {['recip_rank', 'map', `P_${k}`, `recall_${k}`, `ndcg_cut_${k}`].map((n) => (
              <div key={n} className="eval-stat" title={measureHelp(n)}>
                <dt>{measureLabel(n)}</dt>
                <dd data-measure={n}>{formatMeasure(report.mean[n])}</dd>
              </div>
            ))}
          </dl>
          <UnjudgedHint report={report} />
          <MetricsTable report={report} k={k} />
          {report.failures.length > 0 ? (
            <p className="field-error">
              {report.failures.length} queries could not be searched: {report.failures[0]!.message}
            </p>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
