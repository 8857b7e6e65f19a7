// The responses table's columns: which can be sorted, hidden, and how each cell shows its answer
// (as text: React escapes it; the email as a mailto link).
import type { ReactNode } from 'react';
import { formatDateTime } from '../../ui/format.js';
import type { SortKey } from '../live-table.js';
import type { SurveyResponse } from '../survey.js';

export interface ResponseColumn {
  key: string;
  label: string;
  sortKey?: SortKey;
  numeric?: boolean;
  /** Shown unless the admin hides it. */
  shownByDefault: boolean;
  cell: (r: SurveyResponse) => ReactNode;
}

const dash = (value: string | number | undefined) =>
  value === undefined || value === '' ? <span className="badge--muted">—</span> : value;

const time = (value: string | null) => (
  <span className="nowrap">{value === null ? '—' : formatDateTime(value)}</span>
);

export const COLUMNS: readonly ResponseColumn[] = [
  { key: 'name', label: 'Name', sortKey: 'name', shownByDefault: true, cell: (r) => dash(r.answers.name) },
  {
    key: 'email',
    label: 'Email',
    sortKey: 'email',
    shownByDefault: true,
    cell: (r) =>
      r.answers.email === undefined || r.answers.email === '' ? (
        dash(undefined)
      ) : (
        <a href={`mailto:${encodeURIComponent(r.answers.email).replace(/%40/g, '@')}`}>{r.answers.email}</a>
      ),
  },
  {
    key: 'age',
    label: 'Age',
    sortKey: 'age',
    numeric: true,
    shownByDefault: true,
    cell: (r) => dash(r.answers.age),
  },
  {
    key: 'about',
    label: 'About me',
    shownByDefault: true,
    cell: (r) => (r.answers.about ? <span className="cell-about">{r.answers.about}</span> : dash(undefined)),
  },
  {
    key: 'address',
    label: 'Address',
    sortKey: 'address',
    shownByDefault: true,
    cell: (r) => dash(r.answers.address),
  },
  {
    key: 'gender',
    label: 'Gender',
    sortKey: 'gender',
    shownByDefault: true,
    cell: (r) => dash(r.answers.gender),
  },
  {
    key: 'book',
    label: 'Favourite book',
    sortKey: 'book',
    shownByDefault: true,
    cell: (r) => dash(r.answers.book),
  },
  {
    key: 'colours',
    label: 'Favourite colours',
    shownByDefault: true,
    cell: (r) => dash(r.answers.colours?.join(', ')),
  },
  {
    key: 'completed',
    label: 'Completed',
    shownByDefault: true,
    cell: (r) =>
      r.completed ? (
        <span className="badge badge--accent">Yes</span>
      ) : (
        <span className="badge">In progress</span>
      ),
  },
  {
    key: 'createdAt',
    label: 'Started',
    sortKey: 'createdAt',
    shownByDefault: false,
    cell: (r) => time(r.createdAt),
  },
  {
    key: 'updatedAt',
    label: 'Last change',
    sortKey: 'updatedAt',
    shownByDefault: true,
    cell: (r) => time(r.updatedAt),
  },
  {
    key: 'completedAt',
    label: 'Completed at',
    sortKey: 'completedAt',
    shownByDefault: false,
    cell: (r) => time(r.completedAt),
  },
];

const STORAGE_KEY = 'quintet.surveys.columns';

/** The columns shown, as last chosen on this browser (the defaults otherwise). */
export function loadShownColumns(): Set<string> {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY);
    if (raw !== null) {
      const parsed = JSON.parse(raw) as unknown;
      if (Array.isArray(parsed)) {
        const known = new Set(COLUMNS.map((c) => c.key));
        return new Set(parsed.filter((k): k is string => typeof k === 'string' && known.has(k)));
      }
    }
  } catch {
    // Fall back to the defaults.
  }
  return new Set(COLUMNS.filter((c) => c.shownByDefault).map((c) => c.key));
}

export function saveShownColumns(shown: ReadonlySet<string>): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify([...shown]));
  } catch {
    // Not kept across visits.
  }
}

/** The direction a column sorts in when first clicked: newest first for times, A–Z otherwise. */
export function firstDirection(key: SortKey): 'asc' | 'desc' {
  return key === 'updatedAt' || key === 'createdAt' || key === 'completedAt' ? 'desc' : 'asc';
}
