import { Fragment, type ReactNode } from 'react';
import { formatDateTime } from '../ui/format.js';
import { emailBreakParts, formatPhone } from './phone.js';

/** An email that wraps only after the @ and before a dot. */
export function Email({ value }: { value: string }) {
  return (
    <span className="email">
      {emailBreakParts(value).map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </span>
  );
}
import { stateLabel, type Applicant } from './applicant.js';

export function StateBadge({ state, testId = 'applicant-state' }: { state: string; testId?: string }) {
  const kind = state === 'rejected' ? 'badge--danger' : state === 'hired' ? 'badge--accent' : '';
  return (
    <span className={`badge ${kind}`} data-testid={testId} data-state={state}>
      {stateLabel(state)}
    </span>
  );
}

/** All of an applicant's fields as a description list. */
export function ApplicantDetails({
  applicant,
  showState = true,
}: {
  applicant: Applicant;
  showState?: boolean;
}) {
  const rows: [string, string, ReactNode][] = [
    ['first_name', 'First name', applicant.first_name],
    ['last_name', 'Last name', applicant.last_name],
    ['email', 'Email', <Email key="e" value={applicant.email} />],
    [
      'phone',
      'Phone',
      <span key="p" title={applicant.phone}>
        {formatPhone(applicant.phone)}
      </span>,
    ],
    ['region', 'Region', applicant.region],
    ['phone_type', 'Phone type', applicant.phone_type],
    ['over_21', 'Over 21', applicant.over_21 ? 'Yes' : 'No'],
    ['source', 'How did you hear about us?', applicant.source || '—'],
    ['reason', 'Why do you want to be a shopper?', applicant.reason || '—'],
  ];
  if (showState)
    rows.push(['workflow_state', 'Status', <StateBadge key="s" state={applicant.workflow_state} />]);
  rows.push(['created_at', 'Applied on', formatDateTime(applicant.created_at)]);
  rows.push(['updated_at', 'Last updated', formatDateTime(applicant.updated_at)]);
  return (
    <dl className="details" data-testid="applicant-details">
      {rows.map(([key, term, value]) => (
        <div key={key} className="details__row" data-testid={`detail-${key}`}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
