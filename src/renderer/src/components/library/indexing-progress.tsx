import { useActions, useLibrary } from '../../actions/app-context.tsx';
import {
  fileName,
  formatCount,
  formatEta,
  formatRate,
  formatSeconds,
  formatTime,
  plural,
} from '../../format.ts';
import type { IndexingRun, IndexingState } from '../../../../shared/indexing-state.ts';
import { CheckIcon, RefreshIcon } from '../common/icons.tsx';
import { ProgressBar } from '../common/progress-bar.tsx';
import { Spinner } from '../common/status-message.tsx';

const PHASE_LABEL: Record<IndexingState['phase'], string> = {
  idle: 'Idle',
  scanning: 'Looking for photos…',
  indexing: 'Indexing photos…',
  saving: 'Saving the index…',
  removing: 'Removing folder…',
};

function LastRun(props: { run: IndexingRun }): React.JSX.Element {
  const { run } = props;
  if (run.error) {
    return (
      <p className="last-run last-run-error" role="alert">
        {run.kind === 'index' ? 'Indexing' : 'Removing'} failed at {formatTime(run.finishedAt)}: {run.error}
      </p>
    );
  }
  if (run.kind === 'remove') {
    return (
      <p className="last-run">
        Removed {fileName(run.folders[0] ?? '')} ({plural(run.removed, 'photo')}) at{' '}
        {formatTime(run.finishedAt)}.
      </p>
    );
  }
  const parts = [
    `${formatCount(run.indexed)} indexed`,
    run.unchanged > 0 ? `${formatCount(run.unchanged)} unchanged` : '',
    run.removed > 0 ? `${formatCount(run.removed)} removed` : '',
    run.skipped > 0 ? `${formatCount(run.skipped)} skipped` : '',
    formatSeconds(run.seconds) + (run.indexed > 0 ? ` (${formatRate(run.imagesPerSecond)})` : ''),
  ].filter(Boolean);
  return (
    <div className="last-run">
      {run.stopped ? (
        <p className="last-run-title last-run-stopped">Stopped before the end: rescan to finish</p>
      ) : (
        <p className="last-run-title">
          <CheckIcon size={16} /> Up to date
        </p>
      )}
      <p className="muted">
        Last run at {formatTime(run.finishedAt)}: {parts.join(' · ')}
      </p>
    </div>
  );
}

/** The background job: a progress bar with counts, rate, time left and the file being read. */
export function IndexingProgress(): React.JSX.Element {
  const actions = useActions();
  const state = useLibrary((s) => s.indexing);
  const hasFolders = useLibrary((s) => (s.status?.folders.length ?? 0) > 0);
  const running = state.phase !== 'idle';
  const fraction = state.total > 0 ? state.done / state.total : 0;
  const percent = Math.round(fraction * 100);

  return (
    <div className="indexing" aria-live="polite">
      {running ? (
        <>
          <div className="job-head">
            <Spinner small />
            <span className="job-phase indexing-phase">{PHASE_LABEL[state.phase]}</span>
            {state.queued > 0 ? (
              <span className="muted">· {plural(state.queued, 'more job')} waiting</span>
            ) : null}
            {state.phase !== 'removing' ? (
              <button
                type="button"
                className="button button-small indexing-stop"
                onClick={() => void actions.library.stopIndexing()}
                title="Stop indexing; what is done is kept"
              >
                Stop
              </button>
            ) : null}
          </div>
          <ProgressBar
            label="Indexing progress"
            max={state.total || undefined}
            now={state.total ? state.done : undefined}
            valueText={state.total ? `${formatCount(state.done)} of ${formatCount(state.total)}` : 'Scanning'}
            percent={state.total ? percent : undefined}
            indeterminate={state.phase === 'scanning' || state.total === 0}
          />
          <div className="job-stats">
            <span>
              {state.total > 0
                ? `${formatCount(state.done)} of ${formatCount(state.total)} (${percent}%)`
                : 'Scanning folders'}
            </span>
            {state.imagesPerSecond > 0 ? <span>{formatRate(state.imagesPerSecond)}</span> : null}
            {state.etaSeconds !== null && state.phase === 'indexing' ? (
              <span>{formatEta(state.etaSeconds)}</span>
            ) : null}
            {state.skipped > 0 ? <span>{formatCount(state.skipped)} skipped</span> : null}
          </div>
          {state.currentPath ? (
            <p className="indexing-current" title={state.currentPath}>
              Reading {fileName(state.currentPath)}
            </p>
          ) : null}
        </>
      ) : state.lastRun ? (
        <LastRun run={state.lastRun} />
      ) : (
        <p className="last-run muted">
          {hasFolders ? 'Idle. Rescan to pick up photos added since.' : 'Nothing to index yet.'}
        </p>
      )}
      <div className="indexing-actions">
        <button
          type="button"
          className="button"
          disabled={!hasFolders}
          onClick={() => void actions.library.rescan()}
          title="Read again what changed in every folder"
        >
          <RefreshIcon size={16} /> Rescan all folders
        </button>
      </div>
    </div>
  );
}
