import { useId, useState } from 'react';
import { useActions, useSettings } from '../../actions/app-context.tsx';
import { isInstallRunning } from '../../state/settings-store.ts';
import { InstallProgress } from './install-progress.tsx';

/** Adds a model file (ONNX or TensorFlow Lite): a native picker in the desktop app, a typed path in a browser. */
export function AddModelFileForm(): React.JSX.Element {
  const actions = useActions();
  const installing = useSettings((s) => s.fileInstalling);
  const error = useSettings((s) => s.fileError);
  const added = useSettings((s) => s.fileInstalled);
  const installs = useSettings((s) => s.installs);
  const models = useSettings((s) => s.models);
  const [path, setPath] = useState('');
  const inputId = useId();
  const errorId = useId();
  const hintId = useId();
  // Progress of file installs (their request is the path); catalog installs show on their model.
  const catalogIds = new Set(models?.map((m) => m.id));
  const running = Object.values(installs).filter((i) => !catalogIds.has(i.request) && isInstallRunning(i));

  async function submit(event: React.FormEvent): Promise<void> {
    event.preventDefault();
    if (await actions.settings.installFromFile(path)) setPath('');
  }

  return (
    <form className="add-model" onSubmit={(e) => void submit(e)} noValidate>
      <label htmlFor={inputId} className="field-label">
        Model file path
      </label>
      <div className="add-model-row">
        <input
          id={inputId}
          className="text-input"
          type="text"
          value={path}
          onChange={(e) => {
            setPath(e.target.value);
            actions.settings.clearFileError();
          }}
          placeholder="/home/you/Downloads/model.onnx"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : hintId}
        />
        <button type="submit" className="button button-primary" disabled={installing}>
          {installing ? 'Adding…' : 'Add model'}
        </button>
        {actions.capabilities.canPickModelFile ? (
          <button
            type="button"
            className="button"
            disabled={installing}
            onClick={() => void actions.settings.pickAndInstallFile()}
          >
            Choose file…
          </button>
        ) : null}
      </div>
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : added ? (
        <p id={hintId} className="field-hint install-done" role="status">
          Added {added}. Choose “Use this model” on it to switch the library to it.
        </p>
      ) : (
        <p id={hintId} className="field-hint">
          An ONNX model (a CLIP, DINOv2 or SigLIP image tower: see docs/models.md) or a TensorFlow Lite image
          classifier, which is converted. It is checked on a test image before it is installed.
        </p>
      )}
      {running.map((install) => (
        <InstallProgress key={install.request} install={install} name={install.request} />
      ))}
    </form>
  );
}
