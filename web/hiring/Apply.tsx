// The apply flow: details → background check → confirmation.
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage, fieldErrors } from '../ui/api.js';
import { Button, ButtonLink, ButtonRow } from '../ui/Button.js';
import { CheckboxField, fieldId, FormAlert } from '../ui/fields.js';
import { Loading, PageHeading } from '../ui/Layout.js';
import { Link, navigate } from '../ui/router.js';
import { ApplicantForm } from './ApplicantForm.js';
import { APPLICATION_FIELDS, trimmed, unwrapApplicant, type Applicant } from './applicant.js';
import { StateBadge } from './ApplicantDetails.js';
import type { ApplyFlow } from './flow.js';
import { HiringLayout } from './HiringLayout.js';

const STEPS = ['Your details', 'Background check', 'Done'] as const;

function Steps({ current }: { current: 0 | 1 | 2 }) {
  return (
    <ol className="steps" aria-label="Application steps">
      {STEPS.map((label, i) => (
        <li
          key={label}
          aria-current={i === current ? 'step' : undefined}
          className={i < current ? 'is-done' : undefined}
        >
          {label}
          {i < current && <span className="visually-hidden"> (done)</span>}
        </li>
      ))}
    </ol>
  );
}

export function ApplyPage({ flow }: { flow: ApplyFlow }) {
  const { draft, updateDraft, errors, showErrors, focusKey } = flow;
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();

  const submit = async () => {
    setBusy(true);
    setFormError(undefined);
    const result = await api.post<unknown>('/hiring/api/applications/validate', trimmed(draft.values));
    setBusy(false);
    if (result.ok) {
      showErrors({});
      updateDraft({ values: draft.values, validated: true });
      navigate('/hiring/apply/background-check');
      return;
    }
    const fields = fieldErrors(result);
    if (Object.keys(fields).length > 0) {
      setFormError(undefined);
      showErrors(fields);
    } else {
      setFormError(errorMessage(result));
      showErrors({});
    }
  };

  return (
    <HiringLayout width="narrow">
      <PageHeading title="Apply" lead="Tell us a little about yourself. It takes about five minutes.">
        Apply to become a shopper
      </PageHeading>
      <Steps current={0} />
      <div className="card">
        <ApplicantForm
          label="Application"
          values={draft.values}
          onChange={(values) => updateDraft({ values, validated: false })}
          errors={errors}
          formError={formError}
          focusKey={focusKey}
          onSubmit={() => void submit()}
          submitLabel="Continue"
          busy={busy}
        />
      </div>
    </HiringLayout>
  );
}

export function BackgroundCheckPage({ flow }: { flow: ApplyFlow }) {
  const { draft, updateDraft, showErrors, resetDraft, setCreated } = flow;
  const [consent, setConsent] = useState(false);
  const [consentError, setConsentError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const ready = draft.validated;
  useEffect(() => {
    if (!ready) navigate('/hiring/apply', { replace: true });
  }, [ready]);
  if (!ready) return null;

  const focusConsent = () => document.getElementById(fieldId('background_check_consent'))?.focus();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setFormError(undefined);
    if (!consent) {
      setConsentError('Please agree to a background check to submit your application.');
      focusConsent();
      return;
    }
    setConsentError(undefined);
    setBusy(true);
    const result = await api.post<unknown>('/hiring/api/applications', {
      ...trimmed(draft.values),
      background_check_consent: true,
    });
    setBusy(false);
    if (result.ok) {
      setCreated(unwrapApplicant(result.data));
      resetDraft();
      navigate('/hiring/apply/confirmation');
      return;
    }
    const fields = fieldErrors(result);
    const { background_check_consent: consentMessage, ...rest } = fields;
    const onForm = Object.keys(rest).some((key) => (APPLICATION_FIELDS as readonly string[]).includes(key));
    if (onForm) {
      // E.g. the email was registered meanwhile: back to the form, everything typed kept.
      showErrors(rest);
      updateDraft({ values: draft.values, validated: false });
      navigate('/hiring/apply');
      return;
    }
    if (consentMessage !== undefined) {
      setConsentError(consentMessage);
      focusConsent();
      return;
    }
    const other = Object.values(rest)[0];
    setFormError(other ?? errorMessage(result));
  };

  const v = draft.values;
  return (
    <HiringLayout width="narrow">
      <PageHeading lead="One last step before we can review your application.">Background check</PageHeading>
      <Steps current={1} />
      <form className="card form" onSubmit={submit} noValidate aria-label="Background check">
        {formError !== undefined && <FormAlert>{formError}</FormAlert>}
        <p>
          Applying as{' '}
          <strong>
            {v.first_name} {v.last_name}
          </strong>{' '}
          ({v.email}).
        </p>
        <h2>About the background check</h2>
        <p>
          Because shoppers visit customers' homes and handle their orders, we run a standard background check
          on every applicant before they start. It looks at identity, driving and criminal records, as allowed
          by local law.
        </p>
        <ul>
          <li>It is free for you and usually takes a few business days.</li>
          <li>We only use the results to decide on your application.</li>
          <li>You can ask for a copy of your report at any time.</li>
        </ul>
        <CheckboxField
          name="background_check_consent"
          label="I agree to a background check"
          required
          checked={consent}
          onChange={(checked) => {
            setConsent(checked);
            if (checked) setConsentError(undefined);
          }}
          error={consentError}
        />
        <ButtonRow align="between">
          <ButtonLink href="/hiring/apply" variant="secondary">
            <span aria-hidden="true">← </span>Back
          </ButtonLink>
          <Button type="submit" busy={busy} size="large">
            Submit application
          </Button>
        </ButtonRow>
      </form>
    </HiringLayout>
  );
}

