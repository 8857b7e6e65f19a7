// Form fields: a real <label>, an optional hint, and the error message right below the control
// (linked with aria-describedby, the control marked aria-invalid).
import type { InputHTMLAttributes, ReactNode } from 'react';

export interface FieldBaseProps {
  /** The field's name; the control's id is `field-<name>` unless `id` is given. */
  name: string;
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  required?: boolean;
  /** Shows "Optional" next to the label (outside it, so the label text stays exact). */
  optional?: boolean;
  id?: string;
  disabled?: boolean;
}

export const fieldId = (name: string) => `field-${name}`;

function ids(base: FieldBaseProps) {
  const id = base.id ?? fieldId(base.name);
  const hintId = base.hint !== undefined ? `${id}-hint` : undefined;
  const errorId = base.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  /** What every single control (input, textarea, select, checkbox) carries. */
  const control = {
    id,
    name: base.name,
    required: base.required,
    disabled: base.disabled,
    'aria-invalid': base.error ? true : undefined,
    'aria-describedby': describedBy,
    'data-testid': fieldId(base.name),
  };
  return { id, hintId, errorId, describedBy, control };
}

export function FieldError({
  id,
  name,
  message,
}: {
  id: string | undefined;
  name: string;
  message: string | undefined;
}) {
  if (!message || id === undefined) return null;
  return (
    <p id={id} className="field-error" data-testid={`error-${name}`}>
      <svg className="field-error__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <circle cx="8" cy="8" r="7" />
        <path d="M8 4.2v4.6M8 11.2v.6" />
      </svg>
      <span className="field-error__text">{message}</span>
    </p>
  );
}

function Shell({ base, htmlFor, children }: { base: FieldBaseProps; htmlFor: string; children: ReactNode }) {
  const { hintId, errorId } = ids(base);
  return (
    <div className={`field${base.error ? ' field--invalid' : ''}`}>
      <div className="field__label-row">
        <label className="field__label" htmlFor={htmlFor}>
          {base.label}
        </label>
        {base.optional && <span className="field__optional">Optional</span>}
      </div>
      {base.hint !== undefined && (
        <p id={hintId} className="field__hint">
          {base.hint}
        </p>
      )}
      {children}
      <FieldError id={errorId} name={base.name} message={base.error} />
    </div>
  );
}

type InputExtras = Pick<
  InputHTMLAttributes<HTMLInputElement>,
  | 'type'
  | 'autoComplete'
  | 'inputMode'
  | 'maxLength'
  | 'minLength'
  | 'placeholder'
  | 'pattern'
  | 'min'
  | 'max'
  | 'spellCheck'
  | 'autoCapitalize'
>;

export interface TextFieldProps extends FieldBaseProps, InputExtras {
  value: string;
  onChange: (value: string) => void;
  className?: string;
}

export function TextField(props: TextFieldProps) {
  const {
    name: _name,
    label: _label,
    error: _error,
    hint: _hint,
    required: _required,
    optional: _optional,
    id: _id,
    disabled: _disabled,
    value,
    onChange,
    className,
    ...input
  } = props;
  const { id, control } = ids(props);
  return (
    <Shell base={props} htmlFor={id}>
      <input
        {...input}
        {...control}
        className={`input${className ? ` ${className}` : ''}`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </Shell>
  );
}

export interface TextAreaFieldProps extends FieldBaseProps {
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  maxLength?: number;
  /** Shows "n / max" below the box. */
  showCount?: boolean;
}

export function TextAreaField(props: TextAreaFieldProps) {
  const { value, onChange, rows = 4, maxLength, showCount } = props;
  const { id, control } = ids(props);
  return (
    <Shell base={props} htmlFor={id}>
      <textarea
        {...control}
        className="input textarea"
        rows={rows}
        maxLength={maxLength}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {showCount && maxLength !== undefined && (
        <p className="field__count" aria-hidden="true">
          {value.length} / {maxLength}
        </p>
      )}
    </Shell>
  );
}

export type Option = string | { value: string; label: string };

const optionValue = (o: Option) => (typeof o === 'string' ? o : o.value);
const optionLabel = (o: Option) => (typeof o === 'string' ? o : o.label);

export interface SelectFieldProps extends FieldBaseProps {
  value: string;
  onChange: (value: string) => void;
  options: readonly Option[];
  /** A first, empty choice ("Choose a region"). */
  placeholder?: string;
}

export function SelectField(props: SelectFieldProps) {
  const { value, onChange, options, placeholder } = props;
  const { id, control } = ids(props);
  return (
    <Shell base={props} htmlFor={id}>
      <select {...control} className="input select" value={value} onChange={(e) => onChange(e.target.value)}>
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option key={optionValue(o)} value={optionValue(o)}>
            {optionLabel(o)}
          </option>
        ))}
      </select>
    </Shell>
  );
}

