// "Track my application": email + last four digits of the phone → an applicant session.
import { useState, type FormEvent } from 'react';
import { api, errorMessage, fieldErrors } from '../ui/api.js';
import { Button } from '../ui/Button.js';
import { fieldId, focusFirstError, FormAlert, TextField } from '../ui/fields.js';
import { unwrapApplicant, type Applicant, type FieldErrors } from './applicant.js';

const TRACK_FIELDS = ['email', 'phone_last4'] as const;

export function TrackForm({
  onSuccess,
  submitLabel = 'Track my application',
}: {
  onSuccess: (applicant: Applicant | null) => void;
  submitLabel?: string;
}) {
  const [email, setEmail] = useState('');
  const [last4, setLast4] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setFormError(undefined);
    setErrors({});
    const result = await api.post<unknown>('/hiring/api/session', {
      email: email.trim(),
      phone_last4: last4.trim(),
    });
    setBusy(false);
    if (result.ok) {
      onSuccess(unwrapApplicant(result.data));
      return;
    }
    const fields = fieldErrors(result);
    const { form, ...perField } = fields;
    const message =
      result.status === 429
        ? errorMessage(result)
        : (form ?? (Object.keys(perField).length === 0 ? errorMessage(result) : undefined));
    setErrors(perField);
    setFormError(message);
    // Keyboard users land back in the form, ready to correct it.
    if (!focusFirstError(TRACK_FIELDS, perField)) document.getElementById(fieldId('email'))?.focus();
  };

  return (
    <form
      className="form"
      onSubmit={submit}
      noValidate
      aria-label="Track my application"
      data-testid="track-form"
    >
      {formError !== undefined && <FormAlert testId="track-error">{formError}</FormAlert>}
      <TextField
        name="email"
        label="Email"
        type="email"
        autoComplete="email"
        spellCheck={false}
        autoCapitalize="off"
        required
        value={email}
        onChange={setEmail}
        error={errors['email']}
      />
      <TextField
        name="phone_last4"
        label="Last four digits of your phone"
        inputMode="numeric"
        autoComplete="off"
        maxLength={4}
        pattern="[0-9]{4}"
        required
        value={last4}
        onChange={(v) => setLast4(v.replace(/\D/g, '').slice(0, 4))}
        error={errors['phone_last4']}
        className="input--short"
      />
      <Button type="submit" busy={busy}>
        {submitLabel}
      </Button>
    </form>
  );
}
