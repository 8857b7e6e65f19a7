// The page's URLs: everything it shows is in the query, so views can be bookmarked and reloaded.
import { withQuery } from '../ui/router.js';
import { isReportColumn } from './format.js';
import type { ReportColumn } from './types.js';

export const BASE = '/uptime';
export const PER_PAGE = 50;

export type SortDir = 'asc' | 'desc';

export interface TableQuery {
  sort: ReportColumn;
  dir: SortDir;
  q: string;
  page: number;
}

export const DEFAULT_TABLE: TableQuery = { sort: 'store_id', dir: 'asc', q: '', page: 1 };

/** Report ids are opaque strings; anything printable and short is passed to the API as is. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;

export interface PageQuery {
  report: string | null;
  store: string | null;
  /** The instant of the report the store was opened from (the store's figures are at that instant). */
  at: string | null;
  table: TableQuery;
}

export function readPageQuery(params: URLSearchParams): PageQuery {
  const report = params.get('report') ?? '';
  const store = params.get('store') ?? '';
  const sort = params.get('sort') ?? '';
  const dir = params.get('dir');
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    report: ID.test(report) ? report : null,
    store: store !== '' && store.length <= 200 ? store : null,
    at: params.get('at') || null,
    table: {
      sort: isReportColumn(sort) ? sort : DEFAULT_TABLE.sort,
      dir: dir === 'desc' || dir === 'asc' ? dir : DEFAULT_TABLE.dir,
      q: params.get('q') ?? '',
      page: Number.isFinite(page) && page > 0 ? page : 1,
    },
  };
}

function tableParams(table: TableQuery) {
  return {
    sort: table.sort === DEFAULT_TABLE.sort ? undefined : table.sort,
    dir: table.dir === DEFAULT_TABLE.dir ? undefined : table.dir,
    q: table.q,
    page: table.page > 1 ? table.page : undefined,
  };
}

/** The page showing report `id` (null: none), its table in the given order, filter and page. */
export function reportHref(id: string | null, table: TableQuery = DEFAULT_TABLE): string {
  return withQuery(BASE, { report: id, ...(id === null ? {} : tableParams(table)) });
}

/** One store's detail, opened from report `id` computed at `at`; the table's state is kept for "back". */
export function storeHref(id: string, table: TableQuery, store: string, at: string | null): string {
  return withQuery(BASE, { report: id, ...tableParams(table), store, at });
}

/** Clicking a column header: the other direction on the same column; a new column starts with the
 * figures' largest first (the worst downtime on top) and store ids in order. */
export function nextSort(table: TableQuery, column: ReportColumn): TableQuery {
  if (table.sort === column) return { ...table, dir: table.dir === 'asc' ? 'desc' : 'asc', page: 1 };
  return { ...table, sort: column, dir: column === 'store_id' ? 'asc' : 'desc', page: 1 };
}
