// "Start a diff": a metric's saved exports on the server, or two uploaded files.
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { Button, ButtonRow } from '../ui/Button.js';
import { FieldError, FormAlert, RadioGroupField, SelectField } from '../ui/fields.js';
import { readHeader, type HeaderResult } from './csv-header.js';
import { FileField } from './FileField.js';
import { formatFileSize, listWords } from './format.js';
import { ProgressBar } from '../ui/ProgressBar.js';
import type { Metric } from './types.js';
import { upload } from './upload.js';

export type Mode = 'saved' | 'upload';

const MODE_OPTIONS = [
  { value: 'saved', label: 'Saved exports' },
  { value: 'upload', label: 'Upload two files' },
];

export function StartDiff({
  metrics,
  onStarted,
}: {
  metrics: readonly Metric[];
  onStarted: (jobId: number) => void;
}) {
  const anyAvailable = metrics.some((m) => m.files.available);
  const [mode, setMode] = useState<Mode>(anyAvailable ? 'saved' : 'upload');
  return (
    <section className="card" aria-labelledby="start-heading">
      <h2 id="start-heading">Start a diff</h2>
      <RadioGroupField
        name="mode"
        label="What to compare"
        options={MODE_OPTIONS}
        value={mode}
        onChange={(v) => setMode(v === 'upload' ? 'upload' : 'saved')}
      />
      {mode === 'saved' ? (
        <SavedExportsForm metrics={metrics} onStarted={onStarted} />
      ) : (
        <UploadForm metrics={metrics} onStarted={onStarted} />
      )}
    </section>
  );
}

/** Reads the job id out of a 200/201 answer. */
function jobIdOf(data: unknown): number | null {
  if (data === null || typeof data !== 'object') return null;
  const id = (data as { job_id?: unknown }).job_id;
  return typeof id === 'number' && Number.isFinite(id) ? id : null;
}

// ---------- Saved exports ----------

function SavedExportsForm({
  metrics,
  onStarted,
}: {
  metrics: readonly Metric[];
  onStarted: (jobId: number) => void;
}) {
  const [metricId, setMetricId] = useState(
    () => (metrics.find((m) => m.files.available) ?? metrics[0])?.id ?? '',
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const metric = metrics.find((m) => m.id === metricId);

  if (metrics.length === 0) {
    return <p>No metrics are defined on the server. Upload two files instead.</p>;
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || metric === undefined || !metric.files.available) return;
    setBusy(true);
    setError(null);
    const res = await api.post<unknown>(`/api/diffing/new/${encodeURIComponent(metric.id)}`);
    setBusy(false);
    const id = res.ok ? jobIdOf(res.data) : null;
    if (id !== null) onStarted(id);
    else setError(errorMessage(res, 'Could not start the diff.'));
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Diff saved exports">
      {error !== null && <FormAlert testId="start-error">{error}</FormAlert>}
      <SelectField
        name="metric"
        label="Metric"
        options={metrics.map((m) => ({
          value: m.id,
          label: m.files.available ? m.id : `${m.id} (files missing)`,
        }))}
        value={metricId}
        onChange={(v) => {
          setMetricId(v);
          setError(null);
        }}
      />
      {metric !== undefined && (
        <div className="metric-files" data-testid="metric-files">
          <p className="small-print">
            Compares <code>{metric.files.new}</code> (new) with <code>{metric.files.old}</code> (old) from the
            server’s data directory, matching rows on {listWords(metric.keys.map((k) => `“${k}”`))} and
            comparing “{metric.value}”.
          </p>
          {!metric.files.available && (
            <p className="notice" role="status">
              At least one of these files is missing on the server, so this metric can’t be diffed from saved
              exports. Upload the two files instead.
            </p>
          )}
        </div>
      )}
      <ButtonRow>
        <Button type="submit" busy={busy} disabled={metric === undefined || !metric.files.available}>
          Start diff
        </Button>
      </ButtonRow>
    </form>
  );
}

