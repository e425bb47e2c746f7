import { useLibrary } from '../../actions/app-context.tsx';
import { fileName, folderOf, formatCount } from '../../format.ts';

/** Files that could not be used, each with the reason in words. */
export function SkippedFiles(): React.JSX.Element {
  const skipped = useLibrary((s) => s.skipped);
  const total = useLibrary((s) => s.status?.skipped ?? 0);
  if (skipped.length === 0) {
    return <p className="muted">Every file found so far could be used.</p>;
  }
  return (
    <>
      <p className="muted">
        {formatCount(total)} {total === 1 ? 'file was' : 'files were'} not indexed. They are retried when they
        change.
      </p>
      <ul className="skipped-list" aria-label="Skipped files">
        {skipped.map((s) => (
          <li key={s.path} className="skipped-row">
            <span className="skipped-name" title={s.path}>
              {fileName(s.path)}
              <span className="skipped-folder"> in {folderOf(s.path)}</span>
            </span>
            <span className="skipped-reason">{s.reason}</span>
          </li>
        ))}
      </ul>
      {total > skipped.length ? (
        <p className="muted">…and {formatCount(total - skipped.length)} more.</p>
      ) : null}
    </>
  );
}
