/**
 * UI pieces shared by the health views: a window selector, an inline SVG
 * sparkline, clock-skew formatting and severity badges with their meaning,
 * and the observer metrics charts (noise floor, airtime, receive errors,
 * battery, packets per hour).
 *
 * @module
 */

import { type Child, empty, h } from "./dom.ts";
import { chart, PALETTE } from "./charts.ts";

/** One point of `/api/observers/:id/metrics`. */
export interface MetricsPoint {
  timestamp: string;
  noise_floor: number | null;
  battery_mv: number | null;
  tx_airtime_pct: number | null;
  rx_airtime_pct: number | null;
  recv_error_rate: number | null;
  packets_per_hour?: number | null;
  is_reboot_sample?: boolean;
}

/** A row of `/api/nodes/clock-skew`. */
export interface NodeSkew {
  pubkey: string;
  medianSkewSec: number;
  recentMedianSkewSec: number;
  lastSkewSec: number;
  driftPerDaySec: number;
  severity: string;
  sampleCount: number;
  goodFraction: number;
  recentBadSampleCount: number;
  recentSampleCount: number;
  calibrated: boolean;
  lastObservedTS: number;
  nodeName?: string;
  nodeRole?: string;
  samples?: { ts: number; skew: number }[];
  recentHashEvidence?: {
    hash: string;
    timestamp: number;
    medianCorrectedSkewSec: number;
    observers: {
      observerID: string;
      observerName: string;
      rawSkewSec: number;
      correctedSkewSec: number;
      observerOffsetSec: number;
      calibrated: boolean;
    }[];
  }[];
}

/** A segmented selector of `options` ([key, label]); calls `pick` with the chosen key. */
export function windowSeg(
  options: [string, string][],
  current: string,
  pick: (key: string) => void,
): HTMLElement {
  const seg = h("span", { class: "seg", role: "group", ariaLabel: "time window" });
  for (const [k, label] of options) {
    seg.append(h("button", {
      type: "button",
      class: k === current ? "on" : "",
      on: {
        click: () => {
          for (const b of seg.querySelectorAll("button")) b.classList.remove("on");
          seg.querySelector(`button[data-k="${k}"]`)?.classList.add("on");
          pick(k);
        },
      },
      data: { k },
    }, label));
  }
  return seg;
}

/** An inline SVG sparkline of `values` (nulls skipped); never parses text as markup. */
export function sparkline(values: (number | null)[], width = 120, height = 24): Element {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const nums = values.filter((v): v is number => typeof v === "number");
  if (nums.length < 2) return svg;
  const lo = Math.min(...nums), hi = Math.max(...nums);
  const span = hi - lo || 1;
  const pts: string[] = [];
  values.forEach((v, i) => {
    if (typeof v !== "number") return;
    const x = (i / Math.max(1, values.length - 1)) * (width - 2) + 1;
    const y = height - 1 - ((v - lo) / span) * (height - 2);
    pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts.join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "currentColor");
  line.setAttribute("stroke-width", "1.5");
  svg.append(line);
  return svg;
}

/** A skew in seconds as text: `+2.0 s`, `−12 min`, `+3.1 h`, `−400 d`. */
export function fmtSkew(sec: number | null | undefined): string {
  if (typeof sec !== "number" || !Number.isFinite(sec)) return "—";
  const sign = sec > 0 ? "+" : sec < 0 ? "−" : "";
  const a = Math.abs(sec);
  if (a < 90) return `${sign}${a.toFixed(1)} s`;
  if (a < 5400) return `${sign}${(a / 60).toFixed(1)} min`;
  if (a < 2 * 86_400) return `${sign}${(a / 3600).toFixed(1)} h`;
  return `${sign}${Math.round(a / 86_400)} d`;
}

/** What each severity means, for the UI. */
export const SEVERITY_TEXT: Record<string, string> = {
  ok: "Clock within 5 minutes of the receivers' time.",
  warning: "Clock off by 5 minutes to 1 hour.",
  critical: "Clock off by 1 hour to 30 days.",
  absurd: "Clock off by more than 30 days.",
  no_clock: "No usable clock: its recent adverts carry timestamps over an hour off (often an " +
    "RTC that was never set after boot).",
  bimodal_clock: "Flaky clock: some recent adverts are right, others over an hour off.",
};

/** Sort rank of a severity, worst first. */
export const SEVERITY_RANK: Record<string, number> = {
  no_clock: 0,
  absurd: 1,
  bimodal_clock: 2,
  critical: 3,
  warning: 4,
  ok: 5,
};

/** A severity badge (text only). */
export function severityBadge(sev: string): HTMLElement {
  const cls = sev === "ok" ? "ok" : sev === "warning" ? "warn" : "bad";
  return h("span", { class: `badge ${cls}`, title: SEVERITY_TEXT[sev] ?? sev }, sev);
}

/** Draws the observer metrics charts into `el`; returns the disposers. */
export async function metricsCharts(
  el: HTMLElement,
  pts: MetricsPoint[],
): Promise<(() => void)[]> {
  el.replaceChildren();
  if (!pts.length) {
    el.append(empty("No status metrics in this window."));
    return [];
  }
  const x = pts.map((p) => Math.floor(Date.parse(p.timestamp) / 1000));
  const v = (f: (p: MetricsPoint) => number | null | undefined) => pts.map((p) => f(p) ?? null);
  const defs: [string, { label: string; color: string; values: (number | null)[] }[]][] = [
    ["Noise floor (dBm)", [{
      label: "noise floor",
      color: PALETTE[0],
      values: v((p) => p.noise_floor),
    }]],
    ["Airtime (%)", [
      { label: "tx", color: PALETTE[4], values: v((p) => p.tx_airtime_pct) },
      { label: "rx", color: PALETTE[1], values: v((p) => p.rx_airtime_pct) },
    ]],
    ["Receive errors (%)", [
      { label: "errors", color: PALETTE[6], values: v((p) => p.recv_error_rate) },
    ]],
    ["Battery (mV)", [{ label: "battery", color: PALETTE[2], values: v((p) => p.battery_mv) }]],
    ["Packets received per hour", [
      { label: "packets/h", color: PALETTE[3], values: v((p) => p.packets_per_hour) },
    ]],
  ];
  const out: (() => void)[] = [];
  const grid = h("div", { class: "health-charts" });
  el.append(grid);
  for (const [title, series] of defs) {
    const box = h("div", { class: "chart", data: { chart: title } });
    grid.append(h("div", { class: "panel" }, h("h4", null, title), box));
    if (series.every((s) => s.values.every((y) => y === null))) {
      box.append(empty("Not reported."));
      continue;
    }
    out.push(await chart(box, x, series, { time: true, height: 160 }));
  }
  return out;
}

/** A labelled figure for a cards row. */
export function figure(label: string, value: Child, cls = ""): HTMLElement {
  return h("div", { class: `card ${cls}` }, h("b", null, value), h("span", null, label));
}
