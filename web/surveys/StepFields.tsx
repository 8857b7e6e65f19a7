// The two questions of one survey step, with the shared field components (label, hint, error
// below the control, aria-describedby / aria-invalid).
import type { ReactNode } from 'react';
import { FieldError, fieldId, RadioGroupField, SelectField, TextAreaField, TextField } from '../ui/fields.js';
import {
  AGES,
  COLOURS,
  FIELD_LABELS,
  GENDERS,
  MAX_LENGTH,
  STEPS,
  type Answers,
  type Colour,
  type Field,
  type Gender,
  type Step,
} from './survey.js';

export interface StepFieldsProps {
  step: Step;
  answers: Answers;
  errors: Partial<Record<Field, string>>;
  /** A new value; `typing` for keystrokes in text boxes (saved once typing pauses). */
  onChange: <K extends Field>(field: K, value: Answers[K] | undefined, typing: boolean) => void;
  onBlur: (field: Field) => void;
}

const AGE_OPTIONS = AGES.map(String);

/** Colour checkboxes: a fieldset named by its legend, the error below, in the list's order. */
function ColourChoices({
  value,
  error,
  onChange,
}: {
  value: readonly Colour[];
  error: string | undefined;
  onChange: (next: Colour[]) => void;
}) {
  const id = fieldId('colours');
  const errorId = error ? `${id}-error` : undefined;
  const hintId = `${id}-hint`;
  return (
    <fieldset
      id={id}
      className={`field fieldset${error ? ' field--invalid' : ''}`}
      aria-describedby={[hintId, errorId].filter(Boolean).join(' ')}
      aria-invalid={error ? true : undefined}
      data-testid={id}
    >
      <div className="field__label-row">
        <legend className="field__label">{FIELD_LABELS.colours}</legend>
        <span className="field__optional">Optional</span>
      </div>
      <p id={hintId} className="field__hint">
        Choose as many as you like.
      </p>
      <div className="choices choices--inline colour-choices">
        {COLOURS.map((colour) => {
          const choiceId = `${id}-${colour}`;
          const checked = value.includes(colour);
          return (
            <div className="choice" key={colour}>
              <input
                type="checkbox"
                id={choiceId}
                name="colours"
                value={colour}
                checked={checked}
                onChange={(e) =>
                  onChange(
                    e.target.checked
                      ? COLOURS.filter((c) => c === colour || value.includes(c))
                      : value.filter((c) => c !== colour),
                  )
                }
              />
              <label htmlFor={choiceId}>
                <span className={`colour-dot colour-dot--${colour.toLowerCase()}`} aria-hidden="true" />
                {colour}
              </label>
            </div>
          );
        })}
      </div>
      <FieldError id={errorId} name="colours" message={error} />
    </fieldset>
  );
}

export function StepFields({ step, answers, errors, onChange, onBlur }: StepFieldsProps) {
  const required = STEPS[step - 1]?.required ?? false;
  const optional = !required;
  const text = (field: 'name' | 'email' | 'address' | 'book') => answers[field] ?? '';
  const wrap = (field: Field, node: ReactNode) => (
    <div key={field} onBlur={() => onBlur(field)}>
      {node}
    </div>
  );
  switch (step) {
    case 1:
      return (
        <>
          {wrap(
            'name',
            <TextField
              name="name"
              label={FIELD_LABELS.name}
              required
              autoComplete="name"
              maxLength={MAX_LENGTH.name}
              value={text('name')}
              error={errors.name}
              onChange={(v) => onChange('name', v, true)}
            />,
          )}
          {wrap(
            'email',
            <TextField
              name="email"
              label={FIELD_LABELS.email}
              type="email"
              required
              autoComplete="email"
              inputMode="email"
              spellCheck={false}
              autoCapitalize="off"
              value={text('email')}
              error={errors.email}
              onChange={(v) => onChange('email', v, true)}
            />,
          )}
        </>
      );
    case 2:
      return (
        <>
          {wrap(
            'age',
            <SelectField
              name="age"
              label={FIELD_LABELS.age}
              required
              placeholder="Choose your age"
              options={AGE_OPTIONS}
              value={answers.age === undefined ? '' : String(answers.age)}
              error={errors.age}
              onChange={(v) => onChange('age', v === '' ? undefined : Number(v), false)}
            />,
          )}
          {wrap(
            'about',
            <TextAreaField
              name="about"
              label={FIELD_LABELS.about}
              required
              rows={5}
              maxLength={MAX_LENGTH.about}
              showCount
              value={answers.about ?? ''}
              error={errors.about}
              onChange={(v) => onChange('about', v, true)}
            />,
          )}
        </>
      );
    case 3:
      return (
        <>
          {wrap(
            'address',
            <TextField
              name="address"
              label={FIELD_LABELS.address}
              optional={optional}
              autoComplete="street-address"
              maxLength={MAX_LENGTH.address}
              value={text('address')}
              error={errors.address}
              onChange={(v) => onChange('address', v, true)}
            />,
          )}
          {wrap(
            'gender',
            <RadioGroupField
              name="gender"
              label={FIELD_LABELS.gender}
              optional={optional}
              options={GENDERS}
              value={answers.gender ?? null}
              error={errors.gender}
              onChange={(v) => onChange('gender', v as Gender, false)}
            />,
          )}
        </>
      );
    case 4:
      return (
        <>
          {wrap(
            'book',
            <TextField
              name="book"
              label={FIELD_LABELS.book}
              optional={optional}
              maxLength={MAX_LENGTH.book}
              value={text('book')}
              error={errors.book}
              onChange={(v) => onChange('book', v, true)}
            />,
          )}
          {wrap(
            'colours',
            <ColourChoices
              value={answers.colours ?? []}
              error={errors.colours}
              onChange={(next) => onChange('colours', next, false)}
            />,
          )}
        </>
      );
  }
}
