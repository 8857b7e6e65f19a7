// Applicants: search (name/email/phone), state filter and paging, all kept in the URL.
import { useEffect, useState, type FormEvent } from 'react';
import { STATE_LABELS, STATES, isWorkflowState } from '../../src/systems/hiring/constants.js';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { Button } from '../ui/Button.js';
import { SelectField, TextField } from '../ui/fields.js';
import { formatDate } from '../ui/format.js';
import { formatPhone } from '../hiring/phone.js';
import { Loading, Notice } from '../ui/Layout.js';
import { Pager } from '../ui/Pager.js';
import { Link, navigate, useLocation, withQuery } from '../ui/router.js';
import { useUrlSearch } from '../ui/search.js';
import { Table, type Column } from '../ui/Table.js';
import type { Applicant } from '../hiring/applicant.js';
import { Email, StateBadge } from '../hiring/ApplicantDetails.js';

export const PER_PAGE = 25;
const BASE = '/hiring/admin';

interface ApplicantPage {
  items: Applicant[];
  total: number;
  page: number;
  per_page: number;
}

interface ListQuery {
  q: string;
  state: string;
  page: number;
}

let lastList = BASE;

/** The applicants list as last shown (so "back to the list" keeps the search and page). */
export function listHref(): string {
  return lastList;
}

function hrefFor(query: ListQuery): string {
  return withQuery(BASE, { q: query.q, state: query.state, page: query.page > 1 ? query.page : undefined });
}

function readQuery(params: URLSearchParams): ListQuery {
  const state = params.get('state') ?? '';
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    q: params.get('q') ?? '',
    state: isWorkflowState(state) ? state : '',
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

const STATE_OPTIONS = [
  { value: '', label: 'All states' },
  ...STATES.map((s) => ({ value: s, label: STATE_LABELS[s] })),
];

const COLUMNS: readonly Column<Applicant>[] = [
  {
    key: 'name',
    header: 'Name',
    cell: (a) => (
      <Link href={`${BASE}/applicants/${encodeURIComponent(String(a.id))}`}>
        {`${a.first_name} ${a.last_name}`.trim() || `Applicant ${a.id}`}
      </Link>
    ),
  },
  { key: 'email', header: 'Email', cell: (a) => <Email value={a.email} /> },
  { key: 'phone', header: 'Phone', cell: (a) => <span className="nowrap">{formatPhone(a.phone)}</span> },
  { key: 'region', header: 'Region', cell: (a) => a.region },
  { key: 'state', header: 'State', cell: (a) => <StateBadge state={a.workflow_state} testId="row-state" /> },
  {
    key: 'applied',
    header: 'Applied',
    cell: (a) => <span className="nowrap">{formatDate(a.created_at)}</span>,
  },
];

type Result =
  { kind: 'loading' } | { kind: 'ready'; data: ApplicantPage } | { kind: 'error'; message: string };

export function ApplicantsPanel() {
  const { query: params } = useLocation();
  const query = readQuery(params);
  const { q, state, page } = query;
  const { search, setSearch, commit } = useUrlSearch(q, (text) => hrefFor({ q: text, state, page: 1 }));
  const [result, setResult] = useState<Result>({ kind: 'loading' });
  const [loading, setLoading] = useState(true);
  lastList = hrefFor(query);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const url = withQuery('/hiring/api/admin/applicants', { q: q.trim(), state, page, per_page: PER_PAGE });
    api
      .get<ApplicantPage>(url, { signal: controller.signal })
      .then((res) => {
        setLoading(false);
        if (res.ok && Array.isArray(res.data.items)) setResult({ kind: 'ready', data: res.data });
        else if (res.status !== 401)
          setResult({ kind: 'error', message: errorMessage(res, 'Could not load the applicants.') });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setLoading(false);
      });
    return () => controller.abort();
  }, [q, state, page]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(hrefFor({ q: commit(), state, page: 1 }));
  };

  const data = result.kind === 'ready' ? result.data : null;
  const filtered = q.trim() !== '' || state !== '';

  return (
    <section aria-labelledby="applicants-heading">
      <h2 id="applicants-heading">Applicants</h2>
      <form className="filters" role="search" aria-label="Filter applicants" onSubmit={submit}>
        <div className="filters__grow">
          <TextField
            name="q"
            label="Search"
            type="search"
            placeholder="Name, email or phone"
            autoComplete="off"
            spellCheck={false}
            value={search}
            onChange={setSearch}
          />
        </div>
        <SelectField
          name="state"
          label="State"
          options={STATE_OPTIONS}
          value={state}
          onChange={(next) => {
            navigate(hrefFor({ q: commit(), state: next, page: 1 }));
          }}
        />
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>

      {result.kind === 'error' && <Notice kind="error">{result.message}</Notice>}
      {result.kind === 'loading' && <Loading label="Loading applicants…" />}
      {data !== null && (
        <div aria-busy={loading} className={loading ? 'is-loading' : undefined}>
          <Table
            caption={filtered ? 'Applicants matching the search' : 'All applicants'}
            columns={COLUMNS}
            rows={data.items}
            rowKey={(a) => a.id}
            testId="applicants-table"
            empty={filtered ? 'No applicants match this search.' : 'No applicants yet.'}
          />
          <Pager
            page={data.page || page}
            perPage={data.per_page || PER_PAGE}
            total={data.total}
            hrefFor={(p) => hrefFor({ q, state, page: p })}
            noun={['applicant', 'applicants']}
          />
        </div>
      )}
    </section>
  );
}
