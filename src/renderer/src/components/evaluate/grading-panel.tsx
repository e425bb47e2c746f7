import { useEffect, useRef, useState } from 'react';
import { useActions, useEvaluate } from '../../actions/app-context.tsx';
import { plural } from '../../format.ts';
import type { GradingItem } from '../../../../shared/evaluation-api.ts';
import { ImageIcon } from '../common/icons.tsx';
import { ProgressBar } from '../common/progress-bar.tsx';
import { Spinner, StatusMessage } from '../common/status-message.tsx';
import { CandidateZoom } from './candidate-zoom.tsx';
import { ConfigurationSummary } from './configurations-editor.tsx';
import { CroppedQueryImage } from './cropped-query-image.tsx';
import { GRADE_NAMES, gradeName } from './grade-scale.ts';
import { queryImageRef, queryName } from './query-list.tsx';

function ProgressLine(props: { label: string; done: number; total: number }): React.JSX.Element {
  const share = props.total > 0 ? props.done / props.total : 0;
  return (
    <div className="eval-progress">
      <span className="eval-progress-label">
        {props.label}: {props.done} of {props.total}
      </span>
      <ProgressBar label={props.label} max={props.total} now={props.done} percent={Math.round(share * 100)} />
    </div>
  );
}

function columnsOf(el: HTMLElement | null): number {
  if (!el) return 1;
  return Math.max(1, getComputedStyle(el).gridTemplateColumns.split(' ').filter(Boolean).length);
}

function Candidate(props: {
  item: GradingItem;
  index: number;
  total: number;
  active: boolean;
  onZoom: () => void;
}): React.JSX.Element {
  const actions = useActions();
  const { item, index } = props;
  const graded = item.grade === null ? 'not graded' : `graded ${item.grade}, ${gradeName(item.grade)}`;
  return (
    <div role="listitem" className={`eval-candidate${props.active ? ' is-active' : ''}`}>
      <button
        type="button"
        className="eval-candidate-button"
        tabIndex={props.active ? 0 : -1}
        data-index={index}
        aria-label={`Candidate ${index + 1} of ${props.total}, ${graded}`}
        onFocus={() => actions.evaluate.grading.setActive(index)}
        onClick={() => actions.evaluate.grading.setActive(index)}
        onDoubleClick={props.onZoom}
      >
        {item.path ? (
          <img
            className="eval-candidate-image"
            src={actions.imageUrl({ kind: 'library', path: item.path }, 'thumb')}
            alt=""
            loading="lazy"
            decoding="async"
          />
        ) : (
          <span className="eval-candidate-missing">
            <ImageIcon size={28} /> Left the library
          </span>
        )}
        <span className={`eval-grade-badge grade-${item.grade ?? 'none'}`} aria-hidden="true">
          {item.grade === null ? '–' : item.grade}
        </span>
      </button>
    </div>
  );
}

/** Grades for the focused candidate, as buttons (the digit keys do the same). */
function GradeButtons(props: { current: number | null; disabled: boolean }): React.JSX.Element {
  const actions = useActions();
  return (
    <div className="eval-grade-buttons" role="group" aria-label="Grade the focused photo">
      {GRADE_NAMES.map((name, grade) => (
        <button
          key={grade}
          type="button"
          className={`button button-small eval-grade-button grade-${grade}`}
          aria-pressed={props.current === grade}
          disabled={props.disabled}
          onClick={() => actions.evaluate.grading.grade(grade)}
        >
          <kbd>{grade}</kbd> {name}
        </button>
      ))}
    </div>
  );
}

/**
 * Blind grading of one query's candidates (the pooled results of the configurations, in a stable
 * random order, without scores): digits 0–5 grade the focused photo and move on, arrows move,
 * Backspace or Ctrl+Z undo, N goes to the next query with ungraded photos.
 */
