// The latest reports, newest first; refreshed while any of them runs.
import { useEffect, useRef } from 'react';
import { formatCount, formatDateTime, formatDuration } from '../ui/format.js';
import { Loading, Notice } from '../ui/Layout.js';
import { usePolled } from '../ui/polling.js';
import { Link } from '../ui/router.js';
import { Table, type Column } from '../ui/Table.js';
import { StatusBadge } from './ReportPanel.js';
import { isRunning, type Report } from './types.js';

/** How often the list is reloaded while a report in it is queued or running. */
const REFRESH_MS = 1500;

/** A long random id, shortened for the list (the full id is in the link and its title). */
export const shortId = (id: string) => (id.length > 10 ? `${id.slice(0, 8)}…` : id);

export function RecentReports({
  selected,
  hrefFor,
  reloadKey,
  onLoaded,
}: {
  selected: string | null;
  /** The page URL showing report `id`. */
  hrefFor: (id: string) => string;
  /** Changing it reloads the list at once (a report was started or finished). */
  reloadKey: string;
  /** Called with the list each time it loads. */
  onLoaded?: (reports: readonly Report[]) => void;
}) {
  const view = usePolled('/api/uptime/reports', {
    accept: (data): data is { reports: Report[] } =>
      data !== null && typeof data === 'object' && Array.isArray((data as { reports?: unknown }).reports),
    keepPolling: (data) => data.reports.some((r) => isRunning(r.status)),
    intervalMs: REFRESH_MS,
    fallback: 'Could not load the reports.',
    reloadKey,
  });
  const reports = view.kind === 'ready' ? view.data.reports : null;
  const loaded = useRef(onLoaded);
  useEffect(() => {
    loaded.current = onLoaded;
  });
  useEffect(() => {
    if (reports !== null) loaded.current?.(reports);
  }, [reports]);

  const columns: Column<Report>[] = [
    {
      key: 'id',
      header: 'Report',
      cell: (r) => (
        <span className="nowrap">
          <code title={r.id}>{shortId(r.id)}</code>
          {r.id === selected && <span className="badge badge--accent report-shown">Shown</span>}
        </span>
      ),
    },
    { key: 'status', header: 'Status', cell: (r) => <StatusBadge status={r.status} progress={r.progress} /> },
    {
      key: 'now',
      header: 'Computed at',
      cell: (r) => <span className="nowrap">{r.now === null ? '—' : formatDateTime(r.now)}</span>,
    },
    { key: 'stores', header: 'Stores', numeric: true, cell: (r) => formatCount(r.stores) },
    { key: 'duration', header: 'Duration', numeric: true, cell: (r) => formatDuration(r.durationMs) },
    {
      key: 'created',
      header: 'Created',
      cell: (r) => <span className="nowrap">{formatDateTime(r.createdAt)}</span>,
    },
    {
      key: 'links',
      header: 'Links',
      cell: (r) => (
        <span className="report-links">
          <Link
            href={hrefFor(r.id)}
            aria-label={`View report ${r.id}`}
            aria-current={r.id === selected ? 'true' : undefined}
          >
            View
          </Link>
          {r.csvUrl !== null && (
            <a href={r.csvUrl} download aria-label={`Download the CSV of report ${r.id}`}>
              CSV
            </a>
          )}
        </span>
      ),
    },
  ];

  return (
    <section aria-labelledby="recent-heading" className="recent-reports">
      <h2 id="recent-heading">Recent reports</h2>
      {view.kind === 'loading' && <Loading label="Loading the reports…" />}
      {(view.kind === 'error' || view.kind === 'missing') && (
        <Notice kind="error">{view.kind === 'error' ? view.message : 'Could not load the reports.'}</Notice>
      )}
      {reports !== null && (
        <Table
          caption="The last 20 reports, newest first"
          columns={columns}
          rows={reports}
          rowKey={(r) => r.id}
          testId="reports-table"
          empty="No reports yet. Start one above."
        />
      )}
    </section>
  );
}
