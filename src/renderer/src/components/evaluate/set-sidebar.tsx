import { useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import { plural } from '../../format.ts';
import { TrashIcon } from '../common/icons.tsx';
import { Spinner } from '../common/status-message.tsx';
import { QueryList } from './query-list.tsx';

function NewSetForm(): React.JSX.Element {
  const actions = useActions();
  const [name, setName] = useState('');
  return (
    <form
      className="eval-inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        const submitted = name;
        void actions.evaluate
          .createSet(submitted)
          .then((ok) => ok && setName((now) => (now === submitted ? '' : now)));
      }}
    >
      <label className="visually-hidden" htmlFor="eval-new-set">
        New set name
      </label>
      <input
        id="eval-new-set"
        className="text-input"
        placeholder="New set name"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <button type="submit" className="button button-small" disabled={!name.trim()}>
        Create set
      </button>
    </form>
  );
}

function DeleteSetButton(props: { setId: number; name: string }): React.JSX.Element {
  const actions = useActions();
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button
        type="button"
        className="icon-button"
        aria-label={`Delete set ${props.name}`}
        title="Delete this set and its grades"
        onClick={() => setConfirming(true)}
      >
        <TrashIcon size={16} />
      </button>
    );
  }
  return (
    <span className="eval-confirm" role="group" aria-label={`Delete set ${props.name}?`}>
      <button
        type="button"
        className="button button-small button-danger"
        onClick={() => void actions.evaluate.deleteSet(props.setId)}
      >
        Delete
      </button>
      <button type="button" className="button button-small" autoFocus onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  );
}

/** The evaluation sets (pick one to work on, make or delete one) and the chosen set's queries. */
export function SetSidebar(): React.JSX.Element {
  const actions = useActions();
  const sets = useEvaluate((s) => s.sets);
  const setId = useEvaluate((s) => s.setId);
  return (
    <aside className="eval-sidebar" aria-label="Evaluation sets">
      <h2 className="eval-sidebar-title">Evaluation sets</h2>
      {sets.phase === 'loading' && !sets.data ? (
        <p className="muted">
          <Spinner small /> Loading sets…
        </p>
      ) : null}
      {sets.error ? (
        <p className="field-error" role="alert">
          {sets.error}{' '}
          <button
            type="button"
            className="button button-small"
            onClick={() => void actions.evaluate.loadSets()}
          >
            Try again
          </button>
        </p>
      ) : null}
      {sets.data && sets.data.length === 0 ? (
        <p className="muted eval-help">
          A set is a list of query photos whose results you grade. Name one to start, then add photos from the
          library, from your computer, or with “Add to evaluation set” on a search result.
        </p>
      ) : null}
      <ul className="eval-set-list" aria-label="Sets">
        {(sets.data ?? []).map((s) => {
          const current = s.id === setId;
          const share = s.progress.pooled > 0 ? s.progress.judged / s.progress.pooled : 0;
          return (
            <li key={s.id} className={`eval-set${current ? ' is-current' : ''}`}>
              <button
                type="button"
                className="eval-set-open"
                aria-current={current ? 'true' : undefined}
                onClick={() => void actions.evaluate.selectSet(s.id)}
              >
                <span className="eval-set-name">{s.name}</span>
                <span className="eval-set-meta">
                  {plural(s.progress.queries, 'query', 'queries')} · {s.progress.judged}/{s.progress.pooled}{' '}
                  graded
                </span>
                <span className="progress eval-set-progress" aria-hidden="true">
                  <span className="progress-bar" style={{ width: `${Math.round(share * 100)}%` }} />
                </span>
              </button>
              <DeleteSetButton setId={s.id} name={s.name} />
            </li>
          );
        })}
      </ul>
      <NewSetForm />
      {setId !== null ? <QueryList /> : null}
    </aside>
  );
}