export function ConfirmationPage({ flow }: { flow: ApplyFlow }) {
  const { created, setCreated } = flow;
  const [status, setStatus] = useState<'idle' | 'loading' | 'missing'>(created === null ? 'loading' : 'idle');

  useEffect(() => {
    if (created !== null) return;
    // After a reload: the applicant session cookie tells us who just applied.
    const controller = new AbortController();
    api
      .get<unknown>('/hiring/api/me', { signal: controller.signal })
      .then((result) => {
        const applicant = result.ok ? unwrapApplicant(result.data) : null;
        if (applicant !== null) {
          setCreated(applicant);
          setStatus('idle');
        } else setStatus('missing');
      })
      .catch(() => {
        /* aborted */
      });
    return () => controller.abort();
  }, [created, setCreated]);

  // Thanks only for an application this browser really sent (just now, or its session after a reload).
  if (created === null && status === 'missing') {
    return (
      <HiringLayout width="narrow">
        <PageHeading title="No application sent" lead="This page confirms an application once you send one.">
          No application yet
        </PageHeading>
        <div className="card" data-testid="no-application">
          <NoApplicant />
        </div>
      </HiringLayout>
    );
  }
  return (
    <HiringLayout width="narrow">
      <PageHeading title="Application received">
        {created !== null ? 'Thanks for applying!' : 'Your application'}
      </PageHeading>
      <Steps current={2} />
      <div className="card" data-testid="confirmation">
        {created !== null ? <Confirmation applicant={created} /> : <Loading />}
      </div>
    </HiringLayout>
  );
}

function Confirmation({ applicant }: { applicant: Applicant }) {
  return (
    <>
      <p className="lead" style={{ color: 'inherit' }}>
        Thank you, <strong data-testid="confirmation-first-name">{applicant.first_name}</strong>! We have
        received your application.
      </p>
      <p>
        Status: <StateBadge state={applicant.workflow_state} />
      </p>
      <h2>What happens next</h2>
      <ol className="how-steps">
        <li>We run your background check (usually a few business days).</li>
        <li>We email you at {applicant.email} with a short quiz.</li>
        <li>After the quiz, we invite you to onboarding.</li>
      </ol>
      <ButtonRow>
        <ButtonLink href="/hiring/application">View my application</ButtonLink>
      </ButtonRow>
    </>
  );
}

function NoApplicant() {
  return (
    <>
      <p>
        No application was sent from this browser. To become a shopper,{' '}
        <Link href="/hiring/apply">apply now</Link>; if you applied before,{' '}
        <Link href="/hiring/track">track your application</Link> with your email and phone number.
      </p>
    </>
  );
}
