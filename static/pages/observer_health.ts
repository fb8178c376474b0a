/**
 * The health part of `#/observers/<id>`: uPlot charts of the observer's noise
 * floor, airtime, receive errors, battery and packets per hour over a chosen
 * window (24 h, 3 d, 7 d, 30 d; the server downsamples to ~500 points), the
 * reboots seen, and its clock offset against the other observers.
 *
 * @module
 */

import { ApiError, getJson, tryJson } from "../lib/api.ts";
import { errorBox, h, loading } from "../lib/dom.ts";
import { int } from "../lib/format.ts";
import { fmtSkew, metricsCharts, type MetricsPoint, windowSeg } from "../lib/health_ui.ts";

/** Windows offered by the selector. */
export const METRIC_WINDOWS: [string, string][] = [
  ["24h", "24 h"],
  ["3d", "3 days"],
  ["7d", "7 days"],
  ["30d", "30 days"],
];

/** Builds the panel for observer `id`; charts load at once and on every window change. */
export function observerHealthPanel(id: string): HTMLElement {
  const charts = h("div");
  const note = h("p", { class: "mut" });
  const clock = h("p", { class: "mut" });
  let disposers: (() => void)[] = [];
  let seq = 0;
  const show = async (win: string) => {
    const my = ++seq;
    for (const d of disposers) d();
    disposers = [];
    charts.replaceChildren(loading("Loading metrics"));
    try {
      const r = await getJson<
        { metrics: MetricsPoint[]; reboots: string[]; bucket_seconds?: number }
      >(
        `/api/observers/${encodeURIComponent(id)}/metrics?window=${win}`,
      );
      if (my !== seq) return;
      const bucket = r.bucket_seconds ? `${Math.round(r.bucket_seconds / 60)}-minute points` : "";
      note.textContent = `${int(r.metrics.length)} ${bucket}` +
        (r.reboots.length ? ` · ${r.reboots.length} reboot(s) in this window` : "");
      disposers = await metricsCharts(charts, r.metrics);
    } catch (e) {
      if (my !== seq) return;
      charts.replaceChildren(
        e instanceof ApiError && e.status === 404
          ? h("div", { class: "state state-empty" }, "No status metrics for this observer.")
          : errorBox(e),
      );
    }
  };
  tryJson<{ observerID: string; offsetSec: number; samples: number }[]>(
    "/api/observers/clock-skew",
  ).then((list) => {
    const me = list?.find((o) => o.observerID.toLowerCase() === id.toLowerCase());
    clock.textContent = me
      ? `Clock offset against the other observers: ${fmtSkew(me.offsetSec)} (from ${
        int(me.samples)
      } adverts heard by several observers; positive = this observer's clock is ahead).`
      : "Clock offset: not enough adverts heard together with other observers.";
  });
  const panel = h(
    "div",
    { class: "panel observer-health" },
    h("h3", null, "Radio health over time "),
    h("div", { class: "toolbar" }, "Window: ", windowSeg(METRIC_WINDOWS, "24h", (k) => show(k))),
    note,
    charts,
    clock,
  );
  show("24h");
  return panel;
}
