// The application form, used both to apply and to edit an application.
import { useEffect, type FormEvent, type ReactNode } from 'react';
import { FIELD_LIMITS, PHONE_TYPES, REGIONS } from '../../src/systems/hiring/constants.js';
import { Button, ButtonRow } from '../ui/Button.js';
import {
  focusFirstError,
  FormAlert,
  RadioGroupField,
  SelectField,
  TextAreaField,
  TextField,
} from '../ui/fields.js';
import { APPLICATION_FIELDS, type ApplicationBody, type FieldErrors } from './applicant.js';

export interface ApplicantFormProps {
  values: ApplicationBody;
  onChange: (values: ApplicationBody) => void;
  errors: FieldErrors;
  /** A message about the whole form (rate limiting, network, server errors). */
  formError?: string | undefined;
  /** Bump to move focus to the first field with an error (after each failed submit). */
  focusKey: number;
  onSubmit: () => void;
  submitLabel: string;
  busy: boolean;
  /** Buttons shown before the submit button (e.g. "Cancel"). */
  secondary?: ReactNode;
  /** Accessible name of the form. */
  label: string;
}

const YES_NO = [
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
] as const;

const FORM_FIELDS: ReadonlySet<string> = new Set(APPLICATION_FIELDS);

export function ApplicantForm({
  values,
  onChange,
  errors,
  formError,
  focusKey,
  onSubmit,
  submitLabel,
  busy,
  secondary,
  label,
}: ApplicantFormProps) {
  const set =
    <K extends keyof ApplicationBody>(key: K) =>
    (value: ApplicationBody[K]) =>
      onChange({ ...values, [key]: value });

  const fieldErrorCount = APPLICATION_FIELDS.filter((f) => errors[f]).length;
  // Errors about something that is not one of these fields are shown at the top.
  const otherErrors = Object.entries(errors).filter(([key]) => !FORM_FIELDS.has(key));

  useEffect(() => {
    if (focusKey === 0) return;
    if (!focusFirstError(APPLICATION_FIELDS, errors)) {
      document.getElementById('applicant-form-alert')?.focus();
    }
    // Only after a submit (focusKey changes), not on every keystroke.
  }, [focusKey]);

  useEffect(() => {
    if (formError !== undefined) document.getElementById('applicant-form-alert')?.focus();
  }, [formError]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) onSubmit();
  };

  const showSummary = formError !== undefined || otherErrors.length > 0 || fieldErrorCount > 0;

  return (
    <form className="form" onSubmit={submit} noValidate aria-label={label} data-testid="applicant-form">
      {showSummary && (
        <div id="applicant-form-alert" tabIndex={-1}>
          <FormAlert>
            {formError !== undefined && <p>{formError}</p>}
            {otherErrors.map(([key, message]) => (
              <p key={key}>{message}</p>
            ))}
            {fieldErrorCount > 0 && (
              <p>
                {fieldErrorCount === 1
                  ? 'Please correct the highlighted field.'
                  : `Please correct the ${fieldErrorCount} highlighted fields.`}
              </p>
            )}
          </FormAlert>
        </div>
      )}

      <div className="grid-2">
        <TextField
          name="first_name"
          label="First name"
          autoComplete="given-name"
          required
          maxLength={FIELD_LIMITS.name}
          value={values.first_name}
          onChange={set('first_name')}
          error={errors['first_name']}
        />
        <TextField
          name="last_name"
          label="Last name"
          autoComplete="family-name"
          required
          maxLength={FIELD_LIMITS.name}
          value={values.last_name}
          onChange={set('last_name')}
          error={errors['last_name']}
        />
      </div>
      <TextField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        spellCheck={false}
        autoCapitalize="off"
        required
        maxLength={FIELD_LIMITS.email}
        value={values.email}
        onChange={set('email')}
        error={errors['email']}
      />
      <TextField
        name="phone"
        label="Phone"
        type="tel"
        autoComplete="tel"
        required
        hint="A mobile number we can text, e.g. (415) 555-0100."
        maxLength={40}
        value={values.phone}
        onChange={set('phone')}
        error={errors['phone']}
      />
      <div className="grid-2">
        <SelectField
          name="region"
          label="Region"
          required
          placeholder="Choose a region"
          options={REGIONS}
          value={values.region}
          onChange={set('region')}
          error={errors['region']}
        />
        <SelectField
          name="phone_type"
          label="Phone type"
          required
          placeholder="Choose your phone"
          options={PHONE_TYPES}
          value={values.phone_type}
          onChange={set('phone_type')}
          error={errors['phone_type']}
        />
      </div>
      <RadioGroupField
        name="over_21"
        label="Over 21"
        hint="Shoppers deliver alcohol in some areas, so we need to know."
        required
        options={YES_NO}
        value={values.over_21 === null ? null : values.over_21 ? 'yes' : 'no'}
        onChange={(v) => set('over_21')(v === 'yes')}
        error={errors['over_21']}
      />
      <TextField
        name="source"
        label="How did you hear about us?"
        optional
        maxLength={FIELD_LIMITS.source}
        value={values.source}
        onChange={set('source')}
        error={errors['source']}
      />
      <TextAreaField
        name="reason"
        label="Why do you want to be a shopper?"
        optional
        rows={4}
        maxLength={FIELD_LIMITS.reason}
        showCount
        value={values.reason}
        onChange={set('reason')}
        error={errors['reason']}
      />
      <ButtonRow align="between">
        {secondary ?? <span />}
        <Button type="submit" busy={busy} size="large">
          {submitLabel}
        </Button>
      </ButtonRow>
    </form>
  );
}
