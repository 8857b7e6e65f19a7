// One report: live progress while it runs (polling every POLL_MS), then its timings, stores and
// polls read and the CSV download, or its error.
import type { Ref } from 'react';
import { formatCount, formatDateTime, formatDuration } from '../ui/format.js';
import { Loading, Notice } from '../ui/Layout.js';
import { usePolled, type Polled } from '../ui/polling.js';
import { percent, ProgressBar } from '../ui/ProgressBar.js';
import { isRunning, reportUrl, STATUS_LABELS, type Report, type ReportState } from './types.js';

/** How often a queued or running report is polled. */
export const POLL_MS = 500;

export type ReportView = Polled<Report>;

export const isReport = (data: unknown): data is Report =>
  data !== null &&
  typeof data === 'object' &&
  typeof (data as { id?: unknown }).id === 'string' &&
  typeof (data as { status?: unknown }).status === 'string';

/** Polls a report every POLL_MS while it is queued or running; stops when it ends or on unmount. */
export function useReport(id: string): ReportView {
  return usePolled(reportUrl(id), {
    accept: isReport,
    keepPolling: (report) => isRunning(report.status),
    intervalMs: POLL_MS,
    fallback: 'Could not load the report.',
  });
}

export function StatusBadge({ status, progress }: { status: ReportState; progress?: number }) {
  const kind =
    status === 'complete' ? 'badge--accent' : status === 'failed' ? 'badge--danger' : 'badge--muted';
  return (
    <span className={`badge ${kind}`} data-status={status} data-testid="report-status">
      {STATUS_LABELS[status]}
      {status === 'running' && progress !== undefined ? ` · ${percent(progress)} %` : ''}
    </span>
  );
}

export function ReportPanel({
  view,
  id,
  headingRef,
  onClose,
}: {
  view: ReportView;
  id: string;
  headingRef?: Ref<HTMLHeadingElement>;
  onClose?: () => void;
}) {
  const report = view.kind === 'ready' ? view.data : null;
  return (
    <section className="card report-panel" aria-labelledby="report-heading" data-testid="report-panel">
      <div className="card__header">
        <h2 id="report-heading" ref={headingRef} tabIndex={-1}>
          Report <code className="report-id">{id}</code>
        </h2>
        {report !== null && <StatusBadge status={report.status} progress={report.progress} />}
      </div>
      {view.kind === 'loading' && <Loading label="Loading the report…" />}
      {view.kind === 'missing' && (
        <Notice kind="error">There is no report {id}: it may have been removed after its retention.</Notice>
      )}
      {view.kind === 'error' && <Notice kind="error">{view.message}</Notice>}
      {view.kind === 'ready' && view.stale && (
        <p className="notice" role="status">
          Lost contact with the server, trying again…
        </p>
      )}
      {report !== null && <ReportBody report={report} />}
      {onClose !== undefined && (
        <p className="report-panel__close">
          <button type="button" className="btn btn--ghost btn--small" onClick={onClose}>
            Hide this report
          </button>
        </p>
      )}
    </section>
  );
}

/** Announces the report's state to screen readers when it changes (not on every percent). */
function Announcement({ report }: { report: Report }) {
  const text =
    report.status === 'complete'
      ? 'The report is complete.'
      : report.status === 'failed'
        ? 'The report failed.'
        : report.status === 'running'
          ? 'The report is running.'
          : 'The report is waiting for a worker.';
  return (
    <p className="visually-hidden" role="status" data-testid="report-announcement">
      {text}
    </p>
  );
}

function ReportBody({ report }: { report: Report }) {
  const instant = (
    <p className="report-now">
      Computed at{' '}
      <strong data-testid="report-now">
        {report.now === null ? 'the latest poll in the database' : formatDateTime(report.now)}
      </strong>
      {report.now !== null && <span className="small-print"> ({report.now})</span>}
    </p>
  );

  if (isRunning(report.status)) {
    return (
      <div data-testid="report-running">
        <Announcement report={report} />
        {instant}
        <ProgressBar
          value={report.status === 'queued' ? 0 : report.progress}
          label="Report progress"
          testId="report-progress"
        />
        <p className="small-print">
          {report.status === 'queued'
            ? 'Waiting for a worker to pick the report up…'
            : `Reading the polls and working out each store’s business hours… started ${formatDateTime(report.startedAt)}.`}{' '}
          You can leave this page: the report keeps running and stays in the list below.
        </p>
      </div>
    );
  }

  if (report.status === 'failed') {
    return (
      <div data-testid="report-failed">
        <Announcement report={report} />
        {instant}
        <div className="notice notice--error" role="alert" data-testid="report-error">
          <p>
            <strong>The report failed.</strong>
          </p>
          <p className="report-error">{report.error ?? 'No reason was given.'}</p>
        </div>
        <p className="small-print">Finished {formatDateTime(report.finishedAt)}.</p>
      </div>
    );
  }

  const stats: [label: string, value: string, testId: string][] = [
    ['Stores', formatCount(report.stores), 'stores'],
    ['Polls read', formatCount(report.pollsRead), 'polls'],
    ['Duration', formatDuration(report.durationMs), 'duration'],
  ];
  return (
    <div data-testid="report-complete">
      <Announcement report={report} />
      {instant}
      <ProgressBar value={100} label="Report progress" testId="report-progress" />
      <ul className="stats report-stats" aria-label="About this report">
        {stats.map(([label, value, id]) => (
          <li key={id}>
            <span className="stat__label">{label}</span>
            <span className="stat__value" data-testid={`report-${id}`}>
              {value}
            </span>
          </li>
        ))}
      </ul>
      <p className="small-print report-times">
        Created {formatDateTime(report.createdAt)} · started {formatDateTime(report.startedAt)} · finished{' '}
        {formatDateTime(report.finishedAt)}
      </p>
      {report.csvUrl !== null && (
        <div className="btn-row">
          <a className="btn btn--primary" href={report.csvUrl} download data-testid="report-csv">
            Download the CSV
          </a>
        </div>
      )}
    </div>
  );
}
