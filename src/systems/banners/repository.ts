// Every SQL statement of the banners system (Kysely; the bulk loads go through the platform's bulkInsert).
import { sql, type Transaction } from 'kysely';
import { bulkInsert, type BulkProgress, type Cell } from '../../platform/db/bulk-load.js';
import type { AnyDb, Database } from '../../platform/db/database.js';
import type {
  BannersDatabase,
  BannersDb,
  CollectionTable,
  ImportStatus,
  ImportTable,
  Quarter,
} from './tables.js';

/** Rows per multi-row statement: well within SQLite's parameter limit for these narrow tables. */
const CHUNK = 500;

const asBanners = (db: AnyDb) => db as BannersDb;

function chunks<T>(rows: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** A key of a (campaign, banner) pair in maps and sets. */
export const pairKey = (campaignId: number, bannerId: number) => `${campaignId}:${bannerId}`;

export async function collectionsVersion(db: AnyDb): Promise<number> {
  const row = await asBanners(db)
    .selectFrom('banners_state')
    .select('collections_version')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.collections_version);
}

// ---- what an import checks against -------------------------------------------------------------

/** The (campaign, banner) pairs with impressions in a quarter's dataset. */
export async function impressionPairs(db: AnyDb, quarter: Quarter): Promise<Set<string>> {
  const rows = await asBanners(db)
    .selectFrom('banners_impressions')
    .select(['campaign_id', 'banner_id'])
    .where('quarter', '=', quarter)
    .execute();
  return new Set(rows.map((r) => pairKey(Number(r.campaign_id), Number(r.banner_id))));
}

/** The click ids of a quarter's dataset. */
export async function clickIds(db: AnyDb, quarter: Quarter): Promise<Set<number>> {
  const rows = await asBanners(db)
    .selectFrom('banners_clicks')
    .select('click_id')
    .where('quarter', '=', quarter)
    .execute();
  return new Set(rows.map((r) => Number(r.click_id)));
}

/** The conversion ids of a quarter's dataset. */
export async function conversionIds(db: AnyDb, quarter: Quarter): Promise<Set<number>> {
  const rows = await asBanners(db)
    .selectFrom('banners_conversions')
    .select('conversion_id')
    .where('quarter', '=', quarter)
    .execute();
  return new Set(rows.map((r) => Number(r.conversion_id)));
}

/** The import that loaded this content, if any. */
export async function loadedBy(
  db: AnyDb,
  contentHash: string,
): Promise<{ importId: number; quarter: number; fileName: string } | undefined> {
  const row = await asBanners(db)
    .selectFrom('banners_loaded_files as f')
    .innerJoin('banners_imports as i', 'i.id', 'f.import_id')
    .select(['f.import_id', 'i.quarter', 'i.file_name'])
    .where('f.content_hash', '=', contentHash)
    .executeTakeFirst();
  return row
    ? { importId: Number(row.import_id), quarter: Number(row.quarter), fileName: row.file_name }
    : undefined;
}

// ---- the import log ------------------------------------------------------------------------------

export type NewImport = Omit<ImportTable, 'id'>;

export async function insertImport(
  db: AnyDb | Transaction<BannersDatabase>,
  row: NewImport,
): Promise<number> {
  const { id } = await (db as BannersDb)
    .insertInto('banners_imports')
    .values(row)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

/**
 * Records a loaded file: its import row and its content, in one transaction with `load` (which
 * writes the rows that must not be stored without it). False, with nothing written, when the same
 * content was recorded meanwhile.
 */
export async function recordLoadedFile(
  db: AnyDb,
  row: NewImport,
  load?: (trx: Transaction<BannersDatabase>) => Promise<void>,
): Promise<boolean> {
  try {
    await asBanners(db)
      .transaction()
      .execute(async (trx) => {
        const importId = await insertImport(trx, row);
        const inserted = await trx
          .insertInto('banners_loaded_files')
          .values({ content_hash: row.content_hash, import_id: importId })
          .onConflict((oc) => oc.column('content_hash').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new AlreadyLoaded();
        await load?.(trx);
      });
    return true;
  } catch (err) {
    if (err instanceof AlreadyLoaded) return false;
    throw err;
  }
}

class AlreadyLoaded extends Error {}

export interface ImportRow {
  id: number;
  quarter: number;
  kind: string;
  fileName: string;
  contentHash: string;
  sizeBytes: number;
  status: ImportStatus;
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  rowsRejected: number;
  warnings: number;
  rejectedExamples: { line: number; reason: string }[];
  warningExamples: { line: number; reason: string }[];
  error: string | null;
  importedAt: string;
}

export async function recentImports(db: AnyDb, limit: number): Promise<ImportRow[]> {
  const rows = await asBanners(db)
    .selectFrom('banners_imports')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    quarter: Number(r.quarter),
    kind: r.kind,
    fileName: r.file_name,
    contentHash: r.content_hash,
    sizeBytes: Number(r.size_bytes),
    status: r.status,
    rowsRead: Number(r.rows_read),
    rowsLoaded: Number(r.rows_loaded),
    rowsSkipped: Number(r.rows_skipped),
    rowsRejected: Number(r.rows_rejected),
    warnings: Number(r.warnings),
    rejectedExamples: JSON.parse(r.rejected_examples) as ImportRow['rejectedExamples'],
    warningExamples: JSON.parse(r.warning_examples) as ImportRow['warningExamples'],
    error: r.error,
    importedAt: r.imported_at,
  }));
}

