import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import { Spinner, StatusMessage } from '../common/status-message.tsx';
import { BarChart } from './bar-chart.tsx';
import { formatShare } from './measure-names.ts';
import { describeInterleaving } from './significance-words.ts';

function ClickThrough(): React.JSX.Element {
  const report = useEvaluate((s) => s.clickThrough);
  const data = report.data;
  return (
    <section className="card eval-chart-card" aria-label="Click-through rate by position">
      <h3 className="card-title">Click-through rate by position</h3>
      {report.error ? (
        <p className="field-error" role="alert">
          {report.error}
        </p>
      ) : null}
      {data && data.impressions === 0 ? (
        <p className="muted">
          No searches logged yet. Every search in the Search view is logged here (on this computer only), with
          the results opened, shown in the folder or used for “Find similar”.
        </p>
      ) : null}
      {data && data.impressions > 0 ? (
        <>
          <p className="muted">
            {data.impressions} searches, {data.clicks} clicks (opened {data.byAction.open}, shown in folder{' '}
            {data.byAction.reveal}, find similar {data.byAction.similar}).
          </p>
          <BarChart
            title="Click-through rate by result position"
            description={data.byPosition
              .slice(0, 10)
              .map((p) => `position ${p.position}: ${formatShare(p.ctr)}`)
              .join(', ')}
            bars={data.byPosition.map((p) => ({
              key: String(p.position),
              label: `Position ${p.position}: ${p.clicks} clicks in ${p.impressions} searches`,
              value: p.ctr,
            }))}
            xLabel="Position"
            format={(v) => formatShare(v)}
            range="positive"
          />
        </>
      ) : null}
    </section>
  );
}

function InterleavingSwitch(): React.JSX.Element {
  const actions = useActions();
  const setting = useEvaluate((s) => s.interleaving);
  const configurations = useEvaluate((s) => s.configurations);
  const names = configurations.map((c) => c.name);
  const valid = names.includes(setting.a) && names.includes(setting.b) && setting.a !== setting.b;
  return (
    <div className="eval-interleaving-switch">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={setting.enabled}
          onChange={(e) => actions.evaluate.setInterleaving({ enabled: e.target.checked })}
        />
        Interleave everyday searches between
      </label>
      {(['a', 'b'] as const).map((side) => (
        <select
          key={side}
          className="select"
          aria-label={`Interleaved configuration ${side.toUpperCase()}`}
          value={setting[side]}
          onChange={(e) => actions.evaluate.setInterleaving({ [side]: e.target.value })}
        >
          {names.includes(setting[side]) ? null : (
            <option value={setting[side]}>{setting[side]} (not defined)</option>
          )}
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      ))}
      <p className="field-hint">
        {setting.enabled && !valid
          ? 'Choose two different configurations (defined under Compare); until then searches are not interleaved.'
          : 'Search then mixes both configurations’ results (team-draft interleaving); the photos you open credit the configuration that found them. Searches with a folder filter are shown as usual.'}
      </p>
    </div>
  );
}

/** What everyday searching says: click-through by position and the interleaving outcome. */
export function SignalsPanel(): React.JSX.Element {
  const actions = useActions();
  const report = useEvaluate((s) => s.interleavingReport);
  const loading = useEvaluate(
    (s) => s.clickThrough.phase === 'loading' || s.interleavingReport.phase === 'loading',
  );
  return (
    <div className="eval-panel-body">
      <div className="eval-toolbar">
        <button type="button" className="button" onClick={() => void actions.evaluate.loadSignals()}>
          {loading ? <Spinner small /> : null} Refresh
        </button>
      </div>
      <div className="eval-charts">
        <ClickThrough />
        <section className="card" aria-label="Interleaving">
          <h3 className="card-title">Team-draft interleaving</h3>
          <InterleavingSwitch />
          {report.error ? (
            <p className="field-error" role="alert">
              {report.error}
            </p>
          ) : null}
          {report.data && report.data.length === 0 ? (
            <p className="muted">No interleaved searches yet.</p>
          ) : null}
          {report.data && report.data.length > 0 ? (
            <>
              <table className="eval-table">
                <caption className="visually-hidden">Interleaving wins, ties and losses</caption>
                <thead>
                  <tr>
                    <th scope="col">A vs B</th>
                    <th scope="col">Searches</th>
                    <th scope="col">With clicks</th>
                    <th scope="col">A wins</th>
                    <th scope="col">Ties</th>
                    <th scope="col">B wins</th>
                  </tr>
                </thead>
                <tbody>
                  {report.data.map((r) => (
                    <tr key={`${r.a}-${r.b}`}>
                      <th scope="row">
                        {r.a} vs {r.b}
                      </th>
                      <td>{r.searches}</td>
                      <td>{r.withClicks}</td>
                      <td>{r.winsA}</td>
                      <td>{r.ties}</td>
                      <td>{r.winsB}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {report.data.map((r) => (
                <p key={`${r.a}-${r.b}`} className="eval-significance-text">
                  {describeInterleaving(r)}
                </p>
              ))}
            </>
          ) : null}
        </section>
      </div>
      {report.phase === 'idle' ? <StatusMessage kind="loading" title="Loading…" /> : null}
    </div>
  );
}
