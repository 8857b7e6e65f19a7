// The three dataset files and their rows (pure): which columns each has, and a row's values or
// the reason it is refused.
import type { DatasetKind } from './tables.js';

export const DATASET_KINDS: readonly DatasetKind[] = ['impressions', 'clicks', 'conversions'];

/** Each kind's columns, in the order the original files have them (files may order them otherwise). */
export const COLUMNS: Readonly<Record<DatasetKind, readonly string[]>> = {
  impressions: ['banner_id', 'campaign_id'],
  clicks: ['click_id', 'banner_id', 'campaign_id'],
  conversions: ['conversion_id', 'click_id', 'revenue'],
};

/** The kind a file's name says (impressions_1.csv, clicks.csv, …), else the kind its header says. */
export function datasetKind(fileName: string, header: readonly string[]): DatasetKind | undefined {
  const name = fileName.toLowerCase();
  for (const kind of DATASET_KINDS) if (name.includes(kind.slice(0, -1))) return kind;
  const columns = new Set(header.map((h) => h.trim()));
  if (columns.has('conversion_id') || columns.has('revenue')) return 'conversions';
  if (columns.has('click_id')) return 'clicks';
  if (columns.has('banner_id') && columns.has('campaign_id')) return 'impressions';
  return undefined;
}

/** Ids are whole numbers ≥ 0 up to 2^53 (the data's are small); anything else is refused. */
export function parseId(raw: string): number | undefined {
  const text = raw.trim();
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** Revenue has at most this many decimals: stored as integer micro-units, exactly. */
export const REVENUE_DECIMALS = 6;
const MICROS = 10 ** REVENUE_DECIMALS;

/**
 * A revenue written as a plain decimal ("1.173893", "0", ".5", "12.") in integer micro-units, or
 * the reason it cannot be stored exactly: negative, not a number, more than 6 decimals, too large.
 */
export function parseRevenueMicros(raw: string): number | { error: string } {
  const text = raw.trim();
  if (text === '') return { error: 'revenue is empty' };
  if (/^-/.test(text) && /^-\d*\.?\d*$/.test(text) && /\d/.test(text))
    return { error: `revenue "${raw}" is negative` };
  const m = /^\+?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return { error: `revenue "${raw}" is not a number` };
  const whole = m[1] ?? '';
  const fraction = m[2] ?? '';
  if (fraction.length > REVENUE_DECIMALS && /[1-9]/.test(fraction.slice(REVENUE_DECIMALS)))
    return { error: `revenue "${raw}" has more than ${REVENUE_DECIMALS} decimals` };
  const micros = Number(whole || '0') * MICROS + Number(fraction.slice(0, REVENUE_DECIMALS).padEnd(6, '0'));
  if (!Number.isSafeInteger(micros)) return { error: `revenue "${raw}" is too large` };
  return micros;
}

/** A row's fields in the kind's column order (missing ones as undefined). */
export type RowFields = readonly (string | undefined)[];

export type ParsedRow<T> = { ok: true; row: T } | { ok: false; reason: string };

export interface ImpressionRow {
  bannerId: number;
  campaignId: number;
}
export interface ClickRow {
  clickId: number;
  bannerId: number;
  campaignId: number;
}
export interface ConversionRow {
  conversionId: number;
  clickId: number;
  revenueMicros: number;
}

function ids<K extends string>(
  names: readonly K[],
  fields: RowFields,
): { ok: true; values: Record<K, number> } | { ok: false; reason: string } {
  const values = {} as Record<K, number>;
  for (let i = 0; i < names.length; i++) {
    const raw = fields[i];
    if (raw === undefined) return { ok: false, reason: `missing column ${names[i]}` };
    if (raw.trim() === '') return { ok: false, reason: `${names[i]} is empty` };
    const id = parseId(raw);
    if (id === undefined) return { ok: false, reason: `${names[i]} "${raw}" is not a whole number` };
    values[names[i]!] = id;
  }
  return { ok: true, values };
}

export function parseImpression(fields: RowFields): ParsedRow<ImpressionRow> {
  const r = ids(['banner_id', 'campaign_id'], fields);
  return r.ok ? { ok: true, row: { bannerId: r.values.banner_id, campaignId: r.values.campaign_id } } : r;
}

export function parseClick(fields: RowFields): ParsedRow<ClickRow> {
  const r = ids(['click_id', 'banner_id', 'campaign_id'], fields);
  return r.ok
    ? {
        ok: true,
        row: { clickId: r.values.click_id, bannerId: r.values.banner_id, campaignId: r.values.campaign_id },
      }
    : r;
}

export function parseConversion(fields: RowFields): ParsedRow<ConversionRow> {
  const r = ids(['conversion_id', 'click_id'], fields);
  if (!r.ok) return r;
  const raw = fields[2];
  if (raw === undefined) return { ok: false, reason: 'missing column revenue' };
  const revenue = parseRevenueMicros(raw);
  if (typeof revenue !== 'number') return { ok: false, reason: revenue.error };
  return {
    ok: true,
    row: { conversionId: r.values.conversion_id, clickId: r.values.click_id, revenueMicros: revenue },
  };
}