export function GradingPanel(): React.JSX.Element {
  const actions = useActions();
  const queue = useEvaluate((s) => s.queue);
  const activeIndex = useEvaluate((s) => s.activeIndex);
  const pooling = useEvaluate((s) => s.pooling);
  const poolMessage = useEvaluate((s) => s.poolMessage);
  const gradeError = useEvaluate((s) => s.gradeError);
  const queries = useEvaluate((s) => s.detail.data?.queries.length ?? 0);
  const gridRef = useRef<HTMLDivElement>(null);
  const [zoomed, setZoomed] = useState(false);
  const data = queue.data;
  const items = data?.items ?? [];
  const query = data?.query ?? null;

  // Focus follows the active candidate while the grid has focus (keyboard grading). When the next
  // query's candidates replace the focused one, focus falls to the page: it comes back here, so
  // the curator goes on typing grades.
  useEffect(() => {
    const grid = gridRef.current;
    const focused = document.activeElement;
    if (!grid || !(grid.contains(focused) || focused === document.body || focused === null)) return;
    grid.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`)?.focus();
  }, [activeIndex, query?.id, items.length]);

  const onKeyDown = (e: React.KeyboardEvent): void => {
    if (e.altKey || e.metaKey) return;
    if ((e.ctrlKey && e.key.toLowerCase() === 'z') || (!e.ctrlKey && e.key === 'Backspace')) {
      actions.evaluate.grading.undo();
    } else if (e.ctrlKey) {
      return;
    } else if (/^[0-5]$/.test(e.key)) {
      actions.evaluate.grading.grade(Number(e.key));
    } else if (e.key === 'ArrowRight') actions.evaluate.grading.setActive(activeIndex + 1);
    else if (e.key === 'ArrowLeft') actions.evaluate.grading.setActive(activeIndex - 1);
    else if (e.key === 'ArrowDown')
      actions.evaluate.grading.setActive(activeIndex + columnsOf(gridRef.current));
    else if (e.key === 'ArrowUp')
      actions.evaluate.grading.setActive(activeIndex - columnsOf(gridRef.current));
    else if (e.key === 'Home') actions.evaluate.grading.setActive(0);
    else if (e.key === 'End') actions.evaluate.grading.setActive(items.length - 1);
    else if (e.key === 'n' || e.key === 'N') void actions.evaluate.grading.nextUngraded();
    else if (e.key === 'Enter' && !zoomed) setZoomed(true);
    else return;
    e.preventDefault();
  };

  const poolBar = (
    <div className="eval-toolbar">
      <button
        type="button"
        className="button button-primary"
        disabled={pooling || queries === 0}
        onClick={() => void actions.evaluate.grading.pool()}
      >
        {pooling ? <Spinner small /> : null} Find candidates to grade
      </button>
      <ConfigurationSummary />
      {poolMessage ? (
        <span className="muted" role="status">
          {poolMessage}
        </span>
      ) : null}
    </div>
  );

  if (queries === 0) {
    return (
      <StatusMessage kind="empty" title="Add query photos to this set" icon={<ImageIcon size={28} />}>
        Add photos on the left (a library photo’s path, an image from this computer), or use “Add to
        evaluation set” on a search result. Then find candidates and grade them here.
      </StatusMessage>
    );
  }
  if (queue.phase === 'error' && !data) {
    return (
      <StatusMessage
        kind="error"
        title="The candidates could not be loaded"
        onRetry={() => void actions.evaluate.grading.loadQueue()}
      >
        {queue.error}
      </StatusMessage>
    );
  }
  if (!data) return <StatusMessage kind="loading" title="Loading the candidates…" />;

  const judged = items.filter((i) => i.grade !== null).length;
  const active = items[activeIndex];
  const ref = query ? queryImageRef(query) : null;
  return (
    <div className="eval-grading">
      {poolBar}
      {gradeError ? (
        <p className="banner banner-error" role="alert">
          {gradeError}
        </p>
      ) : null}
      {/* The query and the grade buttons stay in view while the candidates scroll. */}
      <div className="eval-grading-sticky">
        <div className="eval-grading-head">
          <div className="eval-grading-query">
            {ref ? (
              <CroppedQueryImage
                src={actions.imageUrl(ref, 'thumb')}
                alt={query ? `Query ${queryName(query)}${query.crop ? ', cropped' : ''}` : ''}
                crop={query?.crop ?? null}
              />
            ) : null}
            <div>
              <h3 className="eval-grading-title">
                {query ? `${query.qid} · ${queryName(query)}` : 'No query'}
                {query?.crop ? <span className="pill eval-crop-pill">cropped</span> : null}
              </h3>
              <p className="muted">Which photos show what this query photo shows? Grade each 0–5.</p>
            </div>
          </div>
          <div className="eval-grading-progress">
            <ProgressLine label="This query" done={judged} total={items.length} />
            <ProgressLine
              label="Photos in the set"
              done={data.progress.judged}
              total={data.progress.pooled}
            />
            <ProgressLine
              label="Queries done"
              done={data.progress.queriesDone}
              total={data.progress.queries}
            />
          </div>
        </div>
        {items.length > 0 ? (
          <div className="eval-grading-bar">
            <GradeButtons current={active?.grade ?? null} disabled={!active} />
            <span className="eval-grading-actions">
              <button
                type="button"
                className="button button-small"
                onClick={() => actions.evaluate.grading.undo()}
              >
                Undo <kbd>Ctrl+Z</kbd>
              </button>
              <button
                type="button"
                className="button button-small"
                onClick={() => void actions.evaluate.grading.nextUngraded()}
              >
                Next ungraded query <kbd>N</kbd>
              </button>
            </span>
          </div>
        ) : null}
      </div>
      {items.length === 0 ? (
        <StatusMessage kind="empty" title="No candidates for this query yet" icon={<ImageIcon size={28} />}>
          “Find candidates to grade” searches each query with the configurations and pools their top results
          here, in random order and without scores, so the grading stays blind.
        </StatusMessage>
      ) : (
        <>
          <div
            ref={gridRef}
            className="eval-candidates"
            role="list"
            aria-label="Candidates"
            aria-busy={queue.phase === 'loading' || undefined}
            aria-describedby="eval-grading-keys"
            onKeyDown={onKeyDown}
          >
            {items.map((item, i) => (
              <Candidate
                key={item.docId}
                item={item}
                index={i}
                total={items.length}
                active={i === activeIndex}
                onZoom={() => setZoomed(true)}
              />
            ))}
          </div>
          <CandidateZoom
            open={zoomed}
            item={active}
            index={activeIndex}
            total={items.length}
            query={{ ref, name: query ? queryName(query) : '' }}
            onKeyDown={onKeyDown}
            onClose={() => {
              setZoomed(false);
              gridRef.current?.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`)?.focus();
            }}
          />
          <p id="eval-grading-keys" className="field-hint">
            Keys: 0–5 grade the focused photo and move on · arrows move · Enter shows it large · Backspace or
            Ctrl+Z undo · N next query with photos to grade.{' '}
            {judged === items.length ? `All ${plural(items.length, 'photo')} graded.` : ''}
          </p>
        </>
      )}
    </div>
  );
}
