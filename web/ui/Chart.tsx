// The one chart component of every page: Apache ECharts (tree-shaken to the chart kinds and
// components the pages use, SVG renderer), sized to its box and kept in step with React props.
import { BarChart, CustomChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useLayoutEffect, useRef } from 'react';

echarts.use([
  BarChart,
  CustomChart,
  LineChart,
  PieChart,
  ScatterChart,
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  SVGRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;
export type ChartInstance = echarts.ECharts;
export type ChartEventHandler = (params: unknown, chart: ChartInstance) => void;

export interface ChartProps {
  option: ChartOption;
  /** What the chart shows, for screen readers (the figures should also be in a table or text). */
  label: string;
  height: number;
  /** A minimum drawing width: the box scrolls sideways below it (many bars on a phone). */
  minWidth?: number;
  /** ECharts events by name (`click`, `legendselectchanged`, …). */
  onEvents?: Readonly<Record<string, ChartEventHandler>>;
  testId?: string;
  className?: string;
}

/** Shared look: the pages' font and a palette that colour-blind readers can tell apart (Okabe–Ito). */
export const CHART_PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];
export const CHART_TEXT = { fontFamily: 'inherit', color: '#1f2933', fontSize: 12 };

export function Chart({ option, label, height, minWidth, onEvents, testId, className }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ChartInstance | null>(null);

  useLayoutEffect(() => {
    const el = box.current;
    if (el === null) return;
    const instance = echarts.init(el, null, { renderer: 'svg', height });
    chart.current = instance;
    const observer =
      typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => instance.resize());
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [height]);

  useEffect(() => {
    chart.current?.setOption(
      {
        textStyle: CHART_TEXT,
        color: CHART_PALETTE,
        aria: { enabled: true, label: { description: label } },
        ...option,
      },
      { notMerge: true },
    );
  }, [option, label, height]);

  useEffect(() => {
    const instance = chart.current;
    if (!instance || !onEvents) return;
    const bound = Object.entries(onEvents).map(([name, handler]) => {
      const listener = (params: unknown) => handler(params, instance);
      instance.on(name, listener);
      return [name, listener] as const;
    });
    return () => {
      for (const [name, listener] of bound) instance.off(name, listener);
    };
  }, [onEvents, height]);

  return (
    <div className={`chart-box ${className ?? ''}`.trim()}>
      <div
        ref={box}
        className="chart"
        data-testid={testId}
        role="img"
        aria-label={label}
        style={{ height, minWidth: minWidth ?? 0, width: '100%' }}
      />
    </div>
  );
}
