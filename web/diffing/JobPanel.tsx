// One job: live progress while it runs (polling /status), then its numbers and downloads, or its error.
import { useEffect, useRef, type Ref } from 'react';
import { formatDateTime } from '../ui/format.js';
import { Loading, Notice } from '../ui/Layout.js';
import { usePolled, type Polled } from '../ui/polling.js';
import { countOf, formatCount, formatDuration, formatMegabytes } from './format.js';
import { ProgressBar } from '../ui/ProgressBar.js';
import { DiffPreview } from './DiffPreview.js';
import {
  deletedHref,
  describeColumns,
  diffHref,
  isRunning,
  percent,
  STATUS_LABELS,
  statusUrl,
  type JobState,
  type JobStatus,
} from './types.js';

/** How often a running job is polled. */
export const POLL_MS = 500;

const isJob = (data: unknown): data is JobStatus =>
  data !== null && typeof data === 'object' && typeof (data as { status?: unknown }).status === 'string';

/** Polls a job's status every POLL_MS while it is queued or processing; stops when it ends or on unmount. */
export function useJobStatus(jobId: number): Polled<JobStatus> {
  return usePolled(statusUrl(jobId), {
    accept: isJob,
    keepPolling: (job) => isRunning(job.status),
    intervalMs: POLL_MS,
    fallback: 'Could not load the job.',
  });
}

export function StatusBadge({ status, progress }: { status: JobState; progress?: number }) {
  const kind = status === 'done' ? 'badge--accent' : status === 'failed' ? 'badge--danger' : 'badge--muted';
  const running = isRunning(status) && progress !== undefined;
  return (
    <span className={`badge ${kind}`} data-status={status}>
      {STATUS_LABELS[status]}
      {running && status === 'processing' ? ` · ${percent(progress)} %` : ''}
    </span>
  );
}

export function JobPanel({
  jobId,
  onStatus,
  onClose,
  headingRef,
}: {
  jobId: number;
  /** Called when the job's state or percentage changes. */
  onStatus?: (job: JobStatus) => void;
  onClose?: () => void;
  headingRef?: Ref<HTMLHeadingElement>;
}) {
  const view = useJobStatus(jobId);
  const job = view.kind === 'ready' ? view.data : null;
  const state = job?.status;
  const pct = job?.progress;

  const latest = useRef({ job, onStatus });
  useEffect(() => {
    latest.current = { job, onStatus };
  });
  // Tell the page when the job moves on (the recent-jobs list refreshes then), not on every poll.
  useEffect(() => {
    const { job: current, onStatus: notify } = latest.current;
    if (current !== null) notify?.(current);
  }, [state, pct]);

  return (
    <section className="card job-panel" aria-labelledby="job-heading" data-testid="job-panel">
      <div className="card__header">
        <h2 id="job-heading" ref={headingRef} tabIndex={-1}>
          Job {jobId}
        </h2>
        {job !== null && <StatusBadge status={job.status} progress={job.progress} />}
      </div>
      {view.kind === 'loading' && <Loading label="Loading the job…" />}
      {view.kind === 'missing' && <Notice kind="error">There is no job {jobId}.</Notice>}
      {view.kind === 'error' && <Notice kind="error">{view.message}</Notice>}
      {job !== null && (
        <>
          <p className="job-what">
            <strong>{describeColumns(job)}</strong>
            <br />
            <span className="small-print">
              {job.source === 'files' ? 'Saved exports' : 'Uploaded files'}: <code>{job.old_name}</code> →{' '}
              <code>{job.new_name}</code>
            </span>
          </p>
          {view.kind === 'ready' && view.stale && (
            <p className="notice" role="status">
              Lost contact with the server, trying again…
            </p>
          )}
          <JobBody job={job} />
        </>
      )}
      {onClose !== undefined && (
        <p className="job-panel__close">
          <button type="button" className="btn btn--ghost btn--small" onClick={onClose}>
            Hide this job
          </button>
        </p>
      )}
    </section>
  );
}

