import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppActions } from './actions/app-actions.ts';
import { AppProvider } from './actions/app-context.tsx';
import { connectClient } from './api/connect-client.ts';
import { App, Unconnected } from './app.tsx';
import { createAppStore } from './state/app-store.ts';
import { createEvaluateStore } from './state/evaluate-store.ts';
import { createLibraryStore } from './state/library-store.ts';
import { createSearchStore } from './state/search-store.ts';
import { createSettingsStore } from './state/settings-store.ts';
import './styles/app.css';

const root = createRoot(document.getElementById('root')!);
const connection = connectClient();
if ('client' in connection) {
  const stores = {
    app: createAppStore(),
    library: createLibraryStore(),
    search: createSearchStore(),
    evaluate: createEvaluateStore(),
    settings: createSettingsStore(),
  };
  const actions = new AppActions(connection.client, stores);
  root.render(
    <StrictMode>
      <AppProvider actions={actions} stores={stores}>
        <App />
      </AppProvider>
    </StrictMode>,
  );
} else {
  root.render(<Unconnected problem={connection.problem} />);
}
