import { type RefObject, useEffect, useRef } from 'react';

/**
 * A <dialog> shown modally while `open`, and a click handler that closes it from its backdrop
 * (a click on the dialog element itself, outside its content).
 */
export function useModalDialog(open: boolean): {
  ref: RefObject<HTMLDialogElement | null>;
  onBackdropClick: (e: React.MouseEvent<HTMLDialogElement>) => void;
} {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const onBackdropClick = (e: React.MouseEvent<HTMLDialogElement>): void => {
    if (e.target === e.currentTarget) ref.current?.close();
  };
  return { ref, onBackdropClick };
}
