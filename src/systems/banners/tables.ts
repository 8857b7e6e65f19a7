import type { Generated, Kysely } from 'kysely';

/** A quarter of the hour, and the dataset that holds its statistics: 1 (minutes 0–14) … 4 (45–59). */
export type Quarter = 1 | 2 | 3 | 4;

/** Impressions per quarter, campaign and banner. Impression rows have no id: repeats are real, so they are counted. */
export interface ImpressionTable {
  quarter: number;
  campaign_id: number;
  banner_id: number;
  impressions: number;
}

/** One click; click_id is unique within its quarter's dataset. */
export interface ClickTable {
  quarter: number;
  click_id: number;
  banner_id: number;
  campaign_id: number;
}

/** One conversion of a click of the same quarter; revenue in integer micro-units (1 = 0.000001), so sums are exact. */
export interface ConversionTable {
  quarter: number;
  conversion_id: number;
  click_id: number;
  revenue_micros: number;
}

export type ImportStatus = 'loaded' | 'duplicate' | 'failed';
export type DatasetKind = 'impressions' | 'clicks' | 'conversions';

/** Every file an import was given, loaded or not, with its figures (the admin page lists them). */
export interface ImportTable {
  id: Generated<number>;
  quarter: number;
  kind: string;
  file_name: string;
  /** SHA-256 of the file's bytes, hex. */
  content_hash: string;
  size_bytes: number;
  status: ImportStatus;
  rows_read: number;
  rows_loaded: number;
  /** Rows whose click_id / conversion_id was already imported (or repeated in the file). */
  rows_skipped: number;
  rows_rejected: number;
  warnings: number;
  /** JSON: the first rejected rows, [{line, reason}]. */
  rejected_examples: string;
  /** JSON: the first warnings, [{line, reason}]. */
  warning_examples: string;
  /** Why the whole file was refused (status failed or duplicate). */
  error: string | null;
  /** ISO 8601 UTC. */
  imported_at: string;
}

/** The content of every file loaded, so the same file is never loaded twice. */
export interface LoadedFileTable {
  content_hash: string;
  import_id: number;
}

/** The computed collections: each campaign's best banners per quarter, in rank order (0 first). */
export interface CollectionTable {
  campaign_id: number;
  quarter: number;
  rank: number;
  banner_id: number;
  /** The rule the campaign's statistics selected (selection.ts). */
  rule: string;
  /** Why this banner is in: revenue, clicks or random. */
  pick: string;
  revenue_micros: number;
  conversions: number;
  clicks: number;
}

/** One row (id 1): the collections version, bumped in the same transaction as every rebuild. */
export interface StateTable {
  id: number;
  collections_version: number;
}

/** Impressions served per banner since the start, added to in batches by the serving side. */
export interface ServedImpressionTable {
  campaign_id: number;
  banner_id: number;
  served: number;
}

export interface BannersDatabase {
  banners_impressions: ImpressionTable;
  banners_clicks: ClickTable;
  banners_conversions: ConversionTable;
  banners_imports: ImportTable;
  banners_loaded_files: LoadedFileTable;
  banners_collections: CollectionTable;
  banners_state: StateTable;
  banners_served_impressions: ServedImpressionTable;
}

export type BannersDb = Kysely<BannersDatabase>;
