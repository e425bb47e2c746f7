import { useActions, useLibrary, useSettings } from '../../actions/app-context.tsx';
import { plural } from '../../format.ts';
import { StatusMessage } from '../common/status-message.tsx';
import { AddModelFileForm } from './add-model-file-form.tsx';
import { ExecutionProviderInfo } from './execution-provider-info.tsx';
import { ModelCard } from './model-card.tsx';
import { ReembedProgress } from './reembed-progress.tsx';

/** The model answering searches, and the switch to another one under way. */
function ActiveModel(): React.JSX.Element {
  const models = useSettings((s) => s.models);
  const modelSwitch = useSettings((s) => s.modelSwitch);
  const status = useLibrary((s) => s.status);
  const activeId = modelSwitch?.active ?? status?.model.id;
  if (!activeId) return <p className="muted">Loading…</p>;
  const nameOf = (id: string): string => models?.find((m) => m.id === id)?.name ?? id;
  const reembedding = modelSwitch ? modelSwitch.reembedding : (status?.reembedding ?? null);
  return (
    <div className="active-model">
      <p>
        Searches use <strong className="active-model-name">{nameOf(activeId)}</strong>.
      </p>
      {reembedding ? (
        <ReembedProgress reembedding={reembedding} nameOf={nameOf} activeId={activeId} />
      ) : (
        <p className="muted">To switch, choose “Use this model” on another installed model.</p>
      )}
    </div>
  );
}

function ModelList(): React.JSX.Element {
  const actions = useActions();
  const models = useSettings((s) => s.models);
  const loadError = useSettings((s) => s.loadError);
  const switchingTarget = useSettings((s) => s.modelSwitch?.reembedding?.model ?? null);
  if (loadError && !models) {
    return (
      <StatusMessage
        kind="error"
        title="The models could not be listed"
        onRetry={() => void actions.settings.loadModels()}
      >
        {loadError}
      </StatusMessage>
    );
  }
  if (!models) return <StatusMessage kind="loading" title="Loading models…" />;
  const installed = models.filter((m) => m.status === 'installed');
  const available = models.filter((m) => m.status === 'available');
  return (
    <>
      <h3 className="model-group-title">Installed</h3>
      <ul className="model-list" aria-label="Installed models">
        {installed.map((m) => (
          <ModelCard key={m.id} model={m} switchingTarget={switchingTarget} />
        ))}
      </ul>
      {available.length > 0 ? (
        <>
          <h3 className="model-group-title">More models</h3>
          <ul className="model-list" aria-label="More models">
            {available.map((m) => (
              <ModelCard key={m.id} model={m} switchingTarget={switchingTarget} />
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

/** Models (installed and offered), where they run, and switching between them. */
export function SettingsView(): React.JSX.Element {
  const actionError = useSettings((s) => s.actionError);
  const installedCount = useSettings((s) => s.models?.filter((m) => m.status === 'installed').length);
  const device = useLibrary((s) => s.status?.device);
  const actions = useActions();
  return (
    <div className="page settings-page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Settings</h1>
          <p className="page-subtitle">
            {installedCount !== undefined
              ? `${plural(installedCount, 'model')} installed · everything runs on this computer`
              : 'Models and where they run'}
          </p>
        </div>
      </header>
      {actionError ? (
        <div className="banner banner-error settings-error" role="alert">
          <span>{actionError}</span>
          <button
            type="button"
            className="button button-quiet button-small"
            onClick={() => actions.settings.clearActionError()}
          >
            Dismiss
          </button>
        </div>
      ) : null}
      <div className="settings-columns">
        <section className="card" aria-labelledby="models-heading">
          <h2 id="models-heading" className="card-title">
            Models
          </h2>
          <ModelList />
        </section>
        <div className="settings-side">
          <section className="card" aria-labelledby="active-model-heading">
            <h2 id="active-model-heading" className="card-title">
              Active model
            </h2>
            <ActiveModel />
          </section>
          <section className="card" aria-labelledby="add-model-heading">
            <h2 id="add-model-heading" className="card-title">
              Add a model from a file
            </h2>
            <AddModelFileForm />
          </section>
          <section className="card" aria-labelledby="provider-heading">
            <h2 id="provider-heading" className="card-title">
              Runs on
            </h2>
            {device ? <ExecutionProviderInfo device={device} /> : <p className="muted">Loading…</p>}
          </section>
        </div>
      </div>
    </div>
  );
}
