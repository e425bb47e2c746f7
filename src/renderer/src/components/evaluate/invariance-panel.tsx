import { useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import { fileName } from '../../format.ts';
import {
  INVARIANCE_EDITS,
  type InvarianceEdit,
  type InvarianceReport,
} from '../../../../shared/evaluation-api.ts';
import { CloseIcon } from '../common/icons.tsx';
import { Spinner, StatusMessage } from '../common/status-message.tsx';
import { formatShare } from './measure-names.ts';

const EDIT_NAMES: Record<InvarianceEdit, string> = {
  rotate: 'Rotated',
  crop: 'Cropped',
  flip: 'Mirrored',
  colour: 'Colour changed',
  greyscale: 'Greyscale',
  jpeg: 'Heavy JPEG',
  text: 'Text overlay',
};

function testName(test: string): string {
  return test in EDIT_NAMES ? EDIT_NAMES[test as InvarianceEdit] : test === 'triplet' ? 'Triplets' : test;
}

function Thumb(props: { src: string | null; alt: string }): React.JSX.Element {
  return props.src ? (
    <img className="eval-failure-thumb" src={props.src} alt={props.alt} />
  ) : (
    <span className="eval-failure-thumb" aria-label={`${props.alt} (not shown)`} />
  );
}

function Report(props: { report: InvarianceReport }): React.JSX.Element {
  const actions = useActions();
  const { report } = props;
  const lib = (p: string | null | undefined): string | null =>
    p ? actions.imageUrl({ kind: 'library', path: p }, 'thumb') : null;
  return (
    <section aria-label="Invariance results" className="eval-invariance-report">
      <div className={`eval-verdict ${report.ok ? 'is-ok' : 'is-failed'}`} role="status">
        <strong>{formatShare(report.passRate)} passed</strong> ({report.passed} of {report.tests}) · needed{' '}
        {formatShare(report.passThreshold)} · {report.ok ? 'the search holds up' : 'below the threshold'}
      </div>
      <table className="eval-table">
        <caption className="visually-hidden">Pass rate by test</caption>
        <thead>
          <tr>
            <th scope="col">Test</th>
            <th scope="col">Passed</th>
            <th scope="col">Pass rate</th>
          </tr>
        </thead>
        <tbody>
          {report.byTest.map((t) => {
            const share = t.tests > 0 ? t.passed / t.tests : 0;
            return (
              <tr key={t.test}>
                <th scope="row">{testName(t.test)}</th>
                <td>
                  {t.passed} / {t.tests}
                </td>
                <td>
                  <span className="eval-rate">
                    <span className="progress" aria-hidden="true">
                      <span
                        className={`progress-bar${share < report.passThreshold ? ' is-low' : ''}`}
                        style={{ width: `${Math.round(share * 100)}%` }}
                      />
                      <span
                        className="eval-rate-threshold"
                        title={`Needed: ${formatShare(report.passThreshold)}`}
                        style={{ left: `${report.passThreshold * 100}%` }}
                      />
                    </span>
                    {formatShare(share)}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {report.failures.length > 0 ? (
        <>
          <h3 className="card-title">Failures</h3>
          <ul className="eval-failures" aria-label="Failures">
            {report.failures.map((f, i) => (
              <li key={i} className="eval-failure">
                <Thumb src={lib(f.anchor)} alt={`Original ${fileName(f.anchor)}`} />
                {f.kind === 'edit' ? (
                  <Thumb
                    src={
                      f.copyUploadId
                        ? actions.imageUrl({ kind: 'upload', id: f.copyUploadId }, 'thumb')
                        : null
                    }
                    alt={`${testName(f.test)} copy`}
                  />
                ) : (
                  <>
                    <Thumb src={lib(f.same)} alt={`Same subject ${fileName(f.same ?? '')}`} />
                    <Thumb src={lib(f.different)} alt={`Different subject ${fileName(f.different ?? '')}`} />
                  </>
                )}
                <p className="eval-failure-text">
                  <strong>{testName(f.test)}</strong> · {fileName(f.anchor)}
                  <br />
                  {f.message}
                </p>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function Triplets(): React.JSX.Element {
  const actions = useActions();
  const triplets = useEvaluate((s) => s.triplets);
  const [fields, setFields] = useState({ anchor: '', same: '', different: '' });
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section className="card eval-triplets" aria-label="Triplets">
      <h3 className="card-title">Triplets: same subject should beat different subject</h3>
      <ul className="eval-triplet-list">
        {(triplets.data ?? []).map((t) => (
          <li key={t.id}>
            {[t.anchor, t.same, t.different]
              .map((p) => (p ? fileName(p) : 'photo left the library'))
              .join(' · ')}
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove triplet ${t.id}`}
              onClick={() => void actions.evaluate.removeTriplet(t.id)}
            >
              <CloseIcon size={14} />
            </button>
          </li>
        ))}
      </ul>
      <form
        className="eval-triplet-form"
        onSubmit={(e) => {
          e.preventDefault();
          void actions.evaluate.addTriplet(fields.anchor, fields.same, fields.different).then((p) => {
            setProblem(p);
            if (!p) setFields({ anchor: '', same: '', different: '' });
          });
        }}
      >
        {(['anchor', 'same', 'different'] as const).map((key) => (
          <input
            key={key}
            className="text-input"
            aria-label={
              key === 'anchor'
                ? 'Anchor photo path'
                : key === 'same'
                  ? 'Same-subject photo path'
                  : 'Different-subject photo path'
            }
            placeholder={
              key === 'anchor' ? 'Anchor photo' : key === 'same' ? 'Same subject' : 'Different subject'
            }
            value={fields[key]}
            onChange={(e) => setFields({ ...fields, [key]: e.target.value })}
          />
        ))}
        <button type="submit" className="button button-small">
          Add triplet
        </button>
      </form>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </section>
  );
}

/**
 * Sanity tests: edited copies of anchor photos (rotated, cropped, mirrored…) must find their
 * original first, and marked triplets must hold; the pass rate is held against a threshold.
 */
export function InvariancePanel(): React.JSX.Element {
  const actions = useActions();
  const anchors = useEvaluate((s) => s.invarianceAnchors);
  const edits = useEvaluate((s) => s.invarianceEdits);
  const passThreshold = useEvaluate((s) => s.passThreshold);
  const invariance = useEvaluate((s) => s.invariance);
  const hasSet = useEvaluate((s) => s.setId !== null);
  return (
    <div className="eval-panel-body">
      <div className="eval-invariance-form">
        <label className="eval-field eval-field-wide">
          <span className="field-label">Anchor photos (one path a line)</span>
          <textarea
            className="text-input eval-textarea"
            rows={3}
            value={anchors.join('\n')}
            placeholder={
              hasSet ? 'Empty: the library photos among this set’s queries' : 'Paths of library photos'
            }
            onChange={(e) =>
              actions.evaluate.setInvarianceAnchors(
                e.target.value
                  .split('\n')
                  .map((l) => l.trim())
                  .filter(Boolean),
              )
            }
          />
        </label>
        <fieldset className="eval-edits">
          <legend className="field-label">Edits</legend>
          {INVARIANCE_EDITS.map((edit) => (
            <label key={edit} className="checkbox">
              <input
                type="checkbox"
                checked={edits.includes(edit)}
                onChange={() => actions.evaluate.toggleEdit(edit)}
              />
              {EDIT_NAMES[edit]}
            </label>
          ))}
        </fieldset>
        <label className="eval-field">
          <span className="field-label">Pass threshold (%)</span>
          <input
            className="text-input eval-config-number"
            type="number"
            min={0}
            max={100}
            value={Math.round(passThreshold * 100)}
            onChange={(e) =>
              actions.evaluate.setPassThreshold(Math.min(1, Math.max(0, Number(e.target.value) / 100)))
            }
          />
        </label>
        <button
          type="button"
          className="button button-primary"
          disabled={invariance.phase === 'loading'}
          onClick={() => void actions.evaluate.runInvariance()}
        >
          {invariance.phase === 'loading' ? <Spinner small /> : null} Run invariance tests
        </button>
      </div>
      {invariance.error ? (
        <p className="banner banner-error" role="alert">
          {invariance.error}
        </p>
      ) : null}
      {invariance.phase === 'loading' ? (
        <StatusMessage kind="loading" title="Making edited copies and searching with them…" />
      ) : invariance.data ? (
        <Report report={invariance.data} />
      ) : null}
      {hasSet ? <Triplets /> : null}
    </div>
  );
}
