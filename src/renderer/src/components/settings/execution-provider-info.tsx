import type { LibraryStatus } from '../../../../shared/library-api.ts';

const PROVIDER_NAME: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'NVIDIA GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'Apple GPU and Neural Engine (Core ML)',
  tensorrt: 'NVIDIA GPU (TensorRT)',
};

/** Where the model runs, and when that is the CPU, why no GPU was used. */
export function ExecutionProviderInfo(props: { device: LibraryStatus['device'] }): React.JSX.Element {
  const { provider, fallbacks } = props.device;
  const onCpu = provider === 'cpu';
  return (
    <div className="provider-info">
      <p>
        <span className={`pill${onCpu ? '' : ' pill-ok'}`}>{onCpu ? 'CPU' : 'GPU'}</span>{' '}
        {PROVIDER_NAME[provider] ?? provider}
      </p>
      {fallbacks.length > 0 ? (
        <>
          <p className="muted">{onCpu ? 'Why not a GPU:' : 'Tried first:'}</p>
          <ul className="fallbacks">
            {fallbacks.map((f) => (
              <li key={f.provider}>
                {PROVIDER_NAME[f.provider] ?? f.provider}: {f.reason}
              </li>
            ))}
          </ul>
        </>
      ) : onCpu ? (
        <p className="muted">
          No GPU was tried: Lookalike was started for the CPU (<code>--device cpu</code>). Start it with{' '}
          <code>--device auto</code> to use a GPU when one is set up (README: GPU acceleration).
        </p>
      ) : null}
    </div>
  );
}
