// The weekly funnel chart: grouped (one bar per state) or stacked, drawn with the shared Chart.
import { useMemo } from 'react';
import { STATE_LABELS, STATES, type WorkflowState } from '../../src/systems/hiring/constants.js';
import { Chart, type ChartOption } from '../ui/Chart.js';
import { formatDate, shortDay } from '../ui/format.js';

/** Colour-blind-friendly palette (Okabe–Ito / Tol), one colour per state, in funnel order. */
export const STATE_COLORS: Record<WorkflowState, string> = {
  applied: '#0072B2',
  quiz_started: '#56B4E9',
  quiz_completed: '#999933',
  onboarding_requested: '#E69F00',
  onboarding_completed: '#CC79A7',
  hired: '#117733',
  rejected: '#D55E00',
};

export type StateCounts = Partial<Record<WorkflowState, number>>;

export interface FunnelWeek {
  week: string;
  start: string;
  end: string;
  counts: StateCounts;
}

export type ChartMode = 'grouped' | 'stacked';

export const count = (counts: StateCounts | undefined, state: WorkflowState): number => {
  const n = counts?.[state];
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
};

/** "Mar 3", or "Mar 3, 2015" when the weeks shown span more than one year. */
function weekLabel(day: string, withYear: boolean): string {
  return withYear ? formatDate(day) : shortDay(day);
}

/** The weekly funnel as grouped (one bar per state) or stacked bars, on the pages' chart library. */
export function FunnelChart({
  weeks,
  mode,
  startDate,
  endDate,
}: {
  weeks: readonly FunnelWeek[];
  mode: ChartMode;
  startDate: string;
  endDate: string;
}) {
  const withYear = startDate.slice(0, 4) !== endDate.slice(0, 4);
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      // containLabel keeps the tick labels inside the grid, and the margins hold the axis titles, so a title never covers a tick label.
      grid: { left: 32, right: 12, top: 16, bottom: 40, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: {
        type: 'category',
        name: 'Week starting',
        nameLocation: 'middle',
        nameGap: 32,
        nameTextStyle: { fontWeight: 600 },
        data: weeks.map((w) => weekLabel(w.start, withYear)),
        axisTick: { alignWithLabel: true },
      },
      yAxis: {
        type: 'value',
        name: 'Applicants',
        nameLocation: 'middle',
        nameRotate: 90,
        nameGap: 44,
        nameTextStyle: { fontWeight: 600 },
        minInterval: 1,
      },
      series: STATES.map((s) => ({
        type: 'bar',
        name: STATE_LABELS[s],
        stack: mode === 'stacked' ? 'applicants' : undefined,
        itemStyle: { color: STATE_COLORS[s] },
        emphasis: { focus: 'series' },
        data: weeks.map((w) => count(w.counts, s)),
      })),
    }),
    [weeks, mode, withYear],
  );
  const minGroup = mode === 'grouped' ? STATES.length * 3 + 4 : 14;
  const summary =
    `Hiring funnel by week from ${formatDate(startDate)} to ${formatDate(endDate)}: ` +
    `${mode === 'stacked' ? 'stacked' : 'grouped'} bar chart of applicants per state for ${weeks.length} ` +
    `week${weeks.length === 1 ? '' : 's'}. The same numbers are in the table below.`;
  return (
    <div data-mode={mode} data-testid="funnel-chart">
      <Chart option={option} label={summary} height={320} minWidth={80 + weeks.length * minGroup} />
    </div>
  );
}

export function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      {STATES.map((s) => (
        <li key={s}>
          <span className="swatch" style={{ background: STATE_COLORS[s] }} aria-hidden="true" />
          {STATE_LABELS[s]}
        </li>
      ))}
    </ul>
  );
}
