// One applicant, with a control to move them to another workflow state.
import { useEffect, useState, type FormEvent } from 'react';
import { STATE_LABELS, STATES, type WorkflowState } from '../../src/systems/hiring/constants.js';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { Button } from '../ui/Button.js';
import { SelectField } from '../ui/fields.js';
import { Loading, Notice, PageHeading } from '../ui/Layout.js';
import { Link } from '../ui/router.js';
import { stateLabel, unwrapApplicant, type Applicant } from '../hiring/applicant.js';
import { ApplicantDetails, StateBadge } from '../hiring/ApplicantDetails.js';
import { AdminLayout } from './AdminLayout.js';
import { listHref } from './ApplicantsPanel.js';

type View =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; applicant: Applicant };

const STATE_OPTIONS = STATES.map((s) => ({ value: s, label: STATE_LABELS[s] }));

export function ApplicantDetailPage({ id }: { id: string }) {
  const [view, setView] = useState<View>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<unknown>(`/hiring/api/admin/applicants/${encodeURIComponent(id)}`, { signal: controller.signal })
      .then((res) => {
        const applicant = res.ok ? unwrapApplicant(res.data) : null;
        if (applicant !== null) setView({ kind: 'ready', applicant });
        else if (res.status === 404 || res.status === 400) setView({ kind: 'missing' });
        else if (res.status !== 401) setView({ kind: 'error', message: errorMessage(res) });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setView({ kind: 'error', message: 'Could not load the applicant.' });
      });
    return () => controller.abort();
  }, [id]);

  const back = (
    <Link className="back-link" href={listHref()}>
      <span aria-hidden="true">← </span>All applicants
    </Link>
  );

  if (view.kind !== 'ready') {
    return (
      <AdminLayout>
        {back}
        <PageHeading title="Applicant">
          {view.kind === 'missing' ? 'Applicant not found' : 'Applicant'}
        </PageHeading>
        {view.kind === 'loading' && <Loading />}
        {view.kind === 'missing' && <p>There is no applicant with id {id}.</p>}
        {view.kind === 'error' && <Notice kind="error">{view.message}</Notice>}
      </AdminLayout>
    );
  }

  const { applicant } = view;
  const name = `${applicant.first_name} ${applicant.last_name}`.trim();
  return (
    <AdminLayout>
      {back}
      <PageHeading title={name || 'Applicant'}>{name || `Applicant ${applicant.id}`}</PageHeading>
      <div className="detail-grid">
        <section className="card" aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <ApplicantDetails applicant={applicant} />
        </section>
        <MoveState applicant={applicant} onMoved={(next) => setView({ kind: 'ready', applicant: next })} />
      </div>
    </AdminLayout>
  );
}

function MoveState({
  applicant,
  onMoved,
}: {
  applicant: Applicant;
  onMoved: (applicant: Applicant) => void;
}) {
  const [state, setState] = useState<string>(applicant.workflow_state);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setMessage(null);
    const res = await api.post<unknown>(
      `/hiring/api/admin/applicants/${encodeURIComponent(String(applicant.id))}/state`,
      { state },
    );
    setBusy(false);
    const moved = res.ok ? unwrapApplicant(res.data) : null;
    if (res.ok) {
      const next = moved ?? { ...applicant, workflow_state: state as WorkflowState };
      onMoved(next);
      setState(next.workflow_state);
      setMessage({ kind: 'success', text: `Moved to ${stateLabel(next.workflow_state)}.` });
    } else if (res.status !== 401) {
      setMessage({ kind: 'error', text: errorMessage(res, 'Could not move the applicant.') });
    }
  };

  return (
    <section className="card" aria-labelledby="move-heading">
      <h2 id="move-heading">Move applicant</h2>
      <p>
        Currently: <StateBadge state={applicant.workflow_state} testId="current-state" />
      </p>
      <form onSubmit={submit} noValidate>
        <SelectField name="state" label="State" options={STATE_OPTIONS} value={state} onChange={setState} />
        <Button type="submit" busy={busy} disabled={state === applicant.workflow_state}>
          Move
        </Button>
      </form>
      <div aria-live="polite" className="move-message">
        {message !== null && (
          <p
            className={`notice notice--${message.kind}`}
            data-testid="move-message"
            role={message.kind === 'error' ? 'alert' : undefined}
          >
            {message.text}
          </p>
        )}
      </div>
    </section>
  );
}
