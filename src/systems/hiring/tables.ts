import type { Generated, Kysely } from 'kysely';

export interface ApplicantTable {
  id: Generated<number>;
  first_name: string;
  last_name: string;
  /** Lower-case. */
  email: string;
  /** E.164 for applications made here; historical imports keep the phone as written. */
  phone: string;
  /** The phone's identity for uniqueness: E.164 when it parses (extension dropped), else `raw:<digits>`. */
  phone_key: string;
  region: string | null;
  phone_type: string | null;
  /** 1/0 (SQLite) or boolean (PostgreSQL); null for historical rows that never said. */
  over_21: number | boolean | null;
  source: string | null;
  reason: string | null;
  workflow_state: string;
  /** ISO 8601 UTC instants (`2014-07-07T02:10:46.503Z`): sort and compare as text on both databases. */
  created_at: string;
  updated_at: string;
}

/** Applicants per (day applied, current state), kept in step with every applicant write. */
export interface DailyCountTable {
  /** YYYY-MM-DD (UTC) of created_at. */
  day: string;
  /** The Monday of that day's week, YYYY-MM-DD: lets the funnel group by week without date functions. */
  week: string;
  state: string;
  count: number;
}

/** A single row (id 1) whose version goes up with every change to hiring_daily_counts. */
export interface CountsVersionTable {
  id: number;
  version: number;
}

/** Attempts of one kind (`scope`) by one caller (`key`: an address or an email) in a fixed window. */
export interface AttemptTable {
  scope: string;
  key: string;
  /** ISO 8601 UTC: when the current window began. */
  window_start: string;
  attempts: number;
}

export interface HiringDatabase {
  hiring_attempts: AttemptTable;
  hiring_applicants: ApplicantTable;
  hiring_daily_counts: DailyCountTable;
  hiring_counts_version: CountsVersionTable;
}

export type HiringDb = Kysely<HiringDatabase>;
