// A time-series line chart on uPlot (about 20 KB gzipped). Colours come from the page's CSS variables,
// so the chart follows light and dark mode.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtBucket } from './format';

export interface Series {
  label: string;
  values: (number | null)[];
  dashed?: boolean;
  muted?: boolean;
}

const DAY_S = 86_400;

interface ChartProps {
  x: number[];
  series: Series[];
  label: string;
  /** IANA timezone the buckets are in (the axis shows their local dates). */
  tz: string;
  interval?: 'hour' | 'day' | 'week' | 'month';
  height?: number;
}

/** The page's CSS variables the chart is drawn with (light or dark mode). */
function colours() {
  const css = getComputedStyle(document.documentElement);
  return (name: string) => css.getPropertyValue(name).trim();
}

/** Time axis (hours or days in `tz`) and count axis. */
function axesOf(tz: string, interval: NonNullable<ChartProps['interval']>, v: (name: string) => string) {
  const axis = {
    stroke: v('--muted'),
    grid: { stroke: v('--grid'), width: 1 },
    ticks: { stroke: v('--grid') },
  };
  const dayFmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'short' });
  const hourFmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const xAxis =
    interval === 'hour'
      ? { ...axis, values: (_u: uPlot, splits: number[]) => splits.map((t) => hourFmt.format(t * 1000)) }
      : {
          ...axis,
          incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 30 * DAY_S, 91 * DAY_S],
          values: (_u: uPlot, splits: number[]) => splits.map((t) => dayFmt.format(t * 1000)),
        };
  const yAxis = {
    ...axis,
    size: 50,
    incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6],
  };
  return [xAxis, yAxis];
}

function optionsOf(
  { x, series, tz, interval = 'day', height = 240 }: Omit<ChartProps, 'label'>,
  width: number,
): uPlot.Options {
  const v = colours();
  return {
    width,
    height,
    series: [
      // The legend (tooltip) names the point in the same zone and 24-hour clock as the axis.
      { value: (_u: uPlot, t: number | null) => (t == null ? '—' : fmtBucket(t * 1000, tz, interval)) },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.muted ? v('--muted') : v('--accent-text'),
        width: 2,
        ...(s.dashed ? { dash: [6, 4] } : {}),
        ...(s.muted ? {} : { fill: v('--accent-fill') }),
        points: { show: x.length < 40 },
      })),
    ],
    tzDate: (t) => uPlot.tzDate(new Date(t * 1000), tz),
    axes: axesOf(tz, interval, v),
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    cursor: { drag: { x: false, y: false } },
  };
}

export function LineChart(props: ChartProps) {
  const { x, series, label, tz, interval = 'day', height = 240 } = props;
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const width = () => Math.max(node.clientWidth, 200);
    const data = [x, ...series.map((s) => s.values)] as uPlot.AlignedData;
    const plot = new uPlot(optionsOf({ x, series, tz, interval, height }, width()), data, node);
    const ro = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    ro.observe(node);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, height, tz, interval]);
  const first = series[0];
  const total = first ? first.values.reduce<number>((s, n) => s + (n ?? 0), 0) : 0;
  return (
    <figure className="chart">
      <div ref={el} role="img" aria-label={`${label}: ${total} in ${x.length} points`} />
    </figure>
  );
}
