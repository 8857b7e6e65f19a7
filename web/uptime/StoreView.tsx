// One store: its timezone and weekly hours, its six figures at the report's instant, and its last
// week as a timeline.
import { useEffect, useState } from 'react';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { formatDateTime, formatPercent } from '../ui/format.js';
import { Loading, Notice } from '../ui/Layout.js';
import { Link, withQuery } from '../ui/router.js';
import { Table, type Column } from '../ui/Table.js';
import { formatFigure, formatSpan, uptimeShare, weeklyHours, WINDOWS, type DayHours } from './format.js';
import { TimelineChart } from './TimelineChart.js';
import { storeUrl, type StoreDetail } from './types.js';
import { formatLocal, knownZone, zoneName } from './zoned-time.js';

type Result =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'ready'; detail: StoreDetail }
  | { kind: 'error'; message: string };

export function useStoreDetail(storeId: string, at: string | null): Result {
  const [result, setResult] = useState<Result>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setResult({ kind: 'loading' });
    api
      .get<StoreDetail>(withQuery(storeUrl(storeId), { now: at }), { signal: controller.signal })
      .then((res) => {
        if (res.ok && typeof res.data?.store_id === 'string') setResult({ kind: 'ready', detail: res.data });
        else if (res.status === 404) setResult({ kind: 'missing' });
        else if (res.status !== 401)
          setResult({ kind: 'error', message: errorMessage(res, 'Could not load the store.') });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setResult({ kind: 'error', message: 'Could not load the store.' });
      });
    return () => controller.abort();
  }, [storeId, at]);
  return result;
}

export function StoreView({
  storeId,
  at,
  backHref,
}: {
  storeId: string;
  at: string | null;
  backHref: string;
}) {
  const result = useStoreDetail(storeId, at);
  return (
    <div className="store-view" data-testid="store-view">
      <p>
        <Link className="back-link" href={backHref} data-testid="back-to-report">
          <span aria-hidden="true">← </span>Back to the report
        </Link>
      </p>
      {result.kind === 'loading' && <Loading label="Loading the store…" />}
      {result.kind === 'missing' && <Notice kind="error">There is no store with this id.</Notice>}
      {result.kind === 'error' && <Notice kind="error">{result.message}</Notice>}
      {result.kind === 'ready' && <StoreBody detail={result.detail} />}
    </div>
  );
}

interface FigureRow {
  kind: 'Uptime' | 'Downtime';
}

function StoreBody({ detail }: { detail: StoreDetail }) {
  // A zone this browser does not know is drawn in UTC (and said so) rather than failing the page.
  const zone = knownZone(detail.timezone) ? detail.timezone : 'UTC';
  const now = Date.parse(detail.now);
  const days = weeklyHours(detail.hours);

  const figureColumns: Column<FigureRow>[] = [
    { key: 'kind', header: '', label: '', cell: (r) => <strong>{r.kind}</strong> },
    ...WINDOWS.map((w): Column<FigureRow> => ({
      key: w.key,
      header: `${w.label} (${w.unit})`,
      numeric: true,
      cell: (r) => (
        <span data-testid={`figure-${r.kind.toLowerCase()}-${w.key}`}>
          {formatFigure(detail.figures[`${r.kind === 'Uptime' ? 'uptime' : 'downtime'}_last_${w.key}`])}
        </span>
      ),
    })),
  ];
  const hourColumns: Column<DayHours>[] = [
    { key: 'day', header: 'Day', cell: (d) => <span className="nowrap">{d.day}</span> },
    {
      key: 'hours',
      header: 'Open (local time)',
      cell: (d) =>
        d.intervals.length === 0 ? (
          <span className="muted">Closed</span>
        ) : (
          <span className="hours-list">
            {d.intervals.map((text) => (
              <span key={text} className="nowrap">
                {text}
              </span>
            ))}
          </span>
        ),
    },
  ];

  return (
    <>
      <ul className="chips store-facts">
        <li className="chip" data-testid="store-timezone">
          Time zone: <strong>{detail.timezone}</strong> ({zoneName(now, zone)})
          {detail.timezoneDefaulted && ' · none on file, the default'}
        </li>
        <li className="chip">
          Figures at <strong>{formatLocal(now, zone, 'full')}</strong> local ({formatDateTime(detail.now)}{' '}
          here)
        </li>
      </ul>
      {zone !== detail.timezone && (
        <Notice kind="error">
          This browser does not know the time zone {detail.timezone}: times are shown in UTC.
        </Notice>
      )}

      <div className="store-grid">
        <section aria-labelledby="figures-heading">
          <h2 id="figures-heading">Uptime and downtime in business hours</h2>
          <Table
            caption={`Uptime and downtime of store ${detail.store_id} in its business hours`}
            responsive="scroll"
            columns={figureColumns}
            rows={[{ kind: 'Uptime' }, { kind: 'Downtime' }]}
            rowKey={(r) => r.kind}
            testId="store-figures"
            footer={
              <tfoot>
                <tr>
                  <th scope="row">Up share</th>
                  {WINDOWS.map((w) => (
                    <td key={w.key} className="num">
                      {formatPercent(uptimeShare(detail.figures, w.key))}
                    </td>
                  ))}
                </tr>
              </tfoot>
            }
          />
        </section>
        <section aria-labelledby="hours-heading">
          <h2 id="hours-heading">Business hours</h2>
          {days === null ? (
            <p className="open-always" data-testid="store-hours">
              <strong>Open 24×7</strong>: no business hours on file, so every hour counts.
            </p>
          ) : (
            <Table
              caption={`Business hours of store ${detail.store_id}, local time (${detail.timezone})`}
              responsive="scroll"
              columns={hourColumns}
              rows={days}
              rowKey={(d) => d.dayOfWeek}
              testId="store-hours"
            />
          )}
        </section>
      </div>

      <TimelineChart detail={detail} timeZone={zone} />
      <PeriodList detail={detail} timeZone={zone} />
    </>
  );
}

interface PeriodRow {
  start: number;
  end: number;
  status: 'up' | 'down';
}

/** The chart's periods as a table (for keyboard and screen-reader users, and for exact times). */
function PeriodList({ detail, timeZone }: { detail: StoreDetail; timeZone: string }) {
  const rows: PeriodRow[] = detail.timeline.periods.map((p) => ({
    start: Date.parse(p.start),
    end: Date.parse(p.end),
    status: p.status,
  }));
  const down = rows.filter((r) => r.status === 'down').length;
  const columns: Column<PeriodRow>[] = [
    {
      key: 'status',
      header: 'Status',
      cell: (r) => (
        <span className={`badge ${r.status === 'up' ? 'badge--accent' : 'badge--danger'}`}>
          {r.status === 'up' ? 'Up' : 'Down'}
        </span>
      ),
    },
    { key: 'from', header: 'From', cell: (r) => formatLocal(r.start, timeZone, 'full') },
    { key: 'to', header: 'To', cell: (r) => formatLocal(r.end, timeZone, 'full') },
    { key: 'length', header: 'Length', numeric: true, cell: (r) => formatSpan(r.end - r.start) },
  ];
  return (
    <details className="periods">
      <summary>
        Up and down periods of the week ({rows.length}, {down} down)
      </summary>
      <Table
        caption={`Interpolated up and down periods in business hours, local time (${timeZone})`}
        columns={columns}
        rows={rows}
        rowKey={(r) => `${r.start}-${r.status}`}
        empty="No business hours in the week."
      />
    </details>
  );
}
