import { useEffect } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import type { EvaluateTab } from '../../state/evaluate-store.ts';
import { StatusMessage } from '../common/status-message.tsx';
import { ComparePanel } from './compare-panel.tsx';
import { GradingPanel } from './grading-panel.tsx';
import { InvariancePanel } from './invariance-panel.tsx';
import { MetricsPanel } from './metrics-panel.tsx';
import { SetSidebar } from './set-sidebar.tsx';
import { SignalsPanel } from './signals-panel.tsx';
import { TrecExchangePanel } from './trec-exchange-panel.tsx';

const TABS: ReadonlyArray<{ id: EvaluateTab; label: string; needsSet: boolean }> = [
  { id: 'grade', label: 'Grade', needsSet: true },
  { id: 'metrics', label: 'Metrics', needsSet: true },
  { id: 'compare', label: 'Compare', needsSet: true },
  { id: 'invariance', label: 'Invariance', needsSet: false },
  { id: 'signals', label: 'Online signals', needsSet: false },
  { id: 'exchange', label: 'TREC files', needsSet: false },
];

function TabPanel(props: { tab: EvaluateTab }): React.JSX.Element {
  switch (props.tab) {
    case 'grade':
      return <GradingPanel />;
    case 'metrics':
      return <MetricsPanel />;
    case 'compare':
      return <ComparePanel />;
    case 'invariance':
      return <InvariancePanel />;
    case 'signals':
      return <SignalsPanel />;
    case 'exchange':
      return <TrecExchangePanel />;
  }
}

/**
 * The evaluation workbench: sets of query photos on the left; grading, metrics, comparison of
 * configurations, invariance tests, online signals and TREC files on the right.
 */
export function EvaluateView(): React.JSX.Element {
  const actions = useActions();
  const tab = useEvaluate((s) => s.tab);
  const setId = useEvaluate((s) => s.setId);
  const setName = useEvaluate((s) => s.sets.data?.find((x) => x.id === s.setId)?.name ?? null);

  useEffect(() => {
    void actions.evaluate.loadSets();
  }, [actions]);

  const current = TABS.find((t) => t.id === tab) ?? TABS[0]!;
  const onTabKey = (e: React.KeyboardEvent): void => {
    const i = TABS.findIndex((t) => t.id === tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const target = TABS[(next + TABS.length) % TABS.length]!;
    actions.evaluate.setTab(target.id);
    document.getElementById(`eval-tab-${target.id}`)?.focus();
  };

  return (
    <div className="eval-page">
      <SetSidebar />
      <section className="eval-main" aria-label="Evaluate">
        <header className="eval-header">
          <h1 className="eval-title">{setName ?? 'Evaluate the search'}</h1>
          <div className="eval-tabs" role="tablist" aria-label="Evaluation tools" onKeyDown={onTabKey}>
            {TABS.map((t) => (
              <button
                key={t.id}
                id={`eval-tab-${t.id}`}
                type="button"
                role="tab"
                className="eval-tab"
                aria-selected={t.id === tab}
                aria-controls="eval-tabpanel"
                tabIndex={t.id === tab ? 0 : -1}
                onClick={() => actions.evaluate.setTab(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
        </header>
        <div
          id="eval-tabpanel"
          className="eval-tabpanel"
          role="tabpanel"
          aria-labelledby={`eval-tab-${current.id}`}
        >
          {current.needsSet && setId === null ? (
            <StatusMessage kind="empty" title="Make an evaluation set first">
              Name a set on the left, then add query photos to it. Invariance tests, online signals and TREC
              import work without one.
            </StatusMessage>
          ) : (
            <TabPanel tab={current.id} />
          )}
        </div>
      </section>
    </div>
  );
}
