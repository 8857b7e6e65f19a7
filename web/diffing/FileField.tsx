// A file input in the kit's field frame: real <label>, hint and error linked to the control.
import type { ReactNode } from 'react';
import { FieldError, fieldId } from '../ui/fields.js';

export interface FileFieldProps {
  name: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** Shown below the control once a file is chosen (its size, its columns). */
  summary?: ReactNode;
  accept?: string;
  disabled?: boolean;
  onChange: (file: File | null) => void;
}

export function FileField({ name, label, hint, error, summary, accept, disabled, onChange }: FileFieldProps) {
  const id = fieldId(name);
  const hintId = hint !== undefined ? `${id}-hint` : undefined;
  const summaryId = summary !== undefined ? `${id}-summary` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, summaryId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <div className="field__label-row">
        <label className="field__label" htmlFor={id}>
          {label}
        </label>
      </div>
      {hint !== undefined && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
      <input
        type="file"
        id={id}
        name={name}
        className="input file-input"
        accept={accept}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        data-testid={id}
        onChange={(e) => onChange(e.target.files?.[0] ?? null)}
      />
      {summary !== undefined && (
        <div id={summaryId} className="file-summary">
          {summary}
        </div>
      )}
      <FieldError id={errorId} name={name} message={error} />
    </div>
  );
}
