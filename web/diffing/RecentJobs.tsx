// The latest jobs, newest first; refreshed while any of them runs.
import { useEffect, useState } from 'react';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { formatDateTime } from '../ui/format.js';
import { Loading, Notice } from '../ui/Layout.js';
import { Link } from '../ui/router.js';
import { Table, type Column } from '../ui/Table.js';
import { formatCount } from './format.js';
import { StatusBadge } from './JobPanel.js';
import { deletedHref, describeColumns, diffHref, isRunning, type JobStatus } from './types.js';

export const RECENT_LIMIT = 20;
/** How often the list is reloaded while a job in it is queued or running. */
const REFRESH_MS = 1500;

type Result = { kind: 'loading' } | { kind: 'ready'; jobs: JobStatus[] } | { kind: 'error'; message: string };

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
  const [result, setResult] = useState<Result>({ kind: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    api
      .get<{ jobs: JobStatus[] }>(`/api/diffing/jobs?limit=${RECENT_LIMIT}`, { signal: controller.signal })
      .then((res) => {
        let again = false;
        if (res.ok && Array.isArray(res.data?.jobs)) {
          setResult({ kind: 'ready', jobs: res.data.jobs });
          again = res.data.jobs.some((j) => isRunning(j.status));
        } else if (res.status !== 401) {
          setResult((r) =>
            r.kind === 'ready'
              ? r
              : { kind: 'error', message: errorMessage(res, 'Could not load the jobs.') },
          );
          again = res.status === 0 || res.status >= 500;
        }
        if (again) timer = window.setTimeout(() => setTick((t) => t + 1), REFRESH_MS);
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setResult({ kind: 'error', message: 'Could not load the jobs.' });
      });
    return () => {
      controller.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [tick, reloadKey]);

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
      {result.kind === 'loading' && <Loading label="Loading jobs…" />}
      {result.kind === 'error' && <Notice kind="error">{result.message}</Notice>}
      {result.kind === 'ready' && (
        <Table
          caption={`The last ${RECENT_LIMIT} diff jobs, newest first`}
          columns={columns}
          rows={live === null ? result.jobs : result.jobs.map((j) => (j.job_id === live.job_id ? live : j))}
          rowKey={(j) => j.job_id}
          testId="jobs-table"
          empty="No diffs yet. Start one above."
        />
      )}
    </section>
  );
}
