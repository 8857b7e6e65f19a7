// Rules for rows of the original challenge's `applicants` table. Pure: no I/O.
import { APPLICANT_COLUMNS, isWorkflowState, type WorkflowState } from './constants.js';
import { parseIsoDate } from './funnel.js';
import { isValidEmail, normalizeEmail, readPhone } from './validation.js';
import type { NewApplicantRow } from './repository.js';

export interface LegacyRow {
  id: number;
  first_name: string | null;
  last_name: string | null;
  region: string | null;
  phone: string | null;
  email: string | null;
  phone_type: string | null;
  source: string | null;
  over_21: unknown;
  reason: string | null;
  workflow_state: string | null;
  created_at: unknown;
  updated_at: unknown;
}

const LEGACY_TIME =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;

/** A legacy timestamp (`2014-07-07 02:10:46.503458`, naive = UTC) as ISO 8601 UTC, or undefined. */
export function parseLegacyTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string') return undefined;
  const m = LEGACY_TIME.exec(value.trim());
  if (!m) return undefined;
  const [, date = '', hm = '', sec = '00', frac = '', zoneRaw] = m;
  // Date() rolls 2014-02-30 over to March and reads 24:00 as the next day, whatever the zone: refuse both.
  if (parseIsoDate(date) === undefined || Number(hm.slice(0, 2)) > 23) return undefined;
  const ms = (frac + '000').slice(0, 3);
  if (!zoneRaw || /^(z|utc)$/i.test(zoneRaw)) {
    // Measured hot path (every imported row has two timestamps): a UTC time is already its ISO
    // form once minutes and seconds are in range, which is all Date would check; no Date round trip.
    if (Number(hm.slice(3)) > 59 || Number(sec) > 59) return undefined;
    return `${date}T${hm}:${sec}.${ms}Z`;
  }
  const zone = zoneRaw.includes(':') ? zoneRaw : `${zoneRaw.slice(0, 3)}:${zoneRaw.slice(3)}`;
  const parsed = new Date(`${date}T${hm}:${sec}.${ms}${zone}`);
  if (Number.isNaN(parsed.getTime())) return undefined;
  return parsed.toISOString();
}

function legacyBool(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (value === 1 || value === true || value === '1' || value === 't' || value === 'true') return 1;
  if (value === 0 || value === false || value === '0' || value === 'f' || value === 'false') return 0;
  return null;
}

/**
 * Checked rows packed for the importer: parallel arrays and one flat array of the usable rows'
 * values, not an object per row. Sent from the checking thread, 500,000 row objects of 13 fields
 * took the importing thread ~1.2 s to rebuild; these arrays, a third of that.
 */
export interface PackedBatch {
  /** Each row's id, in the source's order. */
  ids: number[];
  /** Per row: why it cannot be used, or null. */
  reasons: (string | null)[];
  /** Per row: its warnings joined with "; ", or null when it has none (or cannot be used). */
  warnings: (string | null)[];
  /** The usable rows' values, APPLICANT_COLUMNS.length per row in that order, in the rows' order. */
  values: unknown[];
}

/** Where each value of a usable row is in PackedBatch.values, from the row's start. */
export const PACKED = {
  width: APPLICANT_COLUMNS.length,
  email: APPLICANT_COLUMNS.indexOf('email'),
  phone: APPLICANT_COLUMNS.indexOf('phone'),
  phoneKey: APPLICANT_COLUMNS.indexOf('phone_key'),
  state: APPLICANT_COLUMNS.indexOf('workflow_state'),
  createdAt: APPLICANT_COLUMNS.indexOf('created_at'),
} as const;

