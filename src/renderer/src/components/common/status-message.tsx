import type { ReactNode } from 'react';
import { AlertIcon } from './icons.tsx';

/**
 * A centred empty, loading or error state: a title, a line of help, and an optional action
 * (`onRetry` makes it a "Try again" button).
 */
export function StatusMessage(props: {
  kind: 'empty' | 'loading' | 'error';
  title: string;
  children?: ReactNode;
  icon?: ReactNode;
  action?: ReactNode;
  onRetry?: () => void;
}): React.JSX.Element {
  const action =
    props.action ??
    (props.onRetry ? (
      <button type="button" className="button" onClick={props.onRetry}>
        Try again
      </button>
    ) : null);
  return (
    <div
      className={`status-message status-${props.kind}`}
      role={props.kind === 'error' ? 'alert' : 'status'}
      aria-busy={props.kind === 'loading' || undefined}
    >
      <div className="status-icon" aria-hidden="true">
        {props.kind === 'loading' ? (
          <Spinner />
        ) : props.kind === 'error' ? (
          <AlertIcon size={28} />
        ) : (
          props.icon
        )}
      </div>
      <p className="status-title">{props.title}</p>
      {props.children ? <div className="status-body">{props.children}</div> : null}
      {action ? <div className="status-action">{action}</div> : null}
    </div>
  );
}

export function Spinner(props: { small?: boolean }): React.JSX.Element {
  return <span className={props.small ? 'spinner spinner-small' : 'spinner'} aria-hidden="true" />;
}
