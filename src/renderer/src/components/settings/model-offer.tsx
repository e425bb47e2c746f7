import { useActions, useLibrary, useSettings } from '../../actions/app-context.tsx';
import { recommendedDownload } from '../../actions/settings-actions.ts';
import { formatBytes, plural } from '../../format.ts';
import { isInstallRunning } from '../../state/settings-store.ts';
import { InstallProgress } from './install-progress.tsx';

/**
 * The first run's offer of the recommended model, under the top bar (never in the way of the
 * library): download it now, or "Not now" and keep the bundled model, which works offline.
 */
export function ModelOffer(): React.JSX.Element | null {
  const actions = useActions();
  const offer = useSettings((s) => s.offer);
  const offerError = useSettings((s) => s.offerError);
  const models = useSettings((s) => s.models);
  const library = useLibrary((s) => s.status?.library ?? null);
  const photos = useLibrary((s) => s.status?.images ?? 0);
  const recommended = models ? recommendedDownload(models) : undefined;
  const install = useSettings((s) => (recommended ? s.installs[recommended.id] : undefined));
  if ((offer !== 'offered' && offer !== 'installing') || !library || !recommended) return null;
  // Also when the download was started from Settings: one download, shown in both places.
  const installing = offer === 'installing' || isInstallRunning(install);
  return (
    <section className="model-offer" aria-labelledby="model-offer-title">
      <div className="model-offer-text">
        <h2 id="model-offer-title" className="model-offer-title">
          Get better matches: {recommended.name}
        </h2>
        <p>
          {recommended.notes} A {formatBytes(recommended.bytes)} download; your photos never leave this
          computer.
          {photos > 0
            ? ` Your ${plural(photos, 'photo')} ${photos === 1 ? 'is' : 'are'} then embedded again in the background; search keeps working meanwhile.`
            : ''}
        </p>
        {offerError ? (
          <p className="field-error" role="alert">
            {offerError} The bundled model keeps working offline; you can try again here or in Settings.
          </p>
        ) : null}
        {installing && install ? <InstallProgress install={install} name={recommended.name} /> : null}
      </div>
      <div className="model-offer-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={installing}
          onClick={() => void actions.settings.acceptOffer(library)}
        >
          {installing ? 'Downloading…' : `Download (${formatBytes(recommended.bytes)}) and use it`}
        </button>
        <button
          type="button"
          className="button"
          disabled={installing}
          onClick={() => actions.settings.declineOffer(library)}
          title="Keep the bundled model: everything keeps working offline"
        >
          Not now
        </button>
      </div>
    </section>
  );
}
