import { useActions, useAppState } from '../../actions/app-context.tsx';

/** A strip under the top bar while the engine cannot be reached. */
export function ConnectionBanner(): React.JSX.Element | null {
  const connection = useAppState((s) => s.connection);
  const actions = useActions();
  if (connection === 'lost') {
    return (
      <div className="banner banner-warning" role="alert">
        Lost the connection to Lookalike. Retrying… If you stopped <code>lookalike serve</code>, start it
        again and open the new link it prints.
      </div>
    );
  }
  if (connection === 'restarting') {
    return (
      <div className="banner banner-warning" role="alert">
        Lookalike’s engine stopped unexpectedly and is restarting… Your library is safe; searches work again
        in a moment.
      </div>
    );
  }
  if (connection === 'failed') {
    return (
      <div className="banner banner-error" role="alert">
        Lookalike’s engine keeps stopping right after it starts, so it is not being restarted. Your library is
        safe.{' '}
        <button type="button" className="button" onClick={() => void actions.restartEngine()}>
          Try again
        </button>{' '}
        If it keeps failing, quit and reopen Lookalike.
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
