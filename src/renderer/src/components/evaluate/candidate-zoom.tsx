import { useActions } from '../../actions/app-context.tsx';
import type { ImageRef } from '../../../../shared/image-url.ts';
import type { GradingItem } from '../../../../shared/evaluation-api.ts';
import { CloseIcon } from '../common/icons.tsx';
import { useModalDialog } from '../common/use-modal-dialog.ts';
import { gradeName } from './grade-scale.ts';

/**
 * The focused candidate large, beside the query, for details a thumbnail hides. The grading
 * keys keep working in it (a grade moves on to the next photo); Escape or Enter closes it.
 */
export function CandidateZoom(props: {
  open: boolean;
  item: GradingItem | undefined;
  index: number;
  total: number;
  query: { ref: ImageRef | null; name: string };
  onKeyDown: (e: React.KeyboardEvent) => void;
  onClose: () => void;
}): React.JSX.Element {
  const actions = useActions();
  const { ref, onBackdropClick } = useModalDialog(props.open);
  const { item } = props;

  const graded = item?.grade == null ? 'not graded' : `graded ${item.grade}, ${gradeName(item.grade)}`;
  return (
    <dialog
      ref={ref}
      className="modal eval-zoom"
      aria-label={`Candidate ${props.index + 1} of ${props.total}, ${graded}`}
      onClose={props.onClose}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          ref.current?.close();
        } else props.onKeyDown(e);
      }}
      onClick={onBackdropClick}
    >
      {props.open && item ? (
        <div className="eval-zoom-content">
          <header className="eval-zoom-header">
            <h2 className="eval-zoom-title">
              Candidate {props.index + 1} of {props.total} · {graded}
            </h2>
            <button
              type="button"
              className="icon-button"
              aria-label="Close"
              onClick={() => ref.current?.close()}
            >
              <CloseIcon />
            </button>
          </header>
          <div className="eval-zoom-stage">
            {props.query.ref ? (
              <figure className="eval-zoom-figure">
                <img src={actions.imageUrl(props.query.ref, 'preview')} alt={`Query ${props.query.name}`} />
                <figcaption>Query</figcaption>
              </figure>
            ) : null}
            <figure className="eval-zoom-figure">
              {item.path ? (
                <img
                  key={item.docId}
                  src={actions.imageUrl({ kind: 'library', path: item.path }, 'preview')}
                  alt={`Candidate ${props.index + 1}`}
                />
              ) : (
                <p className="muted">This photo has left the library.</p>
              )}
              <figcaption>Candidate</figcaption>
            </figure>
          </div>
          <p className="field-hint">
            0–5 grade and move on · arrows move · Backspace undo · Escape or Enter close
          </p>
        </div>
      ) : null}
    </dialog>
  );
}
