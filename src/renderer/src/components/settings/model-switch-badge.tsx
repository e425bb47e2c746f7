import { useActions, useLibrary, useSettings } from '../../actions/app-context.tsx';
import { Spinner } from '../common/status-message.tsx';

/** In the top bar while the library is re-embedded for another model: how far, and a way to Settings. */
export function ModelSwitchBadge(): React.JSX.Element | null {
  const actions = useActions();
  const fromEvents = useSettings((s) => s.modelSwitch);
  const fromStatus = useLibrary((s) => s.status?.reembedding ?? null);
  const reembedding = fromEvents ? fromEvents.reembedding : fromStatus;
  if (!reembedding) return null;
  const percent = reembedding.total > 0 ? Math.floor((reembedding.done / reembedding.total) * 100) : 0;
  const paused = reembedding.phase === 'paused';
  return (
    <button
      type="button"
      className="indexing-badge"
      onClick={() => actions.showView('settings')}
      title="The library is being embedded for another model; searches use the current one meanwhile"
    >
      {paused ? null : <Spinner small />}
      {paused ? `Model switch paused at ${percent}%` : `Switching model ${percent}%`}
    </button>
  );
}