// ---- loading rows --------------------------------------------------------------------------------

/** Adds impression counts per (campaign, banner) of a quarter (inside the file's transaction). */
export async function addImpressions(
  trx: Transaction<BannersDatabase>,
  quarter: Quarter,
  counts: ReadonlyMap<string, number>,
): Promise<void> {
  const rows = [...counts].map(([key, impressions]) => {
    const [campaign, banner] = key.split(':');
    return { quarter, campaign_id: Number(campaign), banner_id: Number(banner), impressions };
  });
  for (const chunk of chunks(rows)) {
    await trx
      .insertInto('banners_impressions')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .columns(['quarter', 'campaign_id', 'banner_id'])
          .doUpdateSet({ impressions: sql<number>`banners_impressions.impressions + excluded.impressions` }),
      )
      .execute();
  }
}

/** Stores click rows (quarter, click_id, banner_id, campaign_id); a click_id already stored is skipped. */
export function insertClicks(
  database: Database,
  rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>,
): Promise<BulkProgress> {
  return bulkInsert(
    database,
    {
      table: 'banners_clicks',
      columns: ['quarter', 'click_id', 'banner_id', 'campaign_id'],
      conflict: ['quarter', 'click_id'],
    },
    rows,
  );
}

/** Stores conversion rows (quarter, conversion_id, click_id, revenue_micros); a conversion_id already stored is skipped. */
export function insertConversions(
  database: Database,
  rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>,
): Promise<BulkProgress> {
  return bulkInsert(
    database,
    {
      table: 'banners_conversions',
      columns: ['quarter', 'conversion_id', 'click_id', 'revenue_micros'],
      conflict: ['quarter', 'conversion_id'],
    },
    rows,
  );
}

/**
 * Removes a quarter's dataset (impressions, clicks, conversions) and forgets the files loaded into
 * it, so they can be loaded again; its collections stay until the next rebuild swaps them.
 */
export async function clearQuarterData(db: AnyDb, quarter: Quarter): Promise<void> {
  await asBanners(db)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('banners_impressions').where('quarter', '=', quarter).execute();
      await trx.deleteFrom('banners_conversions').where('quarter', '=', quarter).execute();
      await trx.deleteFrom('banners_clicks').where('quarter', '=', quarter).execute();
      await trx
        .deleteFrom('banners_loaded_files')
        .where('import_id', 'in', (eb) =>
          eb.selectFrom('banners_imports').select('id').where('quarter', '=', quarter),
        )
        .execute();
    });
}

// ---- statistics and collections ------------------------------------------------------------------

export interface PairStats {
  campaignId: number;
  bannerId: number;
  impressions: number;
  clicks: number;
  conversions: number;
  revenueMicros: number;
}

/** Per (campaign, banner) of a quarter's dataset: impressions, clicks, conversions and revenue (exact integer sums). */
export async function quarterStats(db: AnyDb, quarter: Quarter): Promise<PairStats[]> {
  const b = asBanners(db);
  const [impressions, clicks, conversions] = await Promise.all([
    b
      .selectFrom('banners_impressions')
      .select(['campaign_id', 'banner_id', 'impressions'])
      .where('quarter', '=', quarter)
      .execute(),
    b
      .selectFrom('banners_clicks')
      .select(['campaign_id', 'banner_id', (eb) => eb.fn.countAll<number>().as('clicks')])
      .where('quarter', '=', quarter)
      .groupBy(['campaign_id', 'banner_id'])
      .execute(),
    b
      .selectFrom('banners_conversions as v')
      .innerJoin('banners_clicks as k', (j) =>
        j.onRef('k.quarter', '=', 'v.quarter').onRef('k.click_id', '=', 'v.click_id'),
      )
      .select([
        'k.campaign_id',
        'k.banner_id',
        (eb) => eb.fn.countAll<number>().as('conversions'),
        (eb) => eb.fn.sum<number>('v.revenue_micros').as('revenue_micros'),
      ])
      .where('v.quarter', '=', quarter)
      .groupBy(['k.campaign_id', 'k.banner_id'])
      .execute(),
  ]);
  const byPair = new Map<string, PairStats>();
  const at = (campaignId: number, bannerId: number) => {
    const key = pairKey(campaignId, bannerId);
    let s = byPair.get(key);
    if (!s) {
      s = { campaignId, bannerId, impressions: 0, clicks: 0, conversions: 0, revenueMicros: 0 };
      byPair.set(key, s);
    }
    return s;
  };
  for (const r of impressions)
    at(Number(r.campaign_id), Number(r.banner_id)).impressions = Number(r.impressions);
  for (const r of clicks) at(Number(r.campaign_id), Number(r.banner_id)).clicks = Number(r.clicks);
  for (const r of conversions) {
    const s = at(Number(r.campaign_id), Number(r.banner_id));
    s.conversions = Number(r.conversions);
    s.revenueMicros = Number(r.revenue_micros);
  }
  return [...byPair.values()];
}

