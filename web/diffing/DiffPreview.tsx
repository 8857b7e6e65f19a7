// A finished job's preview: its first new rows, its first changed rows with the old value beside the
// new one, and its first deleted rows, in the key and value columns (GET /api/diffing/job/:id/preview).
import type { ReactNode } from 'react';
import { Loading, Notice } from '../ui/Layout.js';
import { usePolled } from '../ui/polling.js';
import { Table } from '../ui/Table.js';
import { countOf, formatCount, previewCount } from './format.js';
import { previewUrl, type ChangedPreviewRow, type PreviewAnswer } from './types.js';

/** Rows of each kind the page shows. */
export const PREVIEW_ROWS = 20;

const isPreview = (data: unknown): data is PreviewAnswer =>
  data !== null &&
  typeof data === 'object' &&
  Array.isArray((data as { columns?: unknown }).columns) &&
  typeof (data as { new?: unknown }).new === 'object';

type Cells = readonly ReactNode[];

/** A changed value: the old one struck out, then the new one (read out as "old changed to new"). */
function OldNew({ was, now }: { was: string; now: string }) {
  return (
    <span className="old-new">
      <del className="old-value">{was}</del>
      <span aria-hidden="true"> →{'\u00a0'}</span>
      <span className="visually-hidden"> changed to </span>
      <ins className="new-value">{now}</ins>
    </span>
  );
}

interface Part {
  kind: 'new' | 'changed' | 'deleted';
  title: string;
  total: number;
  rows: Cells[];
  /** The value column's heading. */
  valueHeader: string;
}

function PreviewTable({
  part,
  columns,
  searched,
}: {
  part: Part;
  columns: readonly string[];
  /** Rows of the diff the preview looked through, when fewer than all of them. */
  searched: number | undefined;
}) {
  const { kind, title, total, rows } = part;
  const last = columns.length - 1;
  const short = kind !== 'deleted' && searched !== undefined && rows.length < Math.min(PREVIEW_ROWS, total);
  const testId = `preview-${kind}`;
  return (
    <div className="preview-part" data-testid={testId}>
      <h4>{title}</h4>
      <p className="small-print" data-testid={`${testId}-count`}>
        {previewCount(rows.length, total, `${kind} row`)}
        {short && ` The preview looks only at the diff’s first ${formatCount(searched)} rows.`}
      </p>
      {rows.length > 0 && (
        <Table<Cells>
          caption={`${title}: the first ${countOf(rows.length, 'row')}`}
          columns={columns.map((name, i) => ({
            key: `${i}`,
            header: i === last ? part.valueHeader : name,
            numeric: i === last,
            cell: (row) => row[i] ?? '',
          }))}
          rows={rows}
          rowKey={(row) => rows.indexOf(row)}
          responsive="scroll"
        />
      )}
    </div>
  );
}

export function DiffPreview({ jobId }: { jobId: number }) {
  const view = usePolled(previewUrl(jobId, PREVIEW_ROWS), {
    accept: isPreview,
    keepPolling: () => false,
    intervalMs: 0,
    fallback: 'Could not load the preview.',
  });

  let body;
  if (view.kind === 'loading') body = <Loading label="Loading the preview…" />;
  else if (view.kind === 'missing')
    body = (
      <Notice kind="info">
        This job has no preview (it finished before previews were kept, or its preview could not be made).
        Download the diff to see its rows.
      </Notice>
    );
  else if (view.kind === 'error') body = <Notice kind="error">{view.message}</Notice>;
  else {
    const { columns, searched, new: added, changed, deleted } = view.data;
    const value = columns[columns.length - 1] ?? 'value';
    const parts: Part[] = [
      { kind: 'new', title: 'New rows', total: added.total, rows: added.rows, valueHeader: value },
      {
        kind: 'changed',
        title: 'Changed rows',
        total: changed.total,
        rows: changed.rows.map((row: ChangedPreviewRow) => [
          ...row.values.slice(0, -1),
          <OldNew key="value" was={row.old_value} now={row.values[row.values.length - 1] ?? ''} />,
        ]),
        valueHeader: `${value}: old → new`,
      },
      {
        kind: 'deleted',
        title: 'Deleted rows',
        total: deleted.total,
        rows: deleted.rows,
        valueHeader: value,
      },
    ];
    // Fewer diff rows looked through than the diff has: a rare kind may show fewer rows than it could.
    const partial = searched < added.total + changed.total ? searched : undefined;
    body = parts.map((part) => (
      <PreviewTable key={part.kind} part={part} columns={columns} searched={partial} />
    ));
  }

  return (
    <section className="diff-preview" aria-labelledby={`preview-heading-${jobId}`} data-testid="preview">
      <h3 id={`preview-heading-${jobId}`}>Preview</h3>
      <p className="small-print">The first rows of each kind, in the key and value columns.</p>
      {body}
    </section>
  );
}
