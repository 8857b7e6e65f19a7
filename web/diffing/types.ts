// What the diffing API sends back (src/systems/diffing/routes.ts), and helpers for showing it.

// The server's own types (type-only: nothing of the server is bundled).
export type { DiffJobView as JobStatus, MetricView as Metric } from '../../src/systems/diffing/service.js';
export type { DiffJobStatus as JobState } from '../../src/systems/diffing/tables.js';
export type { ChangedPreviewRow, PreviewAnswer } from '../../src/systems/diffing/preview.js';
import type { DiffJobView as JobStatus } from '../../src/systems/diffing/service.js';
import type { DiffJobStatus as JobState } from '../../src/systems/diffing/tables.js';

export const isRunning = (status: JobState): boolean => status === 'queued' || status === 'processing';

export const diffHref = (id: number) => `/api/diffing/job/${id}`;
export const deletedHref = (id: number) => `/api/diffing/job/${id}/deleted`;
export const statusUrl = (id: number) => `/api/diffing/job/${id}/status`;
export const previewUrl = (id: number, limit: number) => `/api/diffing/job/${id}/preview?limit=${limit}`;

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

export { percent } from '../ui/ProgressBar.js';