function JobBody({ job }: { job: JobStatus }) {
  const announce = (
    <p className="visually-hidden" role="status" data-testid="job-announcement">
      {job.status === 'done'
        ? `Job ${job.job_id} is done.`
        : job.status === 'failed'
          ? `Job ${job.job_id} failed.`
          : job.status === 'processing'
            ? `Job ${job.job_id} is running.`
            : `Job ${job.job_id} is waiting for a worker.`}
    </p>
  );

  if (isRunning(job.status)) {
    return (
      <div data-testid="job-running">
        {announce}
        <ProgressBar
          value={job.status === 'queued' ? 0 : job.progress}
          label={`Progress of job ${job.job_id}`}
        />
        <p className="small-print">
          {job.status === 'queued'
            ? 'Waiting for a worker to pick the job up…'
            : `Comparing the files… started ${formatDateTime(job.started_at)}.`}{' '}
          You can leave this page: the job keeps running and stays in the list below.
        </p>
      </div>
    );
  }

  if (job.status === 'failed') {
    return (
      <div data-testid="job-failed">
        {announce}
        <div className="notice notice--error" role="alert" data-testid="job-error">
          <p>
            <strong>The diff failed.</strong>
          </p>
          <p className="job-error">{job.error ?? 'No reason was given.'}</p>
        </div>
        <p className="small-print">Finished {formatDateTime(job.finished_at)}.</p>
      </div>
    );
  }

  const warnings = job.warnings ?? [];
  const stats: [label: string, value: string, testId: string][] = [
    ['Rows in old file', formatCount(job.rows_read?.old), 'rows-old'],
    ['Rows in new file', formatCount(job.rows_read?.new), 'rows-new'],
    ['New rows', formatCount(job.new), 'new'],
    ['Changed rows', formatCount(job.changed), 'changed'],
    ['Unchanged rows', formatCount(job.unchanged), 'unchanged'],
    ['Deleted rows', formatCount(job.deleted), 'deleted'],
    ['Rows in the diff', formatCount(job.rows_out), 'rows-out'],
    [
      'Duplicate keys (old / new)',
      `${formatCount(job.duplicate_keys?.old)} / ${formatCount(job.duplicate_keys?.new)}`,
      'duplicates',
    ],
    ['Duration', formatDuration(job.duration_ms), 'duration'],
    ['Peak memory of the process that ran it', formatMegabytes(job.peak_memory_bytes), 'memory'],
  ];

  return (
    <div data-testid="job-done">
      {announce}
      <ProgressBar value={100} label={`Progress of job ${job.job_id}`} />
      <h3 className="visually-hidden">Results</h3>
      <ul className="stats job-stats" aria-label="Results">
        {stats.map(([label, value, id]) => (
          <li key={id}>
            <span className="stat__label">{label}</span>
            <span className="stat__value" data-testid={`stat-${id}`}>
              {value}
            </span>
          </li>
        ))}
      </ul>
      <h3>Warnings</h3>
      {warnings.length === 0 ? (
        <p data-testid="warnings">None.</p>
      ) : (
        <ul className="warnings" data-testid="warnings">
          {warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      <div className="btn-row">
        <a className="btn btn--primary" href={diffHref(job.job_id)} download>
          Download diff
        </a>
        <a className="btn btn--secondary" href={deletedHref(job.job_id)} download>
          Download deleted rows
        </a>
      </div>
      <p className="small-print" data-testid="result-files">
        The diff has the new file’s header and the {countOf(job.rows_out, 'new or changed row')}; the deleted
        rows file has the old file’s header and the {countOf(job.deleted, 'row')} that{' '}
        {job.deleted === 1 ? 'is' : 'are'} only in the old file. Finished {formatDateTime(job.finished_at)}.
      </p>
      <DiffPreview jobId={job.job_id} />
    </div>
  );
}
