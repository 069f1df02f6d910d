// A button that asks once, inline, before doing something disruptive or costly (roll back, restart, destroy a GPU,
// revoke a token). The safe answer has the focus, so Enter right after opening the question changes nothing;
// Escape backs out too.
import { useState, type KeyboardEvent } from 'react';

export interface ConfirmButtonProps {
  label: string;
  question: string;
  confirmLabel: string;
  /** The safe answer. */
  keepLabel?: string;
  disabled?: boolean;
  title?: string;
  /** The opening button's accessible name, where its label alone would not say what it acts on. */
  ariaLabel?: string;
  className?: string;
  onConfirm: () => void;
}

export function ConfirmButton({ label, question, confirmLabel, keepLabel = 'Keep as is', disabled = false, title, ariaLabel, className = 'ghost', onConfirm }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className={className} disabled={disabled} title={title} aria-label={ariaLabel} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') setAsking(false);
  };
  return (
    <div className="confirm" role="alertdialog" aria-label={question} onKeyDown={onKeyDown}>
      <span>{question}</span>
      <button
        type="button"
        className="small"
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="small ghost" autoFocus onClick={() => setAsking(false)}>
        {keepLabel}
      </button>
    </div>
  );
}
