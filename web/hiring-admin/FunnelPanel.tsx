// The weekly hiring funnel: date range → chart, conversion chips and the numbers as a table.
import { useEffect, useState, type FormEvent } from 'react';
import { STATE_LABELS, STATES, isWorkflowState } from '../../src/systems/hiring/constants.js';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { Button } from '../ui/Button.js';
import { FormAlert, TextField } from '../ui/fields.js';
import { addDays, formatDate, formatPercent, isoDay, shortDay } from '../ui/format.js';
import { Loading } from '../ui/Layout.js';
import { navigate, useLocation, withQuery } from '../ui/router.js';
import { Table, type Column } from '../ui/Table.js';
import {
  count,
  FunnelChart,
  Legend,
  STATE_COLORS,
  type ChartMode,
  type FunnelWeek,
  type StateCounts,
} from './FunnelChart.js';
import { checkPageRange, pageDay } from './funnel-format.js';

interface Conversion {
  from: string;
  to: string;
  rate: number | null;
}

interface Funnel {
  start_date: string;
  end_date: string;
  weeks: FunnelWeek[];
  totals: StateCounts;
  conversions: Conversion[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const WEEKS_SHOWN = 8;

/** The last eight weeks, ending today. */
export function defaultRange(today = new Date()): { start: string; end: string } {
  const end = isoDay(today);
  return { start: addDays(end, -(WEEKS_SHOWN * 7 - 1)), end };
}

type Result = { kind: 'loading' } | { kind: 'ready'; data: Funnel } | { kind: 'error'; message: string };

const lower = (state: string) =>
  isWorkflowState(state) ? STATE_LABELS[state].toLowerCase() : state.replace(/_/g, ' ');

export function FunnelPanel() {
  const { query } = useLocation();
  const defaults = defaultRange();
  const startParam = query.get('start_date') ?? '';
  const endParam = query.get('end_date') ?? '';
  const start = DAY.test(startParam) ? startParam : defaults.start;
  const end = DAY.test(endParam) ? endParam : defaults.end;

  const [startInput, setStartInput] = useState(start);
  const [endInput, setEndInput] = useState(end);
  const [inputError, setInputError] = useState<{ start?: string; end?: string }>({});
  const [result, setResult] = useState<Result>({ kind: 'loading' });
  const [loading, setLoading] = useState(true);
  const [mode, setMode] = useState<ChartMode>('grouped');

  // Back/forward: show the range of the URL in the inputs.
  useEffect(() => {
    setStartInput(start);
    setEndInput(end);
  }, [start, end]);

  useEffect(() => {
    // A range the funnel cannot show (an address typed or shared by hand) is explained in the
    // page's words and date format; the API is not asked.
    const problem = checkPageRange(start, end);
    if (problem !== undefined) {
      setLoading(false);
      setResult({ kind: 'error', message: problem.message });
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    api
      .get<Funnel>(withQuery('/hiring/api/admin/funnel', { start_date: start, end_date: end }), {
        signal: controller.signal,
      })
      .then((res) => {
        setLoading(false);
        if (res.ok && Array.isArray(res.data.weeks)) setResult({ kind: 'ready', data: res.data });
        else if (res.status === 400)
          // The page checks ranges as the API does, so this is rare; still the page's own words.
          setResult({
            kind: 'error',
            message: `The funnel cannot show ${pageDay(start)} to ${pageDay(end)}: choose another range.`,
          });
        else if (res.status !== 401)
          setResult({ kind: 'error', message: errorMessage(res, 'Could not load the funnel.') });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setLoading(false);
      });
    return () => controller.abort();
  }, [start, end]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const errors: { start?: string; end?: string } = {};
    if (!DAY.test(startInput)) errors.start = 'Enter a start date.';
    if (!DAY.test(endInput)) errors.end = 'Enter an end date.';
    const problem =
      errors.start === undefined && errors.end === undefined
        ? checkPageRange(startInput, endInput)
        : undefined;
    if (problem !== undefined) errors[problem.field ?? 'end'] = problem.message;
    setInputError(errors);
    if (errors.start !== undefined || errors.end !== undefined) {
      document.getElementById(errors.start !== undefined ? 'field-start_date' : 'field-end_date')?.focus();
      return;
    }
    navigate(withQuery('/hiring/admin', { tab: 'funnel', start_date: startInput, end_date: endInput }));
  };

  return (
    <section aria-labelledby="funnel-heading">
      <h2 id="funnel-heading">Weekly funnel</h2>
      <p className="small-print">
        Applicants counted by the week (Monday to Sunday, UTC) they applied and the state they are in now.
      </p>
      <form className="filters" onSubmit={submit} noValidate aria-label="Funnel date range">
        <TextField
          name="start_date"
          label="Start date"
          type="date"
          value={startInput}
          onChange={setStartInput}
          error={inputError.start}
          max={endInput || undefined}
        />
        <TextField
          name="end_date"
          label="End date"
          type="date"
          value={endInput}
          onChange={setEndInput}
          error={inputError.end}
          min={startInput || undefined}
        />
        <Button type="submit" variant="secondary">
          Show funnel
        </Button>
      </form>

      {result.kind === 'loading' && <Loading label="Loading the funnel…" />}
      {result.kind === 'error' && <FormAlert testId="funnel-error">{result.message}</FormAlert>}
      {result.kind === 'ready' && (
        <div aria-busy={loading} className={loading ? 'is-loading' : undefined}>
          <FunnelResult data={result.data} mode={mode} onMode={setMode} />
        </div>
      )}
    </section>
  );
}

function FunnelResult({
  data,
  mode,
  onMode,
}: {
  data: Funnel;
  mode: ChartMode;
  onMode: (mode: ChartMode) => void;
}) {
  const weekColumns: Column<FunnelWeek>[] = [
    {
      key: 'week',
      header: 'Week',
      cell: (w) => (
        <span className="nowrap" title={`${formatDate(w.start)} – ${formatDate(w.end)}`}>
          {shortDay(w.start)} – {shortDay(w.end)}
        </span>
      ),
    },
    ...STATES.map((s): Column<FunnelWeek> => ({
      key: s,
      header: STATE_LABELS[s],
      numeric: true,
      cell: (w) => count(w.counts, s).toLocaleString(),
    })),
  ];

  return (
    <>
      <h3 className="visually-hidden">Totals</h3>
      <ul className="stats" aria-label="Totals for the range">
        {STATES.map((s) => (
          <li key={s} style={{ borderTop: `4px solid ${STATE_COLORS[s]}` }}>
            <span className="stat__label">{STATE_LABELS[s]}</span>
            <span className="stat__value" data-testid={`funnel-total-${s}`}>
              {count(data.totals, s).toLocaleString()}
            </span>
          </li>
        ))}
      </ul>

      <h3>Conversion between steps</h3>
      <ul className="chips" data-testid="funnel-conversions">
        {data.conversions.map((c) => (
          <li key={`${c.from}-${c.to}`} className="chip" data-testid={`conversion-${c.from}-${c.to}`}>
            {lower(c.from)} → {lower(c.to)}: <strong>{formatPercent(c.rate)}</strong>
          </li>
        ))}
      </ul>

      <div className="card__header">
        <h3 style={{ margin: 0 }}>Applicants per week</h3>
        <div className="segmented" role="group" aria-label="Chart layout" style={{ margin: 0 }}>
          <button type="button" aria-pressed={mode === 'grouped'} onClick={() => onMode('grouped')}>
            Grouped
          </button>
          <button type="button" aria-pressed={mode === 'stacked'} onClick={() => onMode('stacked')}>
            Stacked
          </button>
        </div>
      </div>
      <Legend />
      {data.weeks.length === 0 ? (
        <p>No weeks in this range.</p>
      ) : (
        <FunnelChart weeks={data.weeks} mode={mode} startDate={data.start_date} endDate={data.end_date} />
      )}

      <Table
        caption={`Applicants per state, week by week, ${formatDate(data.start_date)} to ${formatDate(data.end_date)}`}
        showCaption
        responsive="scroll"
        columns={weekColumns}
        rows={data.weeks}
        rowKey={(w) => w.week}
        testId="funnel-table"
        empty="No weeks in this range."
        footer={
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              {STATES.map((s) => (
                <td key={s} className="num">
                  {count(data.totals, s).toLocaleString()}
                </td>
              ))}
            </tr>
          </tfoot>
        }
      />
    </>
  );
}
