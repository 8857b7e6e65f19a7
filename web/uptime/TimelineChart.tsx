// A store's last week (or last day) as one chart: business-hours bands, polls as points coloured
// active/inactive, and the interpolated up/down periods as a band, in the store's local time.
import { useMemo, useState } from 'react';
import { Chart } from '../ui/Chart.js';
import { LEGEND, timelineOption, timelineSeries, timelineSummary, type TimelineView } from './timeline.js';
import type { StoreDetail } from './types.js';

export function TimelineLegend() {
  return (
    <ul className="legend timeline-legend" aria-label="Legend">
      {LEGEND.map((item) => (
        <li key={item.key}>
          <span
            className={`swatch swatch--${item.shape}`}
            style={item.shape === 'ring' ? { borderColor: item.color } : { background: item.color }}
            aria-hidden="true"
          />
          {item.label}
        </li>
      ))}
    </ul>
  );
}

export function TimelineChart({ detail, timeZone }: { detail: StoreDetail; timeZone: string }) {
  const [view, setView] = useState<TimelineView>('week');
  const series = useMemo(() => timelineSeries(detail.timeline, view), [detail, view]);
  const option = useMemo(() => timelineOption(series, timeZone), [series, timeZone]);
  const summary = useMemo(() => timelineSummary(series, timeZone), [series, timeZone]);
  return (
    <section aria-labelledby="timeline-heading" className="timeline">
      <div className="card__header">
        <h2 id="timeline-heading">{view === 'week' ? 'The last week' : 'The last 24 hours'}</h2>
        <div className="segmented" role="group" aria-label="Time span" style={{ margin: 0 }}>
          <button type="button" aria-pressed={view === 'week'} onClick={() => setView('week')}>
            Week
          </button>
          <button
            type="button"
            aria-pressed={view === 'day'}
            onClick={() => setView('day')}
            data-testid="timeline-day"
          >
            Last 24 hours
          </button>
        </div>
      </div>
      <TimelineLegend />
      <div data-testid="timeline-chart" data-view={view}>
        <Chart option={option} label={summary} height={240} minWidth={320} />
      </div>
      <p className="small-print" data-testid="timeline-summary">
        {summary}
      </p>
    </section>
  );
}
