// The gender ratio as an interactive pie (hover for figures, click the legend to leave a group out).
import { useMemo } from 'react';
import { Chart, CHART_PALETTE, type ChartOption } from '../../ui/Chart.js';
import { formatShare } from '../format.js';
import { GENDERS, type Gender } from '../survey.js';

export const GENDER_COLOURS: Record<Gender, string> = {
  Female: CHART_PALETTE[3] ?? '#CC79A7',
  Male: CHART_PALETTE[0] ?? '#0072B2',
  'Non-binary': CHART_PALETTE[1] ?? '#E69F00',
  'Prefer not to say': '#8a94a3',
};

export function GenderChart({ gender }: { gender: Record<Gender, number> }) {
  const total = GENDERS.reduce((sum, g) => sum + gender[g], 0);
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      // Wide gaps: ECharts measures the labels before the page font is applied.
      legend: { bottom: 0, left: 'center', itemGap: 24, selectedMode: true },
      series: [
        {
          type: 'pie',
          name: 'Gender',
          radius: ['38%', '62%'],
          center: ['50%', '42%'],
          avoidLabelOverlap: true,
          label: { show: false },
          emphasis: {
            scale: true,
            scaleSize: 6,
            label: { show: true, fontWeight: 600, formatter: '{b}\n{d}%' },
          },
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          data: GENDERS.map((g) => ({ name: g, value: gender[g], itemStyle: { color: GENDER_COLOURS[g] } })),
        },
      ],
    }),
    [gender],
  );
  const label =
    total === 0
      ? 'Gender ratio: no one has answered yet.'
      : `Gender ratio of ${total} answers: ` + GENDERS.map((g) => `${g} ${gender[g]}`).join(', ') + '.';
  return (
    <>
      <Chart option={option} label={label} height={280} testId="gender-chart" />
      <dl className="gender-figures" data-testid="gender-figures">
        {GENDERS.map((g) => (
          <div key={g} style={{ display: 'contents' }}>
            <dt>
              <span className="swatch" style={{ background: GENDER_COLOURS[g] }} aria-hidden="true" />
              {g}
            </dt>
            <dd>{gender[g].toLocaleString('en-US')}</dd>
            <dd>{formatShare(gender[g], total)}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
