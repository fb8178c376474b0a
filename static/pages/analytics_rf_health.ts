/**
 * Analytics tab "RF health": every observer's noise floor over a window (one
 * row each with current / average / maximum, battery and a sparkline,
 * noisiest first) and the noise floor and airtime of the noisiest observers
 * side by side on shared time axes.
 *
 * @module
 */

import { getJson } from "../lib/api.ts";
import { empty, errorBox, h, link, loading, table } from "../lib/dom.ts";
import { chart, PALETTE } from "../lib/charts.ts";
import { int, num } from "../lib/format.ts";
import { type MetricsPoint, sparkline, windowSeg } from "../lib/health_ui.ts";
import type { AnalyticsTab } from "../lib/analytics_tab.ts";

type Dispose = () => void;

interface SummaryRow {
  observer_id: string;
  observer_name: string | null;
  iata?: string;
  current_noise_floor: number | null;
  avg_noise_floor_24h: number | null;
  max_noise_floor_24h: number | null;
  battery_mv: number | null;
  sample_count: number;
  sparkline: (number | null)[];
}

/** Windows of the tab. */
const RF_WINDOWS: [string, string][] = [
  ["1h", "1 h"],
  ["6h", "6 h"],
  ["24h", "24 h"],
  ["3d", "3 d"],
  ["7d", "7 d"],
  ["30d", "30 d"],
];
/** Observers drawn in the side-by-side charts. */
const CHART_OBSERVERS = 8;

async function sideBySide(
  el: HTMLElement,
  rows: SummaryRow[],
  win: string,
): Promise<Dispose[]> {
  const top = rows.slice(0, CHART_OBSERVERS);
  const series = await Promise.all(top.map((r) =>
    getJson<{ metrics: MetricsPoint[] }>(
      `/api/observers/${encodeURIComponent(r.observer_id)}/metrics?window=${win}&maxPoints=150`,
    ).then((x) => x.metrics).catch(() => [] as MetricsPoint[])
  ));
  const xs = [...new Set(series.flat().map((p) => Math.floor(Date.parse(p.timestamp) / 1000)))]
    .sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const line = (pick: (p: MetricsPoint) => number | null) =>
    series.map((pts, i) => {
      const values: (number | null)[] = xs.map(() => null);
      for (const p of pts) values[at.get(Math.floor(Date.parse(p.timestamp) / 1000))!] = pick(p);
      return {
        label: top[i].observer_name || top[i].observer_id.slice(0, 8),
        color: PALETTE[i % PALETTE.length],
        values,
      };
    });
  const nf = h("div", { class: "chart", data: { chart: "rf-noise" } });
  const air = h("div", { class: "chart", data: { chart: "rf-airtime" } });
  el.replaceChildren(
    h("div", { class: "panel" }, h("h3", null, "Noise floor (dBm), noisiest observers"), nf),
    h("div", { class: "panel" }, h("h3", null, "Receive airtime (%)"), air),
  );
  return [
    await chart(nf, xs, line((p) => p.noise_floor), { time: true, height: 220 }),
    await chart(air, xs, line((p) => p.rx_airtime_pct), { time: true, height: 200 }),
  ];
}

async function render(body: HTMLElement): Promise<Dispose[]> {
  let disposers: Dispose[] = [];
  const out = h("div");
  const show = async (win: string) => {
    for (const d of disposers) d();
    disposers = [];
    out.replaceChildren(loading("Loading observer metrics"));
    try {
      const r = await getJson<{ observers: SummaryRow[] }>(
        `/api/observers/metrics/summary?window=${win}`,
      );
      const rows = r.observers ?? [];
      if (!rows.length) {
        out.replaceChildren(empty("No observer status metrics in this window."));
        return;
      }
      const charts = h("div", null, loading("Loading charts"));
      out.replaceChildren(
        h(
          "div",
          { class: "panel" },
          h("h3", null, `Observers (${rows.length}), noisiest first`),
          h(
            "div",
            { class: "scroll-x" },
            table(
              ["Observer", "IATA", "Now", "Avg", "Max", "Trend", "Battery", "Samples"],
              rows.map((o) => [
                link(
                  `#/observers/${encodeURIComponent(o.observer_id)}`,
                  o.observer_name || o.observer_id.slice(0, 8),
                ),
                o.iata || "—",
                num(o.current_noise_floor, 0),
                num(o.avg_noise_floor_24h, 1),
                num(o.max_noise_floor_24h, 0),
                sparkline(o.sparkline, 100, 20),
                o.battery_mv ? `${int(o.battery_mv)} mV` : "—",
                int(o.sample_count),
              ]),
            ),
          ),
        ),
        charts,
      );
      disposers = await sideBySide(charts, rows, win);
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  body.replaceChildren(
    h("div", { class: "toolbar" }, "Window: ", windowSeg(RF_WINDOWS, "24h", (k) => show(k))),
    out,
  );
  await show("24h");
  return [() => disposers.forEach((d) => d())];
}

/** The "RF health" tab. */
export const rfHealthTab: AnalyticsTab = { key: "rf-health", label: "RF health", render };
