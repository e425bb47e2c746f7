import { useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import { fileName } from '../../format.ts';
import type { ComparisonReport } from '../../../../shared/evaluation-api.ts';
import { Spinner, StatusMessage } from '../common/status-message.tsx';
import { BarChart } from './bar-chart.tsx';
import { ConfigurationsEditor } from './configurations-editor.tsx';
import { LineChart } from './line-chart.tsx';
import { formatDelta, formatMeasure, measureHelp, measureLabel } from './measure-names.ts';
import { ThresholdSelect } from './metrics-panel.tsx';
import { describeSignificance } from './significance-words.ts';

type Curve = 'P' | 'recall' | 'ndcg';
const CURVE_NAMES: Record<Curve, string> = { P: 'Precision@k', recall: 'Recall@k', ndcg: 'nDCG@k' };

function SideBySide(props: { report: ComparisonReport }): React.JSX.Element {
  const { report } = props;
  return (
    <table className="eval-table eval-compare-table">
      <caption className="visually-hidden">Mean of each measure per configuration</caption>
      <thead>
        <tr>
          <th scope="col">Measure</th>
          {report.reports.map((r) => (
            <th key={r.configuration.name} scope="col">
              {r.configuration.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {report.measures.map((m) => {
          const values = report.reports.map((r) => r.mean[m] ?? 0);
          const best = Math.max(...values);
          return (
            <tr key={m}>
              <th scope="row" title={measureHelp(m)}>
                {measureLabel(m)}
              </th>
              {values.map((v, i) => (
                <td
                  key={i}
                  data-measure={m}
                  data-configuration={report.reports[i]!.configuration.name}
                  className={v === best && values.some((x) => x !== best) ? 'is-best' : undefined}
                >
                  {formatMeasure(v)}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The test on the chosen measure in words; the other measures' tests folded away. */
function Significance(props: { report: ComparisonReport }): React.JSX.Element {
  const { report } = props;
  const main = report.significance.filter((s) => s.measure === report.measure);
  const others = report.significance.filter((s) => s.measure !== report.measure);
  return (
    <section className="card eval-significance" aria-label="Significance">
      <h3 className="card-title">Is the difference real?</h3>
      {main.map((s) => (
        <p key={`${s.measure}-${s.other}`} className="eval-significance-text">
          {describeSignificance(s)}
        </p>
      ))}
      {others.length > 0 ? (
        <details>
          <summary>The same test on the other measures</summary>
          {others.map((s) => (
            <p key={`${s.measure}-${s.other}`} className="eval-significance-text">
              {describeSignificance(s)}
            </p>
          ))}
        </details>
      ) : null}
    </section>
  );
}

function MetricVsK(props: { report: ComparisonReport }): React.JSX.Element {
  const [curve, setCurve] = useState<Curve>('ndcg');
  const series = props.report.metricVsK;
  const ks = series[0]?.k ?? [];
  const last = ks.length - 1;
  const summary = series
    .map(
      (s) =>
        `${s.configuration}: ${(s[curve][0] ?? 0).toFixed(2)} at k=1, ${(s[curve][last] ?? 0).toFixed(2)} at k=${ks[last]}`,
    )
    .join('; ');
  return (
    <section className="card eval-chart-card" aria-label="Metric versus k">
      <div className="eval-chart-head">
        <h3 className="card-title">{CURVE_NAMES[curve]} as k grows</h3>
        <label className="eval-field eval-field-inline">
          <span className="field-label">Measure</span>
          <select className="select" value={curve} onChange={(e) => setCurve(e.target.value as Curve)}>
            {(Object.keys(CURVE_NAMES) as Curve[]).map((c) => (
              <option key={c} value={c}>
                {CURVE_NAMES[c]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LineChart
        title={`${CURVE_NAMES[curve]} against k, per configuration`}
        description={`Mean over the graded queries. ${summary}.`}
        x={ks}
        xLabel="k"
        yLabel={CURVE_NAMES[curve]}
        series={series.map((s) => ({ name: s.configuration, values: s[curve] }))}
      />
    </section>
  );
}

function PerQueryDeltas(props: { report: ComparisonReport }): React.JSX.Element {
  const { report } = props;
  const others = report.reports.slice(1).map((r) => r.configuration.name);
  const [other, setOther] = useState(0);
  const index = Math.min(other, others.length - 1);
  const baseline = report.reports[0]!.configuration.name;
  const measure = measureLabel(report.measure);
  const bars = report.perQuery.map((q) => ({
    key: q.qid,
    label: `${q.qid} ${q.label}`,
    value: q.deltas[index] ?? 0,
  }));
  const wins = bars.filter((b) => b.value > 0).length;
  const losses = bars.filter((b) => b.value < 0).length;
  return (
    <section className="card eval-chart-card" aria-label="Per-query differences">
      <div className="eval-chart-head">
        <h3 className="card-title">
          {measure} per query: {others[index]} minus {baseline}
        </h3>
        {others.length > 1 ? (
          <label className="eval-field eval-field-inline">
            <span className="field-label">Against {baseline}</span>
            <select className="select" value={index} onChange={(e) => setOther(Number(e.target.value))}>
              {others.map((o, i) => (
                <option key={o} value={i}>
                  {o}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      <div className="eval-deltas">
        <BarChart
          title={`Difference in ${measure} per query, ${others[index]} minus ${baseline}`}
          description={`Bars above zero: ${others[index]} did better on that query (${wins}); below: worse (${losses}); ${bars.length - wins - losses} the same.`}
          bars={bars}
          xLabel="Query"
          format={formatDelta}
        />
        <div className="eval-table-scroll">
          <table className="eval-table eval-deltas-table">
            <caption className="visually-hidden">Per-query wins and losses</caption>
            <thead>
              <tr>
                <th scope="col">Query</th>
                {report.reports.map((r) => (
                  <th key={r.configuration.name} scope="col">
                    {r.configuration.name}
                  </th>
                ))}
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {report.perQuery.map((q) => {
                const d = q.deltas[index] ?? 0;
                return (
                  <tr key={q.queryId}>
                    <th scope="row" title={q.label}>
                      {q.qid} <span className="eval-query-label">{fileName(q.label)}</span>
                    </th>
                    {q.values.map((v, i) => (
                      <td key={i}>{formatMeasure(v)}</td>
                    ))}
                    <td className={d > 0 ? 'is-win' : d < 0 ? 'is-loss' : undefined}>
                      {d > 0 ? `win ${formatDelta(d)}` : d < 0 ? `loss ${formatDelta(d)}` : 'tie'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

/** Two or more configurations run over the set: the measures side by side, plots and significance. */
export function ComparePanel(): React.JSX.Element {
  const actions = useActions();
  const compare = useEvaluate((s) => s.compare);
  const stale = useEvaluate((s) => s.compareStale);
  const measure = useEvaluate((s) => s.compareMeasure);
  const cutoffs = useEvaluate((s) => s.cutoffs);
  const count = useEvaluate((s) => s.configurations.length);
  const report = compare.data;
  const measures = ['map', 'recip_rank', 'ndcg', ...cutoffs.flatMap((k) => [`P_${k}`, `ndcg_cut_${k}`])];
  return (
    <div className="eval-panel-body">
      <ConfigurationsEditor />
      <div className="eval-toolbar">
        <ThresholdSelect />
        <label className="eval-field">
          <span className="field-label">Per-query measure</span>
          <select
            className="select"
            value={measure}
            onChange={(e) => actions.evaluate.setCompareMeasure(e.target.value)}
          >
            {measures.map((m) => (
              <option key={m} value={m}>
                {measureLabel(m)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button button-primary"
          disabled={compare.phase === 'loading' || count < 2}
          onClick={() => void actions.evaluate.runCompare()}
        >
          {compare.phase === 'loading' ? <Spinner small /> : null} Compare configurations
        </button>
        {count < 2 ? <span className="muted">Add a second configuration to compare.</span> : null}
        {stale && report ? (
          <span className="muted">Grades or settings changed since this comparison.</span>
        ) : null}
      </div>
      {compare.error ? (
        <p className="banner banner-error" role="alert">
          {compare.error}
        </p>
      ) : null}
      {!report && compare.phase === 'loading' ? (
        <StatusMessage kind="loading" title="Running the set…" />
      ) : null}
      {!report && compare.phase === 'idle' ? (
        <p className="muted eval-help">
          Each configuration searches every query of the set; the grades so far score them. Grade the pooled
          candidates of every configuration first, or ungraded photos will count as not relevant.
        </p>
      ) : null}
      {report ? (
        <section
          className="eval-compare"
          aria-label="Comparison"
          aria-busy={compare.phase === 'loading' || undefined}
        >
          <div className="eval-compare-top">
            <SideBySide report={report} />
            <div className="eval-compare-side">
              <Significance report={report} />
              <MetricVsK report={report} />
            </div>
          </div>
          <PerQueryDeltas report={report} />
        </section>
      ) : null}
    </div>
  );
}
