// What the diffing API sends back (src/systems/diffing/routes.ts).

export interface MetricFiles {
  old: string;
  new: string;
  /** Both files exist in the server's data directory. */
  available: boolean;
}

export interface Metric {
  id: string;
  aliases: string[];
  keys: string[];
  value: string;
  files: MetricFiles;
}

export type JobState = 'queued' | 'processing' | 'done' | 'failed';

export interface JobStatus {
  job_id: number;
  status: JobState;
  progress: number;
  metric: string | null;
  keys: string[];
  value: string;
  source: 'files' | 'upload';
  old_name: string;
  new_name: string;
  rows_read: { old: number | null; new: number | null } | null;
  rows_out: number | null;
  new: number | null;
  changed: number | null;
  unchanged: number | null;
  deleted: number | null;
  duplicate_keys: { old: number | null; new: number | null } | null;
  warnings: string[] | null;
  duration_ms: number | null;
  peak_memory_bytes: number | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export const isRunning = (status: JobState): boolean => status === 'queued' || status === 'processing';

export const diffHref = (id: number) => `/api/diffing/job/${id}`;
export const deletedHref = (id: number) => `/api/diffing/job/${id}/deleted`;
export const statusUrl = (id: number) => `/api/diffing/job/${id}/status`;

export const STATUS_LABELS: Record<JobState, string> = {
  queued: 'Queued',
  processing: 'Running',
  done: 'Done',
  failed: 'Failed',
};

/** What a job compares: its metric, or its key and value columns. */
export function describeColumns(job: Pick<JobStatus, 'metric' | 'keys' | 'value'>): string {
  if (job.metric !== null) return job.metric;
  return `key ${job.keys.join(', ')} · value ${job.value}`;
}

/** Clamped whole percent. */
export function percent(progress: number | null | undefined): number {
  if (typeof progress !== 'number' || !Number.isFinite(progress)) return 0;
  return Math.max(0, Math.min(100, Math.round(progress)));
}
