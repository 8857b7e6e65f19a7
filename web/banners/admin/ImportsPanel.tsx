// The imports (every file given, loaded or not, with its figures), and an upload form.
import { useState, type FormEvent } from 'react';
import type {
  AdminOverviewView,
  ImportFileView,
  QuarterImportView,
} from '../../../src/systems/banners/views.js';
import { errorMessage } from '../../ui/api.js';
import { Button } from '../../ui/Button.js';
import { CheckboxField, SelectField } from '../../ui/fields.js';
import { formatDateTime } from '../../ui/format.js';
import { Notice } from '../../ui/Layout.js';
import { Table, type Column } from '../../ui/Table.js';
import { formatBytes, formatCount } from './format.js';
import { filesByKind, uploadDataset } from './upload.js';

const STATUS_CLASS: Record<string, string> = {
  loaded: 'badge',
  duplicate: 'badge badge--muted',
  failed: 'badge badge--danger',
};

function Issues({ f }: { f: ImportFileView }) {
  const lines = [
    ...(f.error ? [f.error] : []),
    ...f.rejected_examples.map((r) => `rejected line ${r.line}: ${r.reason}`),
    ...f.warning_examples.map((w) => `warning line ${w.line}: ${w.reason}`),
  ];
  if (lines.length === 0) return <>—</>;
  if (lines.length === 1) return <>{lines[0]}</>;
  return (
    <details>
      <summary>{lines[0]}</summary>
      <ul>
        {lines.slice(1).map((l, i) => (
          <li key={i}>{l}</li>
        ))}
      </ul>
    </details>
  );
}

const COLUMNS: readonly Column<ImportFileView>[] = [
  {
    key: 'when',
    header: 'When',
    cell: (f) => <span className="nowrap">{formatDateTime(f.imported_at)}</span>,
  },
  { key: 'quarter', header: 'Quarter', cell: (f) => f.quarter, numeric: true },
  { key: 'file', header: 'File', cell: (f) => f.file },
  { key: 'kind', header: 'Kind', cell: (f) => f.kind },
  {
    key: 'size',
    header: 'Size',
    cell: (f) => <span className="nowrap">{formatBytes(f.size_bytes)}</span>,
    numeric: true,
  },
  {
    key: 'status',
    header: 'Status',
    cell: (f) => <span className={STATUS_CLASS[f.status] ?? 'badge'}>{f.status}</span>,
  },
  { key: 'read', header: 'Rows read', cell: (f) => formatCount(f.rows_read), numeric: true },
  { key: 'loaded', header: 'Loaded', cell: (f) => formatCount(f.rows_loaded), numeric: true },
  {
    key: 'skipped',
    header: 'Skipped (already imported)',
    label: 'Skipped',
    cell: (f) => formatCount(f.rows_skipped),
    numeric: true,
  },
  { key: 'rejected', header: 'Rejected', cell: (f) => formatCount(f.rows_rejected), numeric: true },
  { key: 'warnings', header: 'Warnings', cell: (f) => formatCount(f.warnings), numeric: true },
  { key: 'issues', header: 'Notes', cell: (f) => <Issues f={f} /> },
];

function UploadForm({ onImported }: { onImported: () => void }) {
  const [quarter, setQuarter] = useState('1');
  const [files, setFiles] = useState<File[]>([]);
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (files.length === 0) {
      setMessage({ kind: 'error', text: 'Choose the CSV files of the quarter first.' });
      return;
    }
    const chosen = filesByKind(files);
    if (!chosen.ok) {
      setMessage({ kind: 'error', text: chosen.error });
      return;
    }
    setBusy(true);
    setMessage(null);
    const result = await uploadDataset<QuarterImportView>(quarter, chosen.byKind, replace);
    setBusy(false);
    if (!result.ok) {
      setMessage({ kind: 'error', text: errorMessage(result) });
      return;
    }
    const loaded = result.data.files.filter((f) => f.status === 'loaded').length;
    const rebuilt = result.data.collections;
    setMessage({
      kind: 'success',
      text:
        `${loaded} of ${result.data.files.length} files loaded. ` +
        (rebuilt
          ? `${rebuilt.campaigns} collections of quarter ${result.data.quarter} rebuilt (version ${rebuilt.version}).`
          : 'Nothing new: the collections are unchanged.'),
    });
    onImported();
  };

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} aria-labelledby="upload-heading">
      <h3 id="upload-heading">Import a quarter&apos;s dataset</h3>
      <SelectField
        name="quarter"
        label="Quarter of the hour"
        value={quarter}
        onChange={setQuarter}
        options={['1', '2', '3', '4'].map((q) => ({ value: q, label: `Quarter ${q}` }))}
      />
      <div className="field">
        <label className="field__label" htmlFor="dataset-files">
          CSV files, named after what they hold (impressions, clicks, conversions)
        </label>
        <input
          id="dataset-files"
          className="input"
          type="file"
          accept=".csv,text/csv"
          multiple
          onChange={(e) => setFiles([...(e.target.files ?? [])])}
        />
      </div>
      <CheckboxField
        name="replace"
        label="Replace the quarter's dataset (otherwise the files add to it)"
        hint="Removes the quarter's earlier rows, such as the demo's, before loading these files."
        checked={replace}
        onChange={setReplace}
      />
      <Button type="submit" busy={busy}>
        Import
      </Button>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
    </form>
  );
}

export function ImportsPanel({ data, onImported }: { data: AdminOverviewView; onImported: () => void }) {
  return (
    <section aria-labelledby="imports-heading">
      <h2 id="imports-heading">Imports</h2>
      <UploadForm onImported={onImported} />
      <Table
        caption="Files imported, newest first"
        columns={COLUMNS}
        rows={data.imports}
        rowKey={(f) => f.id ?? `${f.file}-${f.imported_at}`}
        empty="Nothing imported yet."
        testId="imports-table"
        responsive="scroll"
      />
    </section>
  );
}