// ---------- Two uploaded files ----------

type Side = 'old' | 'new';

type Picked = { file: File; header: HeaderResult | null };

const CUSTOM = '';

/** Columns of both headers: the new file's order, then the ones only in the old file (unnamed ones left out). */
function unionColumns(oldCols: readonly string[], newCols: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of [...newCols, ...oldCols]) if (c !== '' && !out.includes(c)) out.push(c);
  return out;
}

function fitsBoth(metric: Metric, oldCols: readonly string[], newCols: readonly string[]): boolean {
  return [...metric.keys, metric.value].every((c) => oldCols.includes(c) && newCols.includes(c));
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** Why the chosen columns don't work with these headers (null when they do). */
function columnProblem(
  keys: readonly string[],
  value: string,
  oldCols: readonly string[],
  newCols: readonly string[],
): string | null {
  const chosen = [...keys, ...(value === '' ? [] : [value])];
  const missing = (cols: readonly string[]) => chosen.filter((c) => !cols.includes(c)).map((c) => `“${c}”`);
  const fromOld = missing(oldCols);
  const fromNew = missing(newCols);
  const parts: string[] = [];
  if (fromOld.length > 0) parts.push(`the old file has no ${listWords(fromOld)} column`);
  if (fromNew.length > 0) parts.push(`the new file has no ${listWords(fromNew)} column`);
  if (parts.length === 0) return null;
  const text = parts.join(' and ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

interface UploadErrors {
  old?: string;
  new?: string;
  keys?: string;
  value?: string;
}

function UploadForm({
  metrics,
  onStarted,
}: {
  metrics: readonly Metric[];
  onStarted: (jobId: number) => void;
}) {
  const [picked, setPicked] = useState<Record<Side, Picked | null>>({ old: null, new: null });
  const [metricId, setMetricId] = useState<string>(CUSTOM);
  /** The user chose the metric or columns themselves: don't preselect any more. */
  const touched = useRef(false);
  const [keys, setKeys] = useState<string[]>([]);
  const [value, setValue] = useState('');
  const [errors, setErrors] = useState<UploadErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [sending, setSending] = useState<{ progress: number; controller: AbortController } | null>(null);

  const oldHeader = picked.old?.header;
  const newHeader = picked.new?.header;
  const oldCols = useMemo(() => (oldHeader?.ok ? oldHeader.columns : []), [oldHeader]);
  const newCols = useMemo(() => (newHeader?.ok ? newHeader.columns : []), [newHeader]);
  const bothRead = oldHeader?.ok === true && newHeader?.ok === true;
  const anyRead = oldHeader?.ok === true || newHeader?.ok === true;
  const columns = useMemo(() => unionColumns(oldCols, newCols), [oldCols, newCols]);

  // Headers known: preselect the first metric whose columns the files have (both, once both are read).
  useEffect(() => {
    if (touched.current || !anyRead) return;
    const [a, b] = bothRead ? [oldCols, newCols] : [columns, columns];
    const match = metrics.find((m) => fitsBoth(m, a, b));
    setMetricId(match?.id ?? CUSTOM);
    setKeys(match?.keys ?? []);
    setValue(match?.value ?? (columns.includes('value') ? 'value' : ''));
  }, [anyRead, bothRead, oldCols, newCols, columns, metrics]);

  const choose = async (side: Side, file: File | null) => {
    setFormError(null);
    setErrors((e) => ({ ...e, [side]: undefined, keys: undefined, value: undefined }));
    if (file === null) {
      setPicked((p) => ({ ...p, [side]: null }));
      return;
    }
    setPicked((p) => ({ ...p, [side]: { file, header: null } }));
    const header = await readHeader(file);
    // Another file may have been chosen meanwhile: only keep the answer for the current one.
    setPicked((p) => (p[side]?.file === file ? { ...p, [side]: { file, header } } : p));
  };

  const chooseMetric = (id: string) => {
    touched.current = true;
    setMetricId(id);
    setErrors((e) => ({ ...e, keys: undefined, value: undefined }));
    const metric = metrics.find((m) => m.id === id);
    if (metric !== undefined) {
      setKeys(metric.keys);
      setValue(metric.value);
    }
  };

  /** Columns edited by hand: the metric stays selected only while they still are its columns. */
  const editColumns = (nextKeys: string[], nextValue: string) => {
    touched.current = true;
    setKeys(nextKeys);
    setValue(nextValue);
    setErrors((e) => ({ ...e, keys: undefined, value: undefined }));
    const metric = metrics.find((m) => m.id === metricId);
    if (metric !== undefined && !(sameSet(metric.keys, nextKeys) && metric.value === nextValue)) {
      setMetricId(CUSTOM);
    }
  };

  const toggleKey = (column: string, on: boolean) => {
    const set = new Set(keys);
    if (on) set.add(column);
    else set.delete(column);
    editColumns(
      columns.filter((c) => set.has(c)),
      value,
    );
  };

  const mismatch = bothRead ? columnProblem(keys, value, oldCols, newCols) : null;

  const validate = (): UploadErrors => {
    const e: UploadErrors = {};
    for (const side of ['old', 'new'] as const) {
      const p = picked[side];
      if (p === null) e[side] = `Choose the ${side} file.`;
      else if (p.header === null) e[side] = 'Still reading this file’s header, try again in a moment.';
      else if (!p.header.ok) e[side] = p.header.error;
    }
    if (e.old === undefined && e.new === undefined) {
      if (keys.length === 0) e.keys = 'Choose at least one key column.';
      if (value === '') e.value = 'Choose the value column.';
      else if (keys.includes(value)) e.value = 'The value column can’t also be a key column.';
      if (e.keys === undefined && e.value === undefined && mismatch !== null) e.keys = mismatch;
    }
    return e;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (sending !== null) return;
    setFormError(null);
    const e = validate();
    setErrors(e);
    const first = (['old', 'new', 'keys', 'value'] as const).find((k) => e[k] !== undefined);
    if (first !== undefined) {
      const target =
        first === 'keys'
          ? document.querySelector<HTMLInputElement>('#field-keys input')
          : document.getElementById(first === 'value' ? 'field-value' : `field-${first}`);
      target?.focus();
      return;
    }
    const oldFile = picked.old?.file;
    const newFile = picked.new?.file;
    if (oldFile === undefined || newFile === undefined) return;

    // Text fields first: the server reads them before it streams the files.
    const form = new FormData();
    if (metricId !== CUSTOM) {
      form.append('metric', metricId);
    } else {
      form.append('keys', keys.join(','));
      form.append('value', value);
    }
    form.append('old', oldFile, oldFile.name);
    form.append('new', newFile, newFile.name);

    const controller = new AbortController();
    setSending({ progress: 0, controller });
    try {
      const res = await upload<unknown>('/api/diffing/jobs', form, {
        signal: controller.signal,
        onProgress: (fraction) => setSending((s) => (s === null ? s : { ...s, progress: fraction * 100 })),
      });
      setSending(null);
      const id = res.ok ? jobIdOf(res.data) : null;
      if (id !== null) {
        onStarted(id);
        return;
      }
      const fallback =
        res.status === 413 ? 'A file is larger than the server accepts.' : 'Could not start the diff.';
      setFormError(errorMessage(res, fallback));
    } catch (err) {
      setSending(null);
      if (isAbort(err)) setFormError('Upload cancelled.');
      else setFormError('Could not send the files.');
    }
  };

  const summary = (side: Side) => {
    const p = picked[side];
    if (p === null) return undefined;
    const size = formatFileSize(p.file.size);
    if (p.header === null) return <p className="small-print">{size} · reading the header…</p>;
    if (!p.header.ok) return <p className="small-print">{size}</p>;
    const n = p.header.columns.length;
    return (
      <p className="small-print" data-testid={`columns-${side}`}>
        {size} · {n} column{n === 1 ? '' : 's'}: {p.header.columns.join(', ')}
      </p>
    );
  };

  const headerError = (side: Side) => {
    const h = picked[side]?.header;
    return errors[side] ?? (h !== null && h !== undefined && !h.ok ? h.error : undefined);
  };

  const only = (col: string): string | null => {
    if (!bothRead) return null;
    if (!oldCols.includes(col)) return 'only in the new file';
    if (!newCols.includes(col)) return 'only in the old file';
    return null;
  };

  const keysErrorId = errors.keys ? 'field-keys-error' : undefined;
  const metricOptions = [
    { value: CUSTOM, label: 'None (choose the columns)' },
    ...metrics.map((m) => ({ value: m.id, label: m.id })),
  ];

  return (
    <form onSubmit={submit} noValidate aria-label="Diff two uploaded files">
      {formError !== null && <FormAlert testId="start-error">{formError}</FormAlert>}
      <div className="grid-2">
        <FileField
          name="old"
          label="Old file"
          hint="The previous export (CSV)."
          accept=".csv,text/csv"
          disabled={sending !== null}
          error={headerError('old')}
          summary={summary('old')}
          onChange={(f) => void choose('old', f)}
        />
        <FileField
          name="new"
          label="New file"
          hint="The latest export (CSV)."
          accept=".csv,text/csv"
          disabled={sending !== null}
          error={headerError('new')}
          summary={summary('new')}
          onChange={(f) => void choose('new', f)}
        />
      </div>

      <SelectField
        name="upload_metric"
        label="Metric"
        hint="A known metric sets the key and value columns; or choose them yourself."
        options={metricOptions}
        value={metricId}
        onChange={chooseMetric}
        disabled={sending !== null}
      />

      {columns.length === 0 ? (
        <p className="small-print" data-testid="columns-placeholder">
          Choose the files to pick the key and value columns from their headers.
        </p>
      ) : (
        <>
          <fieldset
            id="field-keys"
            className={`field fieldset${errors.keys ? ' field--invalid' : ''}`}
            aria-describedby={['field-keys-hint', keysErrorId].filter(Boolean).join(' ')}
            disabled={sending !== null}
            data-testid="field-keys"
          >
            <legend className="field__label">Key columns</legend>
            <p id="field-keys-hint" className="field__hint">
              Rows with the same values in these columns are the same row in both files.
            </p>
            <div className="choices column-choices">
              {columns.map((c, i) => {
                const note = only(c);
                const id = `field-keys-${i}`;
                return (
                  <div className="choice" key={c}>
                    <input
                      type="checkbox"
                      id={id}
                      value={c}
                      checked={keys.includes(c)}
                      onChange={(e) => toggleKey(c, e.target.checked)}
                    />
                    <label htmlFor={id}>
                      <code>{c}</code>
                      {note !== null && <span className="column-note"> ({note})</span>}
                    </label>
                  </div>
                );
              })}
            </div>
            <FieldError id={keysErrorId} name="keys" message={errors.keys} />
          </fieldset>
          <SelectField
            name="value"
            label="Value column"
            placeholder="Choose the value column"
            options={columns}
            value={value}
            onChange={(v) => editColumns(keys, v)}
            error={errors.value}
            disabled={sending !== null}
          />
        </>
      )}

      <div aria-live="polite">
        {mismatch !== null && errors.keys === undefined && (
          <p className="notice notice--error" data-testid="column-mismatch">
            {mismatch}
          </p>
        )}
      </div>

      {sending !== null && (
        <div className="upload-progress">
          <ProgressBar value={sending.progress} label="Upload progress" testId="upload-progress" />
          <p className="small-print" role="status">
            Uploading the files…
          </p>
        </div>
      )}

      <ButtonRow>
        <Button type="submit" busy={sending !== null}>
          Start diff
        </Button>
        {sending !== null && (
          <Button variant="secondary" onClick={() => sending.controller.abort()}>
            Cancel upload
          </Button>
        )}
      </ButtonRow>
    </form>
  );
}
