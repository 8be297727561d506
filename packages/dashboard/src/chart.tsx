// A time-series line chart on uPlot (about 20 KB gzipped). Colours come from the page's CSS variables,
// so the chart follows light and dark mode.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  dashed?: boolean;
  muted?: boolean;
}

export function LineChart({ x, series, label, height = 240 }: { x: number[]; series: Series[]; label: string; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const css = getComputedStyle(document.documentElement);
    const v = (name: string) => css.getPropertyValue(name).trim();
    const axis = { stroke: v('--muted'), grid: { stroke: v('--grid'), width: 1 }, ticks: { stroke: v('--grid') } };
    const plot = new uPlot(
      {
        width: Math.max(node.clientWidth, 200),
        height,
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.muted ? v('--muted') : v('--accent'),
            width: 2,
            ...(s.dashed ? { dash: [6, 4] } : {}),
            ...(s.muted ? {} : { fill: v('--accent-fill') }),
            points: { show: x.length < 40 },
          })),
        ],
        axes: [axis, { ...axis, size: 50 }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        cursor: { drag: { x: false, y: false } },
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      node,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(node.clientWidth, 200), height }));
    ro.observe(node);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, height]);
  const first = series[0];
  const total = first ? first.values.reduce<number>((s, n) => s + (n ?? 0), 0) : 0;
  return (
    <figure className="chart">
      <div ref={el} role="img" aria-label={`${label}: ${total} in ${x.length} points`} />
    </figure>
  );
}
