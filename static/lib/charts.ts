/**
 * uPlot helpers: a multi-series time chart and a bar histogram, sized to
 * their container and coloured from the theme variables.
 *
 * @module
 */

import { empty } from "./dom.ts";
import { uplot } from "./vendor.ts";

/** One data series. */
export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function axes(xTime: boolean) {
  const stroke = themeColor("--mut", "#888");
  const grid = { stroke: themeColor("--line", "#ddd"), width: 1 };
  return [
    { stroke, grid, ticks: grid, ...(xTime ? {} : {}) },
    { stroke, grid, ticks: grid, size: 50 },
  ];
}

/** Draws `series` against `x` (unix seconds when `time`) into `el`; returns a disposer. */
export async function chart(
  el: HTMLElement,
  x: number[],
  series: Series[],
  opts: { time?: boolean; bars?: boolean; height?: number; xLabel?: (v: number) => string } = {},
): Promise<() => void> {
  if (!x.length || !series.length) {
    el.appendChild(empty("No data."));
    return () => {};
  }
  const uPlot = await uplot();
  const width = Math.max(280, el.clientWidth || 600);
  const bars = opts.bars ? uPlot.paths.bars!({ size: [0.8, 60] }) : undefined;
  const u = new uPlot(
    {
      width,
      height: opts.height ?? 220,
      scales: { x: { time: opts.time ?? false } },
      axes: axes(opts.time ?? false).map((a, i) =>
        i === 0 && opts.xLabel
          ? { ...a, values: (_u: unknown, vals: number[]) => vals.map(opts.xLabel!) }
          : a
      ),
      legend: { show: series.length > 1 },
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: opts.bars ? s.color + "99" : undefined,
          width: opts.bars ? 0 : 1.5,
          paths: bars,
          points: { show: false },
        })),
      ],
    },
    [x, ...series.map((s) => s.values)],
    el,
  );
  const ro = new ResizeObserver(() => {
    const w = el.clientWidth;
    if (w > 0 && Math.abs(w - u.width) > 4) u.setSize({ width: w, height: u.height });
  });
  ro.observe(el);
  return () => {
    ro.disconnect();
    u.destroy();
  };
}

/** Colours per payload type, matching the `.t-*` classes. */
export const TYPE_COLORS: Record<number, string> = {
  0: "#8250df",
  1: "#a371f7",
  2: "#bf8700",
  3: "#6e7781",
  4: "#2f81f7",
  5: "#1a9b4b",
  6: "#57ab5a",
  7: "#0a8a8a",
  8: "#d4691e",
  9: "#d1246b",
  10: "#6639ba",
  11: "#9a6700",
  15: "#b62324",
};

/** Fixed palette for other series. */
export const PALETTE = [
  "#2f81f7",
  "#1a9b4b",
  "#bf8700",
  "#8250df",
  "#d1246b",
  "#0a8a8a",
  "#d4691e",
  "#6e7781",
];

/** Counts `values` into bins of `width`; returns bin starts and counts. */
export function histogram(values: number[], width: number): { x: number[]; counts: number[] } {
  if (!values.length) return { x: [], counts: [] };
  const lo = Math.floor(Math.min(...values) / width) * width;
  const hi = Math.floor(Math.max(...values) / width) * width;
  const x: number[] = [];
  const counts: number[] = [];
  for (let b = lo; b <= hi; b += width) {
    x.push(b);
    counts.push(0);
  }
  for (const v of values) counts[Math.floor((v - lo) / width)]++;
  return { x, counts };
}
