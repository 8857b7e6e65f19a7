import type { Generated, Kysely } from 'kysely';

/**
 * A store, by its id in the exports (opaque text), with the integer key the other tables use: a
 * text UUID inside the poll key made bulk loads 5x slower (measured), and an integer is 8 bytes.
 */
export interface StoreTable {
  id: Generated<number>;
  store_id: string;
}

/** One poll; the primary key (store_key, ts_ms) keeps a store's polls together in time order. */
export interface PollTable {
  store_key: number;
  /** epoch ms, UTC */
  ts_ms: number;
  /** 1 active, 0 inactive */
  active: number;
}

/** One weekly business interval of a store (local time). */
export interface HoursTable {
  store_key: number;
  /** 0 = Monday .. 6 = Sunday */
  weekday: number;
  /** seconds after local midnight */
  start_s: number;
  /** seconds after local midnight (86,400 = 24:00:00); at or before start_s: the next day */
  end_s: number;
}

export interface TimezoneTable {
  store_key: number;
  /** IANA zone, canonical spelling */
  timezone: string;
}

export type ReportStatus = 'queued' | 'running' | 'complete' | 'failed';

export interface ReportTable {
  /** random 32 hex digits: the seed's report_id */
  id: string;
  status: ReportStatus;
  progress: number;
  /** the instant asked for (epoch ms), or null: the latest poll */
  requested_now_ms: number | null;
  /** the instant the report was computed at (epoch ms), once known */
  now_ms: number | null;
  attempts: number;
  stores: number | null;
  polls_read: number | null;
  duration_ms: number | null;
  error: string | null;
  /** ISO 8601 UTC */
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface UptimeDatabase {
  uptime_stores: StoreTable;
  uptime_polls: PollTable;
  uptime_hours: HoursTable;
  uptime_timezones: TimezoneTable;
  uptime_reports: ReportTable;
}

export type UptimeDb = Kysely<UptimeDatabase>;