/** Checks legacy rows (checkLegacyRow) and packs the verdicts. */
export function checkAndPack(rows: readonly LegacyRow[]): PackedBatch {
  const batch: PackedBatch = { ids: [], reasons: [], warnings: [], values: [] };
  for (const legacy of rows) {
    const check = checkLegacyRow(legacy);
    batch.ids.push(legacy.id);
    if (!check.ok) {
      batch.reasons.push(check.reason);
      batch.warnings.push(null);
      continue;
    }
    batch.reasons.push(null);
    batch.warnings.push(check.warnings.length ? check.warnings.join('; ') : null);
    const { row } = check;
    for (const column of APPLICANT_COLUMNS) batch.values.push(row[column] ?? null);
  }
  return batch;
}

/** What the checking thread (legacy-check.worker.ts) tells the importer. */
export type FromChecker =
  { type: 'batch'; rows: PackedBatch } | { type: 'done' } | { type: 'error'; message: string };

export type LegacyCheck =
  { ok: true; row: NewApplicantRow; warnings: string[] } | { ok: false; reason: string };

/** Column sizes of hiring_applicants: PostgreSQL refuses longer values and would fail the whole import. */
const MAX = { email: 254, phone: 64, region: 64, phone_type: 64, source: 200 } as const;

/** Free text longer than its column is cut, with a warning. */
function fit(
  value: string | null,
  column: 'region' | 'phone_type' | 'source',
  warnings: string[],
): string | null {
  if (value === null || value.length <= MAX[column]) return value;
  warnings.push(`${column} cut to ${MAX[column]} characters`);
  return value.slice(0, MAX[column]);
}

/** Decides whether a legacy row can be used; values the form would refuse today are kept as written, with a warning. */
export function checkLegacyRow(legacy: LegacyRow): LegacyCheck {
  const email = legacy.email ? normalizeEmail(legacy.email) : '';
  if (!email) return { ok: false, reason: 'no email' };
  if (email.length > MAX.email) return { ok: false, reason: `email longer than ${MAX.email} characters` };
  const state = legacy.workflow_state?.trim() ?? '';
  if (!isWorkflowState(state))
    return { ok: false, reason: `unknown workflow state "${legacy.workflow_state ?? ''}"` };
  const createdAt = parseLegacyTime(legacy.created_at);
  if (!createdAt) return { ok: false, reason: `unreadable created_at "${String(legacy.created_at)}"` };
  const updatedAt =
    legacy.updated_at === null || legacy.updated_at === undefined
      ? createdAt
      : parseLegacyTime(legacy.updated_at);
  if (!updatedAt) return { ok: false, reason: `unreadable updated_at "${String(legacy.updated_at)}"` };
  const phone = legacy.phone?.trim() ?? '';
  const warnings: string[] = [];
  if (!isValidEmail(email)) warnings.push(`email "${legacy.email}" would be refused today`);
  const read = phone ? readPhone(phone, legacy.region ?? undefined) : undefined;
  if (!phone) warnings.push('no phone');
  else if (!read?.acceptable) warnings.push(`phone "${phone}" would be refused today`);
  // Keyed like a new application (local numbers in the region's country), so an applicant cannot register the same phone twice.
  const phoneKey = phone ? (read?.e164 ?? `raw:${phone.replace(/\D/g, '') || phone}`) : `none:${legacy.id}`;
  if (phone.length > MAX.phone || phoneKey.length > MAX.phone)
    return { ok: false, reason: `phone too long (${phone.length} characters)` };
  return {
    ok: true,
    warnings,
    row: {
      first_name: (legacy.first_name ?? '').trim().slice(0, 100),
      last_name: (legacy.last_name ?? '').trim().slice(0, 100),
      email,
      phone,
      phone_key: phoneKey,
      region: fit(legacy.region, 'region', warnings),
      phone_type: fit(legacy.phone_type, 'phone_type', warnings),
      over_21: legacyBool(legacy.over_21),
      source: fit(legacy.source, 'source', warnings),
      reason: legacy.reason,
      workflow_state: state as WorkflowState,
      created_at: createdAt,
      updated_at: updatedAt,
    },
  };
}
