// A complete report as a table: the fleet's totals on top, a store id filter, sortable columns
// (click a header; aria-sort says the order) and pages, all kept in the URL.
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { Button } from '../ui/Button.js';
import { TextField } from '../ui/fields.js';
import { formatCount, formatPercent } from '../ui/format.js';
import { Loading, Notice } from '../ui/Layout.js';
import { Pager } from '../ui/Pager.js';
import { Link, navigate, withQuery } from '../ui/router.js';
import { useUrlSearch } from '../ui/search.js';
import { Table, type Column } from '../ui/Table.js';
import { COLUMN_INFO, COLUMNS, formatFigure, uptimeShare, WINDOWS } from './format.js';
import { nextSort, PER_PAGE, reportHref, storeHref, type TableQuery } from './links.js';
import { rowsUrl, type Report, type ReportColumn, type ReportRow, type ReportRows } from './types.js';

type Result = { kind: 'loading' } | { kind: 'ready'; data: ReportRows } | { kind: 'error'; message: string };

const ARIA_SORT = { asc: 'ascending', desc: 'descending' } as const;

function SortHeader({
  column,
  table,
  reportId,
}: {
  column: ReportColumn;
  table: TableQuery;
  reportId: string;
}) {
  const { label, unit } = COLUMN_INFO[column];
  const active = table.sort === column;
  const next = nextSort(table, column);
  return (
    <button
      type="button"
      className={`sort-button${active ? ' sort-button--active' : ''}`}
      data-testid={`sort-${column}`}
      onClick={() => navigate(reportHref(reportId, next))}
    >
      <span>
        {label}
        {unit !== '' && <span className="sort-button__unit"> ({unit})</span>}
      </span>
      <span className="sort-button__icon" aria-hidden="true">
        {active ? (table.dir === 'asc' ? '▲' : '▼') : '↕'}
      </span>
      <span className="visually-hidden">{`, sort ${next.dir === 'asc' ? 'ascending' : 'descending'}`}</span>
    </button>
  );
}

export function ReportTable({ report, table }: { report: Report; table: TableQuery }) {
  const { sort, dir, q, page } = table;
  const { search, setSearch, commit } = useUrlSearch(q, (text) =>
    reportHref(report.id, { sort, dir, q: text, page: 1 }),
  );
  const [result, setResult] = useState<Result>({ kind: 'loading' });
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const url = withQuery(rowsUrl(report.id), {
      sort,
      dir,
      q: q.trim(),
      offset: (page - 1) * PER_PAGE,
      limit: PER_PAGE,
    });
    api
      .get<ReportRows>(url, { signal: controller.signal })
      .then((res) => {
        setLoading(false);
        if (res.ok && Array.isArray(res.data?.rows)) setResult({ kind: 'ready', data: res.data });
        else if (res.status !== 401)
          setResult({ kind: 'error', message: errorMessage(res, 'Could not load the report’s rows.') });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setLoading(false);
      });
    return () => controller.abort();
  }, [report.id, sort, dir, q, page]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(reportHref(report.id, { sort, dir, q: commit(), page: 1 }));
  };

  const columns: Column<ReportRow>[] = COLUMNS.map((c) => ({
    key: c,
    header: <SortHeader column={c} table={table} reportId={report.id} />,
    label: COLUMN_INFO[c].label,
    numeric: c !== 'store_id',
    sort: sort === c ? ARIA_SORT[dir] : 'none',
    cell: (row: ReportRow) =>
      c === 'store_id' ? (
        <Link
          className="store-link"
          href={storeHref(report.id, table, row.store_id, report.now)}
          data-testid="store-link"
        >
          {row.store_id}
        </Link>
      ) : (
        formatFigure(row[c])
      ),
  }));

  const data = result.kind === 'ready' ? result.data : null;
  const filtered = q.trim() !== '';

  return (
    <section aria-labelledby="rows-heading" className="report-rows">
      <h2 id="rows-heading">Stores</h2>
      {data !== null && <FleetTotals data={data} />}
      <form className="filters" role="search" aria-label="Filter the stores" onSubmit={submit}>
        <div className="filters__grow">
          <TextField
            name="q"
            label="Store id"
            type="search"
            placeholder="Part of a store id"
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            value={search}
            onChange={setSearch}
          />
        </div>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </form>

      {result.kind === 'error' && <Notice kind="error">{result.message}</Notice>}
      {result.kind === 'loading' && <Loading label="Loading the stores…" />}
      {data !== null && (
        <div aria-busy={loading} className={loading ? 'is-loading' : undefined}>
          <Table
            caption={
              filtered
                ? `Stores whose id contains “${q.trim()}”, by ${COLUMN_INFO[sort].label.toLowerCase()} ${ARIA_SORT[dir]}`
                : `Every store of the report, by ${COLUMN_INFO[sort].label.toLowerCase()} ${ARIA_SORT[dir]}`
            }
            responsive="scroll"
            columns={columns}
            rows={data.rows}
            rowKey={(r) => r.store_id}
            testId="rows-table"
            empty={filtered ? 'No store id contains this text.' : 'The report has no stores.'}
          />
          <Pager
            page={page}
            perPage={PER_PAGE}
            total={data.total}
            hrefFor={(p) => reportHref(report.id, { ...table, page: p })}
            noun={['store', 'stores']}
          />
        </div>
      )}
    </section>
  );
}

function FleetTotals({ data }: { data: ReportRows }) {
  const { totals } = data;
  return (
    <>
      <h3 className="visually-hidden">Fleet totals</h3>
      <ul
        className="stats fleet-totals"
        aria-label="Totals of every store in the report"
        data-testid="fleet-totals"
      >
        <li>
          <span className="stat__label">Stores</span>
          <span className="stat__value" data-testid="total-stores">
            {formatCount(totals.stores)}
          </span>
          <span className="stat__note">with at least one poll</span>
        </li>
        {WINDOWS.map((w) => (
          <li key={w.key}>
            <span className="stat__label">{w.label}: uptime</span>
            <span className="stat__value" data-testid={`total-share-${w.key}`}>
              {formatPercent(uptimeShare(totals, w.key))}
            </span>
            <span className="stat__note">
              up {formatFigure(totals[`uptime_last_${w.key}`])} {w.unit} · down{' '}
              {formatFigure(totals[`downtime_last_${w.key}`])} {w.unit}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
