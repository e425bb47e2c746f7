import { useId, useState } from 'react';

interface PathEntryFormProps {
  /** The form's class; its input row gets `${className}-row`. */
  className: string;
  label: string;
  placeholder: string;
  /** What the submit button shows (the caller words the busy state). */
  submitLabel: React.ReactNode;
  busy: boolean;
  error: string | null;
  /** Shown under the row while there is no error. */
  hint: React.ReactNode;
  /** A success message that takes the hint's place until the next error. */
  done?: React.ReactNode;
  /** A native picker, where the transport has one. */
  picker?: { label: string; onPick: () => void; disabled?: boolean };
  /** Called with the path as typed; resolving true clears the field. */
  onSubmit: (path: string) => Promise<boolean>;
  /** Called on every keystroke, so a stale error goes away as the path is corrected. */
  onEdit: () => void;
  children?: React.ReactNode;
}

/** A typed path with a submit button and, in the desktop app, a native picker beside it. */
export function PathEntryForm(props: PathEntryFormProps): React.JSX.Element {
  const { className, error, busy, picker } = props;
  const [path, setPath] = useState('');
  const inputId = useId();
  const errorId = useId();
  const hintId = useId();

  async function submit(event: React.FormEvent): Promise<void> {
    event.preventDefault();
    if (await props.onSubmit(path)) setPath('');
  }

  return (
    <form className={className} onSubmit={(e) => void submit(e)} noValidate>
      <label htmlFor={inputId} className="field-label">
        {props.label}
      </label>
      <div className={`${className}-row`}>
        <input
          id={inputId}
          className="text-input"
          type="text"
          value={path}
          onChange={(e) => {
            setPath(e.target.value);
            props.onEdit();
          }}
          placeholder={props.placeholder}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : hintId}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {props.submitLabel}
        </button>
        {picker ? (
          <button type="button" className="button" disabled={picker.disabled} onClick={picker.onPick}>
            {picker.label}
          </button>
        ) : null}
      </div>
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : props.done ? (
        <p id={hintId} className="field-hint field-done" role="status">
          {props.done}
        </p>
      ) : (
        <p id={hintId} className="field-hint">
          {props.hint}
        </p>
      )}
      {props.children}
    </form>
  );
}
