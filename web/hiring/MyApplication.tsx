// "My application": the applicant's own record (GET /hiring/api/me), editable, with log out.
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, fieldErrors } from '../ui/api.js';
import { Button, ButtonRow } from '../ui/Button.js';
import { fieldId, FormAlert } from '../ui/fields.js';
import { formatDate } from '../ui/format.js';
import { Loading, Notice, PageHeading } from '../ui/Layout.js';
import { navigate } from '../ui/router.js';
import { ApplicantForm } from './ApplicantForm.js';
import {
  applicationFromApplicant,
  trimmed,
  unwrapApplicant,
  type Applicant,
  type ApplicationBody,
  type FieldErrors,
} from './applicant.js';
import { ApplicantDetails, StateBadge } from './ApplicantDetails.js';
import { HiringLayout } from './HiringLayout.js';
import { TrackForm } from './TrackForm.js';

type View =
  | { kind: 'loading' }
  | { kind: 'anonymous'; expired: boolean }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; applicant: Applicant };

export function MyApplication() {
  const [view, setView] = useState<View>({ kind: 'loading' });

  const load = useCallback(async (signal?: AbortSignal) => {
    const result = await api.get<unknown>('/hiring/api/me', { signal });
    const applicant = result.ok ? unwrapApplicant(result.data) : null;
    if (applicant !== null) setView({ kind: 'ready', applicant });
    else if (result.status === 401 || result.status === 404 || result.ok)
      setView({ kind: 'anonymous', expired: false });
    else setView({ kind: 'error', message: errorMessage(result) });
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).catch(() => {
      /* aborted */
    });
    return () => controller.abort();
  }, [load]);

  if (view.kind === 'loading') {
    return (
      <HiringLayout width="narrow">
        <PageHeading>My application</PageHeading>
        <Loading />
      </HiringLayout>
    );
  }
  if (view.kind === 'error') {
    return (
      <HiringLayout width="narrow">
        <PageHeading>My application</PageHeading>
        <Notice kind="error">{view.message}</Notice>
        <Button variant="secondary" onClick={() => void load()}>
          Try again
        </Button>
      </HiringLayout>
    );
  }
  if (view.kind === 'anonymous') {
    return (
      <HiringLayout width="narrow">
        <PageHeading
          title="Track my application"
          lead="Enter the email you applied with and the last four digits of the phone number on your application."
        >
          Track my application
        </PageHeading>
        {view.expired && <Notice>Your session has ended. Please enter your details again.</Notice>}
        <div className="card">
          <TrackForm
            onSuccess={(applicant) => {
              if (applicant !== null) setView({ kind: 'ready', applicant });
              else void load();
            }}
          />
        </div>
      </HiringLayout>
    );
  }
  return (
    <ApplicationView
      applicant={view.applicant}
      onUpdated={(applicant) => setView({ kind: 'ready', applicant })}
      onExpired={() => setView({ kind: 'anonymous', expired: true })}
    />
  );
}

function ApplicationView({
  applicant,
  onUpdated,
  onExpired,
}: {
  applicant: Applicant;
  onUpdated: (applicant: Applicant) => void;
  onExpired: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [values, setValues] = useState<ApplicationBody>(() => applicationFromApplicant(applicant));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [focusKey, setFocusKey] = useState(0);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [logoutError, setLogoutError] = useState<string | undefined>();
  const [loggingOut, setLoggingOut] = useState(false);

  const startEditing = () => {
    setValues(applicationFromApplicant(applicant));
    setErrors({});
    setFormError(undefined);
    setSaved(false);
    setEditing(true);
    window.setTimeout(() => document.getElementById(fieldId('first_name'))?.focus(), 0);
  };

  const stopEditing = () => {
    setEditing(false);
    // Back to the "Edit" button, where the user was.
    window.setTimeout(() => document.getElementById('edit-application')?.focus(), 0);
  };

  const save = async () => {
    setBusy(true);
    setFormError(undefined);
    const result = await api.put<unknown>('/hiring/api/me', trimmed(values));
    setBusy(false);
    const updated = result.ok ? unwrapApplicant(result.data) : null;
    if (updated !== null) {
      onUpdated(updated);
      setErrors({});
      setSaved(true);
      stopEditing();
      return;
    }
    if (result.status === 401) {
      onExpired();
      return;
    }
    const fields = fieldErrors(result);
    if (Object.keys(fields).length > 0) {
      setErrors(fields);
      setFocusKey((k) => k + 1);
    } else {
      setErrors({});
      setFormError(errorMessage(result));
    }
  };

  const logout = async () => {
    setLoggingOut(true);
    setLogoutError(undefined);
    const result = await api.post<unknown>('/hiring/api/session/logout');
    setLoggingOut(false);
    if (result.ok || result.status === 401) navigate('/hiring/');
    else setLogoutError(errorMessage(result));
  };

  return (
    <HiringLayout width="narrow">
      <PageHeading title="My application">My application</PageHeading>
      {logoutError !== undefined && <FormAlert>{logoutError}</FormAlert>}
      <section className="card status-card" aria-labelledby="status-heading">
        <h2 id="status-heading" className="visually-hidden">
          Status
        </h2>
        <p className="status-line">
          <span>
            Hi {applicant.first_name}, your application is: <StateBadge state={applicant.workflow_state} />
          </span>
        </p>
        <p className="small-print">Applied on {formatDate(applicant.created_at)}</p>
        <ButtonRow>
          <Button variant="ghost" onClick={() => void logout()} busy={loggingOut}>
            Log out
          </Button>
        </ButtonRow>
      </section>

      {editing ? (
        <section className="card" aria-labelledby="edit-heading">
          <h2 id="edit-heading">Edit your application</h2>
          <ApplicantForm
            label="Edit your application"
            values={values}
            onChange={setValues}
            errors={errors}
            formError={formError}
            focusKey={focusKey}
            onSubmit={() => void save()}
            submitLabel="Save changes"
            busy={busy}
            secondary={
              <Button variant="secondary" onClick={stopEditing}>
                Cancel
              </Button>
            }
          />
        </section>
      ) : (
        <section className="card" aria-labelledby="details-heading">
          <div className="card__header">
            <h2 id="details-heading">Your details</h2>
            <Button id="edit-application" variant="secondary" size="small" onClick={startEditing}>
              Edit
            </Button>
          </div>
          {saved && <Notice kind="success">Your changes were saved.</Notice>}
          <ApplicantDetails applicant={applicant} />
        </section>
      )}
    </HiringLayout>
  );
}
