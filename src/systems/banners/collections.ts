// What the serving side reads and writes: the computed collections (rebuilt at import, each
// rebuild bumping a version in the same transaction) and the served-impression counters.
// Serving keeps the collections in memory and reloads them when collectionsVersion() changes.
import type { AnyDb } from '../../platform/db/database.js';
import { addServed, collectionRows, collectionsVersion as readVersion } from './repository.js';
import type { SelectionRule } from './selection.js';
import type { Quarter } from './tables.js';

export interface CollectionBanner {
  readonly bannerId: number;
  /** Revenue of the banner's conversions in the quarter, in micro-units (1 = 0.000001). */
  readonly revenueMicros: number;
  readonly conversions: number;
  readonly clicks: number;
  /** Why the banner is in the collection. */
  readonly pick: 'revenue' | 'clicks' | 'random';
}

export interface Collection {
  readonly campaignId: number;
  readonly quarter: Quarter;
  readonly rule: SelectionRule;
  /** In rank order (best first). */
  readonly banners: readonly CollectionBanner[];
}

/** The collections version: it changes in the same transaction as every rebuild of any quarter. */
export function collectionsVersion(db: AnyDb): Promise<number> {
  return readVersion(db);
}

/** Every campaign's collection in every quarter, by campaign and quarter, banners in rank order. */
export async function loadCollections(db: AnyDb): Promise<Collection[]> {
  return groupCollections(await collectionRows(db));
}

/** Collection rows (ordered by campaign, quarter, rank) as collections. */
export function groupCollections(rows: Awaited<ReturnType<typeof collectionRows>>): Collection[] {
  const out: Collection[] = [];
  let current:
    { campaignId: number; quarter: Quarter; rule: SelectionRule; banners: CollectionBanner[] } | undefined;
  for (const r of rows) {
    if (!current || current.campaignId !== r.campaignId || current.quarter !== r.quarter) {
      current = {
        campaignId: r.campaignId,
        quarter: r.quarter as Quarter,
        rule: r.rule as SelectionRule,
        banners: [],
      };
      out.push(current);
    }
    current.banners.push({
      bannerId: r.bannerId,
      revenueMicros: r.revenueMicros,
      conversions: r.conversions,
      clicks: r.clicks,
      pick: r.pick as CollectionBanner['pick'],
    });
  }
  return out;
}

/** The key of a served-impressions count: `${campaignId}:${bannerId}`. */
export const servedKey = (campaignId: number, bannerId: number) => `${campaignId}:${bannerId}`;

/**
 * Adds served impressions, keyed "campaign:banner", to the database in one transaction (an upsert
 * that adds). Called by the serving side with the counts it gathered since its last flush.
 */
export async function recordServed(db: AnyDb, counts: ReadonlyMap<string, number>): Promise<void> {
  const rows: { campaign_id: number; banner_id: number; served: number }[] = [];
  for (const [key, served] of counts) {
    const m = /^(\d+):(\d+)$/.exec(key);
    if (!m) throw new Error(`recordServed: "${key}" is not "campaign:banner"`);
    if (!Number.isSafeInteger(served) || served < 0)
      throw new Error(`recordServed: bad count ${served} for ${key}`);
    if (served > 0) rows.push({ campaign_id: Number(m[1]), banner_id: Number(m[2]), served });
  }
  await addServed(db, rows);
}
