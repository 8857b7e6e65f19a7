// A modal confirmation (<dialog>: focus moves in and stays, Escape cancels).
import { useEffect, useRef, type ReactNode } from 'react';
import { Button, ButtonRow } from '../../ui/Button.js';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: string;
  onConfirm: () => void;
  onCancel: () => void;
  /**
   * Where focus goes once the dialog is gone, when not back to the element that opened it (for
   * example when confirming removed that element). Asked at close, after the page has re-rendered.
   */
  focusOnClose?: () => HTMLElement | null;
}

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onCancel,
  focusOnClose,
}: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const focusOnCloseRef = useRef(focusOnClose);
  focusOnCloseRef.current = focusOnClose;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    return () => {
      // close() moves focus back itself (to the opener, or to the body when the opener is gone):
      // the chosen target is focused after it, so nothing scheduled earlier can be overridden.
      if (dialog.open) dialog.close();
      const target = focusOnCloseRef.current?.() ?? opener;
      if (target?.isConnected) target.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title">{title}</h2>
      {children}
      {error !== undefined && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <ButtonRow align="end">
        <Button variant="secondary" onClick={onCancel} autoFocus>
          Cancel
        </Button>
        <Button variant="danger" busy={busy} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </ButtonRow>
    </dialog>
  );
}
