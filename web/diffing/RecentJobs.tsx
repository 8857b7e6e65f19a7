// The latest jobs, newest first; refreshed while any of them runs.
import { formatDateTime } from '../ui/format.js';
import { Loading, Notice } from '../ui/Layout.js';
import { usePolled } from '../ui/polling.js';
import { Link } from '../ui/router.js';
import { Table, type Column } from '../ui/Table.js';
import { formatCount } from './format.js';
import { StatusBadge } from './JobPanel.js';
import { deletedHref, describeColumns, diffHref, isRunning, type JobStatus } from './types.js';

export const RECENT_LIMIT = 20;
/** How often the list is reloaded while a job in it is queued or running. */
const REFRESH_MS = 1500;

export function RecentJobs({
  selected,
  hrefFor,
  reloadKey,
  live = null,
}: {
  selected: number | null;
  /** The job the panel shows, as it last polled it; its row shows the same state and progress. */
  live?: JobStatus | null;
  /** The page URL showing job `id`. */
  hrefFor: (id: number) => string;
  /** Changing it reloads the list at once (a job was started or finished). */
  reloadKey: string;
}) {
  const view = usePolled(`/api/diffing/jobs?limit=${RECENT_LIMIT}`, {
    accept: (data): data is { jobs: JobStatus[] } =>
      data !== null && typeof data === 'object' && Array.isArray((data as { jobs?: unknown }).jobs),
    keepPolling: (data) => data.jobs.some((j) => isRunning(j.status)),
    intervalMs: REFRESH_MS,
    fallback: 'Could not load the jobs.',
    reloadKey,
  });
  const jobs = view.kind === 'ready' ? view.data.jobs : null;

  const columns: Column<JobStatus>[] = [
    {
      key: 'id',
      header: 'Job',
      cell: (j) => (
        <span className="nowrap">
          #{j.job_id}
          {j.job_id === selected && <span className="badge badge--accent job-shown">Shown</span>}
        </span>
      ),
    },
    {
      key: 'what',
      header: 'What was diffed',
      cell: (j) => (
        <span>
          <strong>{describeColumns(j)}</strong>
          <br />
          <span className="small-print">
            {j.source === 'files' ? 'Saved: ' : 'Upload: '}
            {j.old_name} → {j.new_name}
          </span>
        </span>
      ),
    },
    { key: 'status', header: 'Status', cell: (j) => <StatusBadge status={j.status} progress={j.progress} /> },
    { key: 'rows', header: 'Rows out', numeric: true, cell: (j) => formatCount(j.rows_out) },
    {
      key: 'created',
      header: 'Created',
      cell: (j) => <span className="nowrap">{formatDateTime(j.created_at)}</span>,
    },
    {
      key: 'links',
      header: 'Links',
      cell: (j) => (
        <span className="job-links">
          <Link
            href={hrefFor(j.job_id)}
            aria-label={`View job ${j.job_id}`}
            aria-current={j.job_id === selected ? 'true' : undefined}
          >
            View
          </Link>
          {j.status === 'done' && (
            <>
              <a href={diffHref(j.job_id)} download aria-label={`Download the diff of job ${j.job_id}`}>
                Diff
              </a>
              <a
                href={deletedHref(j.job_id)}
                download
                aria-label={`Download the deleted rows of job ${j.job_id}`}
              >
                Deleted
              </a>
            </>
          )}
        </span>
      ),
    },
  ];

  return (
    <section aria-labelledby="recent-heading" className="recent-jobs">
      <h2 id="recent-heading">Recent jobs</h2>
      {view.kind === 'loading' && <Loading label="Loading jobs…" />}
      {(view.kind === 'error' || view.kind === 'missing') && (
        <Notice kind="error">{view.kind === 'error' ? view.message : 'Could not load the jobs.'}</Notice>
      )}
      {jobs !== null && (
        <Table
          caption={`The last ${RECENT_LIMIT} diff jobs, newest first`}
          columns={columns}
          rows={live === null ? jobs : jobs.map((j) => (j.job_id === live.job_id ? live : j))}
          rowKey={(j) => j.job_id}
          testId="jobs-table"
          empty="No diffs yet. Start one above."
        />
      )}
    </section>
  );
}
