// A hand-written SVG bar chart of the weekly funnel: grouped (one bar per state) or stacked.
import { useLayoutEffect, useRef, useState } from 'react';
import { STATE_LABELS, STATES, type WorkflowState } from '../../src/systems/hiring/constants.js';
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

/** 0, step, 2·step … ≥ max, with step 1/2/5 × 10ⁿ and about five ticks. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1, 2, 3, 4, 5];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const niceStep = Math.max(1, step);
  const ticks: number[] = [];
  for (let v = 0; v < max + niceStep; v += niceStep) {
    ticks.push(v);
    if (v >= max) break;
  }
  return ticks;
}

/** The width of an element's content box, kept up to date. */
function useWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const measure = () => {
      const style = window.getComputedStyle(el);
      const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (inner > 0) setWidth(Math.floor(inner));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

const M = { top: 16, right: 12, bottom: 52, left: 52 };

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
  const [boxRef, boxWidth] = useWidth<HTMLDivElement>(720);
  const n = Math.max(1, weeks.length);
  const minGroup = mode === 'grouped' ? STATES.length * 3 + 4 : 14;
  const width = Math.max(boxWidth, M.left + M.right + n * minGroup);
  const height = boxWidth < 520 ? 250 : 320;
  const plotW = width - M.left - M.right;
  const plotH = height - M.top - M.bottom;

  const max = weeks.reduce((m, w) => {
    const values = STATES.map((s) => count(w.counts, s));
    return Math.max(m, mode === 'stacked' ? values.reduce((a, b) => a + b, 0) : Math.max(...values));
  }, 0);
  const ticks = niceTicks(max);
  const yMax = ticks[ticks.length - 1] ?? 1;
  const y = (v: number) => M.top + plotH - (v / yMax) * plotH;

  const groupW = plotW / n;
  // Label every k-th week so the dates never overlap (about 56px per label).
  const labelEvery = Math.max(1, Math.ceil(56 / groupW));

  const summary =
    `Hiring funnel by week from ${formatDate(startDate)} to ${formatDate(endDate)}: ` +
    `${mode === 'stacked' ? 'stacked' : 'grouped'} bar chart of applicants per state for ${weeks.length} ` +
    `week${weeks.length === 1 ? '' : 's'}. The same numbers are in the table below.`;

  return (
    <div className="chart-box" ref={boxRef}>
      <svg
        className="chart"
        data-testid="funnel-chart"
        data-mode={mode}
        role="img"
        aria-label={summary}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        style={{ width, maxWidth: 'none' }}
      >
        {/* Grid and y axis */}
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid-line" x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} />
            <text x={M.left - 8} y={y(t)} dy="0.32em" textAnchor="end" fontSize="12">
              {t.toLocaleString()}
            </text>
          </g>
        ))}
        <text
          transform={`translate(14 ${M.top + plotH / 2}) rotate(-90)`}
          textAnchor="middle"
          fontSize="12"
          fontWeight="600"
        >
          Applicants
        </text>

        {/* Bars */}
        {weeks.map((w, i) => {
          const gx = M.left + i * groupW;
          const label = `Week of ${formatDate(w.start)}`;
          if (mode === 'grouped') {
            const inner = groupW * 0.82;
            const bw = inner / STATES.length;
            return (
              <g key={w.week} data-week={w.start}>
                {STATES.map((s, j) => {
                  const v = count(w.counts, s);
                  const h = y(0) - y(v);
                  return (
                    <rect
                      key={s}
                      x={gx + (groupW - inner) / 2 + j * bw}
                      y={y(v)}
                      width={Math.max(1, bw - 1)}
                      height={Math.max(0, h)}
                      fill={STATE_COLORS[s]}
                    >
                      <title>{`${label} · ${STATE_LABELS[s]}: ${v.toLocaleString()}`}</title>
                    </rect>
                  );
                })}
              </g>
            );
          }
          const bw = Math.max(6, groupW * 0.6);
          let base = 0;
          return (
            <g key={w.week} data-week={w.start}>
              {STATES.map((s) => {
                const v = count(w.counts, s);
                const top = base + v;
                const rect = (
                  <rect
                    key={s}
                    x={gx + (groupW - bw) / 2}
                    y={y(top)}
                    width={bw}
                    height={Math.max(0, y(base) - y(top))}
                    fill={STATE_COLORS[s]}
                    stroke="#fff"
                    strokeWidth={v > 0 ? 0.5 : 0}
                  >
                    <title>{`${label} · ${STATE_LABELS[s]}: ${v.toLocaleString()}`}</title>
                  </rect>
                );
                base = top;
                return rect;
              })}
            </g>
          );
        })}

        {/* X axis */}
        <line className="axis-line" x1={M.left} x2={width - M.right} y1={y(0)} y2={y(0)} />
        {weeks.map((w, i) =>
          i % labelEvery === 0 ? (
            <text
              key={w.week}
              x={M.left + (i + 0.5) * groupW}
              y={y(0) + 18}
              textAnchor="middle"
              fontSize="12"
            >
              {shortDay(w.start)}
            </text>
          ) : null,
        )}
        <text x={M.left + plotW / 2} y={height - 8} textAnchor="middle" fontSize="12" fontWeight="600">
          Week starting
        </text>
      </svg>
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
