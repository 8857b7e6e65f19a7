// The page of responses: sortable headers (aria-sort), the chosen columns, a delete button per row.
import { Button } from '../../ui/Button.js';
import { Table, type Column } from '../../ui/Table.js';
import type { ListQuery, SortKey } from '../live-table.js';
import type { SurveyResponse } from '../survey.js';
import { COLUMNS } from './columns.js';

export interface ResponsesTableProps {
  rows: readonly SurveyResponse[];
  query: ListQuery;
  shown: ReadonlySet<string>;
  onSort: (key: SortKey) => void;
  onDelete: (response: SurveyResponse) => void;
  empty: string;
}

export function ResponsesTable({ rows, query, shown, onSort, onDelete, empty }: ResponsesTableProps) {
  const columns: Column<SurveyResponse>[] = COLUMNS.filter((c) => shown.has(c.key)).map((c) => {
    const sortKey = c.sortKey;
    if (sortKey === undefined)
      return { key: c.key, header: c.label, label: c.label, numeric: c.numeric, cell: c.cell };
    const active = query.sort === sortKey;
    const sort = active ? (query.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    return {
      key: c.key,
      label: c.label,
      numeric: c.numeric,
      sort,
      cell: c.cell,
      header: (
        <button
          type="button"
          className="sort-button"
          onClick={() => onSort(sortKey)}
          data-testid={`sort-${c.key}`}
        >
          {c.label}
          <span className="sort-button__icon" aria-hidden="true">
            {active ? (query.dir === 'asc' ? '▲' : '▼') : '↕'}
          </span>
        </button>
      ),
    } satisfies Column<SurveyResponse>;
  });
  columns.push({
    key: 'actions',
    header: <span className="visually-hidden">Actions</span>,
    label: ' ',
    cell: (r) => (
      <Button
        variant="ghost"
        size="small"
        onClick={() => onDelete(r)}
        aria-label={`Delete the response of ${r.answers.name ?? r.answers.email ?? 'an anonymous respondent'}`}
      >
        Delete
      </Button>
    ),
  });
  return (
    <div className="responses-table">
      <Table
        caption="Survey responses"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        testId="responses-table"
        empty={empty}
      />
    </div>
  );
}
