import { useState } from 'react';
import type { ModelInfo } from '../../../../shared/model-api.ts';
import { useActions, useSettings } from '../../actions/app-context.tsx';
import { formatBytes, formatRate } from '../../format.ts';
import { isInstallRunning } from '../../state/settings-store.ts';
import { CheckIcon, TrashIcon } from '../common/icons.tsx';
import { InstallProgress } from './install-progress.tsx';

function originLabel(m: ModelInfo): string {
  switch (m.origin) {
    case 'bundled':
      return 'Installed with the app';
    case 'catalog':
      return 'Downloaded';
    case 'file':
      return 'Added from a file';
    case null:
      return m.install === 'download' ? 'Available to download' : 'Add from a file';
  }
}

/** What to do with a model: get it, use it, or remove it (with a confirmation). */
function ModelActions(props: { model: ModelInfo; switchingTarget: string | null }): React.JSX.Element | null {
  const actions = useActions();
  const { model } = props;
  const install = useSettings((s) => s.installs[model.id]);
  const switchingTo = useSettings((s) => s.switchingTo);
  const removing = useSettings((s) => s.removing.includes(model.id));
  const [confirming, setConfirming] = useState(false);

  if (model.status === 'available') {
    if (model.install !== 'download') return null;
    return (
      <button
        type="button"
        className="button button-primary button-small"
        disabled={isInstallRunning(install)}
        onClick={() => void actions.settings.installFromCatalog(model.id)}
        aria-label={`Download ${model.name}`}
      >
        Download ({formatBytes(model.bytes)})
      </button>
    );
  }
  if (confirming) {
    return (
      <div className="model-confirm" role="group" aria-label={`Remove ${model.name}?`}>
        <span className="model-confirm-text">Remove the model and its index?</span>
        <button
          type="button"
          className="button button-danger button-small"
          onClick={() => {
            setConfirming(false);
            void actions.settings.removeModel(model.id);
          }}
        >
          Remove
        </button>
        {/* The button that asked is gone: the safe answer takes the focus, so the keyboard is not lost. */}
        <button type="button" className="button button-small" onClick={() => setConfirming(false)} autoFocus>
          Cancel
        </button>
      </div>
    );
  }
  const isTarget = props.switchingTarget === model.id;
  return (
    <div className="model-buttons">
      {!model.active && !isTarget ? (
        <button
          type="button"
          className="button button-small"
          disabled={switchingTo !== null}
          onClick={() => void actions.settings.useModel(model.id)}
          aria-label={`Use ${model.name}`}
          title="Embed the library with this model in the background; it answers once done"
        >
          {switchingTo === model.id ? 'Starting…' : 'Use this model'}
        </button>
      ) : null}
      {model.origin !== 'bundled' ? (
        <button
          type="button"
          className="button button-quiet button-small"
          disabled={removing}
          onClick={() => {
            actions.settings.clearActionError();
            setConfirming(true);
          }}
          aria-label={`Remove ${model.name}`}
          title="Delete the model file and the library’s vectors for it"
        >
          <TrashIcon size={16} /> {removing ? 'Removing…' : 'Remove'}
        </button>
      ) : null}
    </div>
  );
}

/** One model: what it is, how good and fast, where from, and its actions. */
export function ModelCard(props: { model: ModelInfo; switchingTarget: string | null }): React.JSX.Element {
  const { model } = props;
  const install = useSettings((s) => s.installs[model.id]);
  const isTarget = props.switchingTarget === model.id;
  return (
    <li className={`model-card${model.active ? ' is-active' : ''}`} aria-label={model.name}>
      <div className="model-head">
        <div className="model-title">
          <span className="model-name">{model.name}</span>
          {model.active ? (
            <span className="pill pill-ok">
              <CheckIcon size={12} /> Active
            </span>
          ) : null}
          {isTarget ? <span className="pill">Switching to</span> : null}
          {model.recommended ? <span className="pill pill-accent">Recommended</span> : null}
        </div>
        <ModelActions model={model} switchingTarget={props.switchingTarget} />
      </div>
      {model.notes ? <p className="model-notes">{model.notes}</p> : null}
      <dl className="model-facts">
        <div>
          <dt>Size</dt>
          <dd>
            {model.status === 'available' && model.install === 'file' ? 'about ' : ''}
            {formatBytes(model.bytes)}
          </dd>
        </div>
        {model.dim !== null ? (
          <div>
            <dt>Vector</dt>
            <dd>{model.dim} dimensions</dd>
          </div>
        ) : null}
        <div>
          <dt>Licence</dt>
          <dd>{model.license ?? 'not stated'}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{model.imagesPerSecond !== null ? formatRate(model.imagesPerSecond) : 'not measured yet'}</dd>
        </div>
        <div className="model-fact-wide">
          <dt>Source</dt>
          <dd className="break-all">{model.source ?? 'not stated'}</dd>
        </div>
        <div className="model-fact-wide">
          <dt>Status</dt>
          <dd>
            {originLabel(model)}
            {model.id !== model.name ? <span className="muted"> · id {model.id}</span> : null}
          </dd>
        </div>
        {model.status === 'available' && model.install === 'file' && model.docs ? (
          <div className="model-fact-wide">
            <dt>How to get it</dt>
            <dd>
              Export it as <code>{model.docs}</code> describes, then add the file below.
            </dd>
          </div>
        ) : null}
      </dl>
      {install ? <InstallProgress install={install} name={model.name} /> : null}
    </li>
  );
}
