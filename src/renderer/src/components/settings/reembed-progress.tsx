import type { ReembeddingStatus } from '../../../../shared/library-api.ts';
import { useActions } from '../../actions/app-context.tsx';
import { formatCount, formatEta, formatRate } from '../../format.ts';
import { ProgressBar } from '../common/progress-bar.tsx';
import { Spinner } from '../common/status-message.tsx';

const PHASE_LABEL: Record<ReembeddingStatus['phase'], string> = {
  embedding: 'Embedding your photos for the new model…',
  paused: 'Paused',
  waiting: 'Waiting to continue…',
};

/**
 * A switch of model under way: how many photos the new model has seen, how fast, how long is
 * left, with pause and resume; the old model keeps answering searches meanwhile.
 */
export function ReembedProgress(props: {
  reembedding: ReembeddingStatus;
  /** Names by model id, for people rather than ids. */
  nameOf: (id: string) => string;
  activeId: string;
}): React.JSX.Element {
  const actions = useActions();
  const r = props.reembedding;
  const percent = r.total > 0 ? Math.round((r.done / r.total) * 100) : 0;
  const target = props.nameOf(r.model);
  return (
    <div className="reembed" aria-live="polite">
      <div className="job-head">
        {r.phase === 'embedding' ? <Spinner small /> : null}
        <span className="job-phase reembed-phase">{PHASE_LABEL[r.phase]}</span>
        {r.phase === 'paused' ? (
          <button
            type="button"
            className="button button-small reembed-toggle"
            onClick={() => void actions.settings.resumeSwitch()}
          >
            Resume
          </button>
        ) : r.phase === 'embedding' ? (
          <button
            type="button"
            className="button button-small reembed-toggle"
            onClick={() => void actions.settings.pauseSwitch()}
            title="Pause embedding; what is done is kept"
          >
            Pause
          </button>
        ) : null}
      </div>
      <ProgressBar
        label={`Embedding for ${target}`}
        max={r.total || undefined}
        now={r.total ? r.done : undefined}
        valueText={`${formatCount(r.done)} of ${formatCount(r.total)} photos`}
        percent={percent}
      />
      <div className="job-stats">
        <span>
          {formatCount(r.done)} of {formatCount(r.total)} photos ({percent}%)
        </span>
        {r.phase === 'embedding' && r.imagesPerSecond > 0 ? (
          <span>{formatRate(r.imagesPerSecond)}</span>
        ) : null}
        {r.phase === 'embedding' && r.etaSeconds !== null ? <span>{formatEta(r.etaSeconds)}</span> : null}
      </div>
      <p className="reembed-note">
        Searches use <strong>{props.nameOf(props.activeId)}</strong> until this finishes; then{' '}
        <strong>{target}</strong> takes over.
      </p>
      <button
        type="button"
        className="button button-small"
        onClick={() => void actions.settings.useModel(props.activeId)}
        title={`Keep ${props.nameOf(props.activeId)}; what was embedded for ${target} is kept`}
      >
        Stop switching
      </button>
    </div>
  );
}
