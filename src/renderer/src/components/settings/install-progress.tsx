import type { ModelInstallEvent } from '../../../../shared/model-api.ts';
import { useActions } from '../../actions/app-context.tsx';
import { formatBytes, formatEta } from '../../format.ts';
import { type InstallProgressState, isInstallRunning } from '../../state/settings-store.ts';
import { ProgressBar } from '../common/progress-bar.tsx';
import { Spinner } from '../common/status-message.tsx';

const PHASE_LABEL: Record<ModelInstallEvent['phase'], string> = {
  downloading: 'Downloading…',
  verifying: 'Checking the download…',
  converting: 'Converting to ONNX…',
  checking: 'Trying the model on a test image…',
  installing: 'Installing…',
  done: 'Installed',
  failed: 'Not installed',
};

/** A model's download and install: a bar with bytes and rate, then its checks; cancel while it runs. */
export function InstallProgress(props: { install: InstallProgressState; name: string }): React.JSX.Element {
  const actions = useActions();
  const { event, cancelling } = props.install;
  const running = isInstallRunning(props.install);
  if (!running) {
    if (event.phase === 'done') return <p className="install-done">Installed.</p>;
    return (
      <div
        className={`install-failed${cancelling ? ' is-cancelled' : ''}`}
        role={cancelling ? 'status' : 'alert'}
      >
        <p>
          {cancelling
            ? 'Download cancelled. What arrived is kept: downloading again resumes it.'
            : `${props.name} was not installed: ${event.message ?? 'the install failed.'}`}
        </p>
        <button
          type="button"
          className="button button-quiet button-small"
          onClick={() => actions.settings.dismissInstall(props.install.request)}
          aria-label={`Dismiss the message about ${props.name}`}
        >
          Dismiss
        </button>
      </div>
    );
  }
  const received = event.receivedBytes ?? 0;
  const total = event.totalBytes ?? null;
  const downloading = event.phase === 'downloading';
  const percent = total ? Math.min(100, Math.round((received / total) * 100)) : null;
  return (
    <div className="install-progress" aria-live="polite">
      <div className="job-head">
        <Spinner small />
        <span className="job-phase install-phase">
          {cancelling ? 'Cancelling…' : PHASE_LABEL[event.phase]}
        </span>
        {downloading ? (
          <button
            type="button"
            className="button button-small install-cancel"
            disabled={cancelling}
            onClick={() => void actions.settings.cancelInstall(props.install.request)}
            aria-label={`Cancel the download of ${props.name}`}
          >
            Cancel
          </button>
        ) : null}
      </div>
      <ProgressBar
        label={`Download of ${props.name}`}
        max={downloading && total ? total : undefined}
        now={downloading && total ? received : undefined}
        valueText={
          downloading
            ? total
              ? `${formatBytes(received)} of ${formatBytes(total)}`
              : formatBytes(received)
            : PHASE_LABEL[event.phase]
        }
        percent={downloading && percent !== null ? percent : undefined}
        indeterminate={!downloading || percent === null}
      />
      {downloading ? (
        <div className="job-stats">
          <span>
            {formatBytes(received)}
            {total ? ` of ${formatBytes(total)} (${percent}%)` : ''}
          </span>
          {event.bytesPerSecond ? <span>{formatBytes(event.bytesPerSecond)}/s</span> : null}
          {event.bytesPerSecond && total && total > received ? (
            <span>{formatEta((total - received) / event.bytesPerSecond)}</span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
