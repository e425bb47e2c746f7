import { useActions, useSettings } from '../../actions/app-context.tsx';
import { isInstallRunning } from '../../state/settings-store.ts';
import { PathEntryForm } from '../common/path-entry-form.tsx';
import { InstallProgress } from './install-progress.tsx';

/** Adds a model file (ONNX or TensorFlow Lite): a native picker in the desktop app, a typed path in a browser. */
export function AddModelFileForm(): React.JSX.Element {
  const actions = useActions();
  const installing = useSettings((s) => s.fileInstalling);
  const error = useSettings((s) => s.fileError);
  const added = useSettings((s) => s.fileInstalled);
  const installs = useSettings((s) => s.installs);
  const models = useSettings((s) => s.models);
  // Progress of file installs (their request is the path); catalog installs show on their model.
  const catalogIds = new Set(models?.map((m) => m.id));
  const running = Object.values(installs).filter((i) => !catalogIds.has(i.request) && isInstallRunning(i));

  return (
    <PathEntryForm
      className="add-model"
      label="Model file path"
      placeholder="/home/you/Downloads/model.onnx"
      submitLabel={installing ? 'Adding…' : 'Add model'}
      busy={installing}
      error={error}
      hint={
        <>
          An ONNX model (a CLIP, DINOv2 or SigLIP image tower: see docs/models.md) or a TensorFlow Lite image
          classifier, which is converted. It is checked on a test image before it is installed.
        </>
      }
      done={
        added ? <>Added {added}. Choose “Use this model” on it to switch the library to it.</> : undefined
      }
      picker={
        actions.capabilities.canPickModelFile
          ? {
              label: 'Choose file…',
              onPick: () => void actions.settings.pickAndInstallFile(),
              disabled: installing,
            }
          : undefined
      }
      onSubmit={(path) => actions.settings.installFromFile(path)}
      onEdit={() => actions.settings.clearFileError()}
    >
      {running.map((install) => (
        <InstallProgress key={install.request} install={install} name={install.request} />
      ))}
    </PathEntryForm>
  );
}
