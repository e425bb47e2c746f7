import { useAppState } from '../../actions/app-context.tsx';

/** A strip under the top bar while the engine cannot be reached. */
export function ConnectionBanner(): React.JSX.Element | null {
  const connection = useAppState((s) => s.connection);
  if (connection === 'lost') {
    return (
      <div className="banner banner-warning" role="alert">
        Lost the connection to Lookalike. Retrying… If you stopped <code>lookalike serve</code>, start it
        again and open the new link it prints.
      </div>
    );
  }
  if (connection === 'unauthorized') {
    return (
      <div className="banner banner-error" role="alert">
        This page’s access token is not valid (the server was restarted?). Open the link that{' '}
        <code>lookalike serve</code> printed.
      </div>
    );
  }
  return null;
}
