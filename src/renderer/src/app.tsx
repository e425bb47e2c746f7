import { useEffect } from 'react';
import { useActions, useAppState, useLibrary } from './actions/app-context.tsx';
import { ConnectionBanner } from './components/common/connection-banner.tsx';
import { LogoIcon } from './components/common/icons.tsx';
import { Spinner } from './components/common/status-message.tsx';
import { EvaluateView } from './components/evaluate/evaluate-view.tsx';
import { LibraryView } from './components/library/library-view.tsx';
import { SearchView } from './components/search/search-view.tsx';
import { ModelOffer } from './components/settings/model-offer.tsx';
import { ModelSwitchBadge } from './components/settings/model-switch-badge.tsx';
import { SettingsView } from './components/settings/settings-view.tsx';
import type { View } from './state/app-store.ts';

function IndexingBadge(): React.JSX.Element | null {
  const actions = useActions();
  const indexing = useLibrary((s) => s.indexing);
  if (indexing.phase === 'idle') return null;
  const percent = indexing.total > 0 ? Math.round((indexing.done / indexing.total) * 100) : null;
  return (
    <button type="button" className="indexing-badge" onClick={() => actions.showView('library')}>
      <Spinner small />{' '}
      {indexing.phase === 'removing' ? 'Removing…' : `Indexing${percent !== null ? ` ${percent}%` : '…'}`}
    </button>
  );
}

function NavButton(props: { view: View; label: string }): React.JSX.Element {
  const actions = useActions();
  const current = useAppState((s) => s.view) === props.view;
  return (
    <button
      type="button"
      className={`nav-button${current ? ' is-current' : ''}`}
      aria-current={current ? 'page' : undefined}
      onClick={() => actions.showView(props.view)}
    >
      {props.label}
    </button>
  );
}

export function App(): React.JSX.Element {
  const actions = useActions();
  const view = useAppState((s) => s.view);

  useEffect(() => actions.start(), [actions]);

  // A photo pasted anywhere becomes the query (pasted text is left to the text fields).
  useEffect(() => {
    const onPaste = (e: ClipboardEvent): void => {
      const file = Array.from(e.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
      if (!file) return;
      e.preventDefault();
      actions.showView('search');
      void actions.search.searchWithFile(
        file,
        file.name && file.name !== 'image.png' ? file.name : 'Pasted image',
      );
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [actions]);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark">
            <LogoIcon size={20} />
          </span>
          Lookalike
        </div>
        <nav className="nav" aria-label="Main">
          <NavButton view="search" label="Search" />
          <NavButton view="library" label="Library" />
          <NavButton view="evaluate" label="Evaluate" />
          <NavButton view="settings" label="Settings" />
        </nav>
        <div className="topbar-end">
          <IndexingBadge />
          <ModelSwitchBadge />
        </div>
      </header>
      <ConnectionBanner />
      <ModelOffer />
      <main className="main">
        {view === 'library' ? (
          <LibraryView />
        ) : view === 'settings' ? (
          <SettingsView />
        ) : view === 'evaluate' ? (
          <EvaluateView />
        ) : (
          <SearchView />
        )}
      </main>
    </div>
  );
}

/** Shown instead of the app when it cannot talk to the engine at all. */
export function Unconnected(props: { problem: 'no-token' | 'no-transport' }): React.JSX.Element {
  return (
    <div className="unconnected">
      <div className="card unconnected-card">
        <h1 className="page-title">
          <LogoIcon size={22} /> Lookalike
        </h1>
        {props.problem === 'no-token' ? (
          <>
            <p>This page needs the access link that Lookalike printed when it started:</p>
            <pre className="code-block">npx lookalike serve</pre>
            <p className="muted">
              Open the <code>http://127.0.0.1:…/?token=…</code> link it shows. The token keeps other pages and
              programs from reading your library.
            </p>
          </>
        ) : (
          <p>The app’s connection to its engine is missing. Please reinstall Lookalike.</p>
        )}
      </div>
    </div>
  );
}
