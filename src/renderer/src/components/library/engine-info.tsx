import { useLibrary } from '../../actions/app-context.tsx';
import { formatCount } from '../../format.ts';

/** Which model runs where, and the index's health: what support would ask first. */
export function EngineInfo(): React.JSX.Element {
  const status = useLibrary((s) => s.status);
  if (!status) return <p className="muted">Loading…</p>;
  return (
    <dl className="facts">
      <dt>Model</dt>
      <dd>
        {status.model.id} <span className="muted">({status.model.dim} dimensions)</span>
      </dd>
      <dt>Runs on</dt>
      <dd>
        <span className="pill">{status.device.provider}</span>
        {status.device.fallbacks.length > 0 ? (
          <ul className="fallbacks">
            {status.device.fallbacks.map((f) => (
              <li key={f.provider}>
                {f.provider}: {f.reason}
              </li>
            ))}
          </ul>
        ) : null}
      </dd>
      <dt>Index</dt>
      <dd>
        {formatCount(status.index.vectors)} photos
        {status.index.state === 'rebuilt' ? <span className="muted"> · {status.index.detail}</span> : null}
      </dd>
      <dt>Library file</dt>
      <dd className="break-all">{status.library}</dd>
    </dl>
  );
}