export interface RadioGroupFieldProps extends FieldBaseProps {
  value: string | null;
  onChange: (value: string) => void;
  options: readonly Option[];
  inline?: boolean;
}

/** A <fieldset role="radiogroup"> named by its legend; each choice has its own label. */
export function RadioGroupField(props: RadioGroupFieldProps) {
  const {
    name,
    label,
    error,
    hint,
    required,
    optional,
    disabled,
    value,
    onChange,
    options,
    inline = true,
  } = props;
  const { id, hintId, errorId, describedBy } = ids(props);
  const legendId = `${id}-legend`;
  return (
    <fieldset
      id={id}
      className={`field fieldset${error ? ' field--invalid' : ''}`}
      role="radiogroup"
      aria-labelledby={legendId}
      aria-describedby={describedBy}
      aria-invalid={error ? true : undefined}
      aria-required={required || undefined}
      data-testid={fieldId(name)}
      disabled={disabled}
    >
      <div className="field__label-row">
        <legend id={legendId} className="field__label">
          {label}
        </legend>
        {optional && <span className="field__optional">Optional</span>}
      </div>
      {hint !== undefined && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
      <div className={`choices${inline ? ' choices--inline' : ''}`}>
        {options.map((o) => {
          const v = optionValue(o);
          const choiceId = `${id}-${v}`;
          return (
            <div className="choice" key={v}>
              <input
                type="radio"
                id={choiceId}
                name={name}
                value={v}
                checked={value === v}
                onChange={() => onChange(v)}
                required={required}
              />
              <label htmlFor={choiceId}>{optionLabel(o)}</label>
            </div>
          );
        })}
      </div>
      <FieldError id={errorId} name={name} message={error} />
    </fieldset>
  );
}

export interface CheckboxFieldProps extends FieldBaseProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
}

export function CheckboxField(props: CheckboxFieldProps) {
  const { name, label, error, hint, checked, onChange } = props;
  const { id, hintId, errorId, control } = ids(props);
  return (
    <div className={`field field--checkbox${error ? ' field--invalid' : ''}`}>
      <div className="choice choice--large">
        <input type="checkbox" {...control} checked={checked} onChange={(e) => onChange(e.target.checked)} />
        <label htmlFor={id}>{label}</label>
      </div>
      {hint !== undefined && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
      <FieldError id={errorId} name={name} message={error} />
    </div>
  );
}

/** A message about the whole form (not one field), announced when it appears. */
export function FormAlert({ children, testId = 'form-error' }: { children: ReactNode; testId?: string }) {
  return (
    <div className="notice notice--error" role="alert" data-testid={testId}>
      {children}
    </div>
  );
}

/** Focuses the first control, in `order`, that has an error; returns whether one was found. */
export function focusFirstError(
  order: readonly string[],
  errors: Record<string, string | undefined>,
): boolean {
  for (const name of order) {
    if (!errors[name]) continue;
    const el = document.getElementById(fieldId(name));
    const target =
      el instanceof HTMLFieldSetElement
        ? (el.querySelector<HTMLInputElement>('input:checked') ?? el.querySelector<HTMLInputElement>('input'))
        : el;
    if (target) {
      target.focus();
      target.scrollIntoView({ block: 'center', behavior: 'smooth' });
      return true;
    }
  }
  return false;
}