/**
 * Replaces a quarter's collections and bumps the collections version, in one transaction: readers
 * see the old collections or the new ones, never a mix. Returns the new version. Given `build`,
 * the rows are built inside the transaction from the quarter's statistics as they are then.
 *
 * The version is bumped first: its row lock makes concurrent rebuilds (two imports finishing
 * together) take turns, so on PostgreSQL the second one neither inserts beside the first one's
 * rows (a duplicate key) nor writes collections from statistics read before the first committed.
 */
export async function replaceCollections(
  db: AnyDb,
  quarter: Quarter,
  rows: readonly CollectionTable[] | ((stats: PairStats[]) => readonly CollectionTable[]),
): Promise<number> {
  return asBanners(db)
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .updateTable('banners_state')
        .set((eb) => ({ collections_version: eb('collections_version', '+', 1) }))
        .where('id', '=', 1)
        .returning('collections_version')
        .executeTakeFirstOrThrow();
      const built = typeof rows === 'function' ? rows(await quarterStats(trx, quarter)) : rows;
      await trx.deleteFrom('banners_collections').where('quarter', '=', quarter).execute();
      for (const chunk of chunks(built)) await trx.insertInto('banners_collections').values(chunk).execute();
      return Number(row.collections_version);
    });
}

export interface CollectionRow {
  campaignId: number;
  quarter: number;
  rank: number;
  bannerId: number;
  rule: string;
  pick: string;
  revenueMicros: number;
  conversions: number;
  clicks: number;
}

const toCollectionRow = (r: CollectionTable): CollectionRow => ({
  campaignId: Number(r.campaign_id),
  quarter: Number(r.quarter),
  rank: Number(r.rank),
  bannerId: Number(r.banner_id),
  rule: r.rule,
  pick: r.pick,
  revenueMicros: Number(r.revenue_micros),
  conversions: Number(r.conversions),
  clicks: Number(r.clicks),
});

/** Every collection row (or one campaign's, or one campaign's in one quarter), by campaign, quarter and rank. */
export async function collectionRows(
  db: AnyDb,
  filter: { campaignId?: number; quarter?: Quarter } = {},
): Promise<CollectionRow[]> {
  let q = asBanners(db).selectFrom('banners_collections').selectAll();
  if (filter.campaignId !== undefined) q = q.where('campaign_id', '=', filter.campaignId);
  if (filter.quarter !== undefined) q = q.where('quarter', '=', filter.quarter);
  const rows = await q.orderBy('campaign_id').orderBy('quarter').orderBy('rank').execute();
  return rows.map(toCollectionRow);
}

/** Every campaign with a collection, and the quarters it has one in. */
export async function campaignQuarters(
  db: AnyDb,
): Promise<{ campaignId: number; quarter: number; banners: number }[]> {
  const rows = await asBanners(db)
    .selectFrom('banners_collections')
    .select(['campaign_id', 'quarter', (eb) => eb.fn.countAll<number>().as('banners')])
    .groupBy(['campaign_id', 'quarter'])
    .orderBy('campaign_id')
    .orderBy('quarter')
    .execute();
  return rows.map((r) => ({
    campaignId: Number(r.campaign_id),
    quarter: Number(r.quarter),
    banners: Number(r.banners),
  }));
}

// ---- served impressions --------------------------------------------------------------------------

/** Adds served impressions per (campaign, banner), in one transaction. */
export async function addServed(
  db: AnyDb,
  rows: readonly { campaign_id: number; banner_id: number; served: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await asBanners(db)
    .transaction()
    .execute(async (trx) => {
      for (const chunk of chunks(rows)) {
        await trx
          .insertInto('banners_served_impressions')
          .values(chunk)
          .onConflict((oc) =>
            oc
              .columns(['campaign_id', 'banner_id'])
              .doUpdateSet({ served: sql<number>`banners_served_impressions.served + excluded.served` }),
          )
          .execute();
      }
    });
}

export async function servedRows(
  db: AnyDb,
): Promise<{ campaignId: number; bannerId: number; served: number }[]> {
  const rows = await asBanners(db)
    .selectFrom('banners_served_impressions')
    .selectAll()
    .orderBy('campaign_id')
    .orderBy('banner_id')
    .execute();
  return rows.map((r) => ({
    campaignId: Number(r.campaign_id),
    bannerId: Number(r.banner_id),
    served: Number(r.served),
  }));
}

/** True when no dataset row has been imported (the demo loads then). */
export async function isEmpty(db: AnyDb): Promise<boolean> {
  const b = asBanners(db);
  const [imp, clk, imports] = await Promise.all([
    b.selectFrom('banners_impressions').select('quarter').limit(1).executeTakeFirst(),
    b.selectFrom('banners_clicks').select('quarter').limit(1).executeTakeFirst(),
    b.selectFrom('banners_imports').select('id').limit(1).executeTakeFirst(),
  ]);
  return !imp && !clk && !imports;
}
