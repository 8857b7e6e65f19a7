import type { Kysely } from 'kysely';

export interface ResponseTable {
  /** A random UUID: it is also the respondent's credential (cookie, X-Survey-Respondent). */
  id: string;
  name: string | null;
  /** As typed (trimmed). */
  email: string | null;
  /** lower(email) once completed, else null; unique. */
  completed_email: string | null;
  age: number | null;
  about: string | null;
  address: string | null;
  gender: string | null;
  book: string | null;
  /** Bit i = COLOURS[i]. */
  colours: number;
  step: number;
  /** 1 or 0. */
  completed: number;
  /** ISO 8601 UTC. */
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** The summary's sums: one row (id 1), changed in the transaction of every response write. */
export interface SummaryTable {
  id: number;
  completed: number;
  in_progress: number;
  age_sum: number;
  age_count: number;
  gender_female: number;
  gender_male: number;
  gender_non_binary: number;
  gender_undisclosed: number;
  colour_red: number;
  colour_orange: number;
  colour_yellow: number;
  colour_green: number;
  colour_blue: number;
  colour_indigo: number;
  colour_violet: number;
  colour_black: number;
  colour_white: number;
  updated_at: string | null;
  last_event_id: number;
}

/** The replay buffer: the last events (bounded), for dashboards that reconnect. */
export interface EventTable {
  id: number;
  /** 'response' or 'deleted'. */
  kind: string;
  /** JSON: the response, or {"id"} of a deleted one. */
  payload: string;
  /** JSON: the summary after the change. */
  summary: string;
  created_at: string;
}

export interface SurveysDatabase {
  surveys_responses: ResponseTable;
  surveys_summary: SummaryTable;
  surveys_events: EventTable;
}

export type SurveysDb = Kysely<SurveysDatabase>;
