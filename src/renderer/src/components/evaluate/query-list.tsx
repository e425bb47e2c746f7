import { useRef, useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import { fileName } from '../../format.ts';
import type { EvalQueryInfo } from '../../../../shared/evaluation-api.ts';
import { CloseIcon, CropIcon, UploadIcon } from '../common/icons.tsx';
import { Spinner } from '../common/status-message.tsx';

export function queryImageRef(q: EvalQueryInfo) {
  if (q.path) return { kind: 'library' as const, path: q.path };
  if (q.uploadId) return { kind: 'upload' as const, id: q.uploadId };
  return null;
}

export function queryName(q: EvalQueryInfo): string {
  return q.source === 'library' ? fileName(q.path ?? q.label) : q.label;
}

function AddQueryForms(): React.JSX.Element {
  const actions = useActions();
  const adding = useEvaluate((s) => s.adding);
  const addError = useEvaluate((s) => s.addError);
  const [path, setPath] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <div className="eval-add">
      <form
        className="eval-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const submitted = path;
          // Cleared only if it still holds what was added (the next path may be typed already).
          void actions.evaluate
            .addLibraryPhoto(submitted)
            .then((ok) => ok && setPath((now) => (now === submitted ? '' : now)));
        }}
      >
        <label className="visually-hidden" htmlFor="eval-add-path">
          Library photo path
        </label>
        <input
          id="eval-add-path"
          className="text-input"
          placeholder="Path of a library photo"
          value={path}
          aria-invalid={addError ? true : undefined}
          aria-describedby={addError ? 'eval-add-error' : undefined}
          onChange={(e) => setPath(e.target.value)}
        />
        <button type="submit" className="button button-small" disabled={adding}>
          Add
        </button>
      </form>
      <label className="button button-small file-button">
        <UploadIcon size={16} /> Add an image from this computer…
        <input
          ref={fileRef}
          type="file"
          accept="image/*"
          className="visually-hidden"
          aria-label="Query image for the set"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void actions.evaluate.addUploadedImage(file, file.name);
            e.target.value = '';
          }}
        />
      </label>
      {adding ? (
        <p className="muted">
          <Spinner small /> Adding…
        </p>
      ) : null}
      {addError ? (
        <p id="eval-add-error" className="field-error" role="alert">
          {addError}
        </p>
      ) : null}
      <p className="field-hint">
        Tip: in Search, “Add to evaluation set” adds the query or a result, with its crop.
      </p>
    </div>
  );
}

/** The chosen set's queries with their grading progress; a click grades that query. */
export function QueryList(): React.JSX.Element {
  const actions = useActions();
  const detail = useEvaluate((s) => s.detail);
  const currentQuery = useEvaluate((s) => s.queue.data?.query?.id ?? null);
  const queries = detail.data?.queries ?? [];
  return (
    <section className="eval-queries" aria-label="Queries of this set">
      <h3 className="eval-sidebar-subtitle">Queries</h3>
      {detail.error ? (
        <p className="field-error" role="alert">
          {detail.error}
        </p>
      ) : null}
      {detail.data && queries.length === 0 ? (
        <p className="muted eval-help">No queries yet: add photos below.</p>
      ) : null}
      <ul className="eval-query-list">
        {queries.map((q) => {
          const ref = queryImageRef(q);
          const name = queryName(q);
          return (
            <li key={q.id} className={`eval-query${q.id === currentQuery ? ' is-current' : ''}`}>
              <button
                type="button"
                className="eval-query-open"
                aria-label={`Grade ${q.qid} ${name}, ${q.judged} of ${q.pooled} graded`}
                onClick={() => {
                  actions.evaluate.setTab('grade');
                  void actions.evaluate.grading.openQuery(q.id);
                }}
              >
                {ref ? (
                  <img className="eval-query-thumb" src={actions.imageUrl(ref, 'thumb')} alt="" />
                ) : (
                  <span className="eval-query-thumb" />
                )}
                <span className="eval-query-text">
                  <span className="eval-query-name" title={q.path ?? q.label}>
                    {q.qid} · {name}
                  </span>
                  <span className="eval-query-meta">
                    {q.crop ? (
                      <>
                        <CropIcon size={12} /> cropped ·{' '}
                      </>
                    ) : null}
                    {q.pooled === 0 ? 'no candidates yet' : `${q.judged}/${q.pooled} graded`}
                    {q.path === null && q.source === 'library' ? ' · photo left the library' : ''}
                  </span>
                </span>
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove ${q.qid} ${name} from the set`}
                onClick={() => void actions.evaluate.removeQuery(q.id)}
              >
                <CloseIcon size={14} />
              </button>
            </li>
          );
        })}
      </ul>
      <AddQueryForms />
    </section>
  );
}
