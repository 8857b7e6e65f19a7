// Start a report: at the latest poll in the database, or at an instant typed in (checked here with
// the server's own timestamp reader before it is sent).
import { useState, type FormEvent } from 'react';
import { timestampProblem } from '../../src/systems/uptime/timestamps.js';
import { api, errorMessage } from '../ui/api.js';
import { Button, ButtonRow } from '../ui/Button.js';
import { fieldId, FormAlert, TextField } from '../ui/fields.js';
import type { Report } from './types.js';

export function TriggerReport({ onStarted }: { onStarted: (report: Report) => void }) {
  const [now, setNow] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const text = now.trim();
    const problem = text === '' ? undefined : timestampProblem(text);
    setError(problem);
    setFormError(undefined);
    if (problem !== undefined) {
      document.getElementById(fieldId('now'))?.focus();
      return;
    }
    setBusy(true);
    const res = await api.post<Report>('/api/uptime/reports', text === '' ? {} : { now: text });
    setBusy(false);
    if (res.ok && typeof res.data?.id === 'string') {
      onStarted(res.data);
      return;
    }
    if (res.status === 401) return;
    const message = errorMessage(res, 'Could not start the report.');
    if (res.status === 400 && /now/i.test(message)) {
      setError(message);
      document.getElementById(fieldId('now'))?.focus();
    } else {
      setFormError(message);
    }
  };

  return (
    <section className="card" aria-labelledby="trigger-heading">
      <h2 id="trigger-heading">New report</h2>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Start a report">
        {formError !== undefined && <FormAlert testId="trigger-error">{formError}</FormAlert>}
        <TextField
          name="now"
          label="Compute at"
          optional
          hint={
            <>
              Leave empty for the latest poll in the database, or give an instant in UTC such as{' '}
              <code>2023-01-25 18:13:22 UTC</code> or <code>2023-01-25T18:13:22Z</code>.
            </>
          }
          value={now}
          onChange={setNow}
          error={error}
          autoComplete="off"
          spellCheck={false}
          maxLength={64}
        />
        <ButtonRow>
          <Button type="submit" busy={busy} data-testid="trigger-report">
            Start report
          </Button>
        </ButtonRow>
      </form>
    </section>
  );
}
