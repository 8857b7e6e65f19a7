import type { Generated, Kysely } from 'kysely';

export type DiffJobStatus = 'queued' | 'processing' | 'done' | 'failed';

/** One diff job: what to diff, where it stands, and its figures once done. */
export interface DiffJobTable {
  id: Generated<number>;
  /** Canonical metric id, or null when keys/value were given by hand. */
  metric: string | null;
  /** JSON array of key column names. */
  keys: string;
  value_column: string;
  source: 'files' | 'upload';
  /** Absolute path (source 'files') or artifact key (source 'upload'). */
  old_input: string;
  new_input: string;
  /** Display names of the inputs. */
  old_name: string;
  new_name: string;
  status: DiffJobStatus;
  progress: number;
  attempts: number;
  error: string | null;
  rows_old: number | null;
  rows_new: number | null;
  rows_out: number | null;
  added: number | null;
  changed: number | null;
  unchanged: number | null;
  deleted: number | null;
  duplicate_keys_old: number | null;
  duplicate_keys_new: number | null;
  /** JSON array of strings. */
  warnings: string;
  partitions: number | null;
  duration_ms: number | null;
  peak_memory_bytes: number | null;
  /**
   * Who may read an uploaded job: `session:<hash>` or `token:<hash>`; null for a job on the data
   * directory's files, which anyone may read (the seed's API).
   */
  owner: string | null;
  /** The client that created the job (an API token's label or an address), for its rate limit. */
  client: Generated<string>;
  /** ISO 8601 UTC. */
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface DiffingDatabase {
  diffing_jobs: DiffJobTable;
}

export type DiffingDb = Kysely<DiffingDatabase>;
