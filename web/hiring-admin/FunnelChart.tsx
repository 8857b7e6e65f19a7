// The weekly funnel chart: grouped (one bar per state) or stacked, drawn with the shared Chart.
import { useMemo } from 'react';
import { STATE_LABELS, STATES, type WorkflowState } from '../../src/systems/hiring/constants.js';
import { Chart, type ChartOption } from '../ui/Chart.js';
import { formatDate } from '../ui/format.js';
import { weekLabels } from './funnel-format.js';

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
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      // containLabel keeps the tick labels inside the grid and the margins hold the axis titles, so a
      // title never covers a tick label: the x title below the labels' row, the y title above the
      // axis's top end (beside the axis it would cover wide labels such as 2,500,000).
      grid: { left: 12, right: 12, top: 36, bottom: 44, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: {
        type: 'category',
        name: 'Week starting',
        nameLocation: 'middle',
        nameGap: 36,
        nameTextStyle: { fontWeight: 600 },
        data: weekLabels(weeks),
        axisTick: { alignWithLabel: true },
      },
      yAxis: {
        type: 'value',
        name: 'Applicants',
        nameLocation: 'end',
        nameGap: 14,
        nameTextStyle: { fontWeight: 600, align: 'left' },
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
    [weeks, mode],
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
