/**
 * The health part of `#/nodes/<pk>`: battery voltage and temperature over
 * time (from the node's status messages when it is an observer, and from the
 * telemetry in its adverts), and its clock skew with what the figure means,
 * the skew over time and the evidence of its latest adverts.
 *
 * @module
 */

import { getJson } from "../lib/api.ts";
import { empty, errorBox, h, kv, link, loading, table } from "../lib/dom.ts";
import { chart, PALETTE } from "../lib/charts.ts";
import { dateTime, int, num } from "../lib/format.ts";
import { fmtSkew, type NodeSkew, SEVERITY_TEXT, severityBadge } from "../lib/health_ui.ts";

interface Battery {
  samples: { timestamp: string; battery_mv: number }[];
  temperature?: { timestamp: string; temperature_c: number }[];
  latest_mv: number | null;
  status: string;
  thresholds: { low_mv: number; critical_mv: number };
}

const secs = (t: string) => Math.floor(Date.parse(t) / 1000);

async function battery(el: HTMLElement, pk: string) {
  const b = await getJson<Battery>(`/api/nodes/${encodeURIComponent(pk)}/battery?days=30`);
  el.replaceChildren();
  if (!b.samples.length && !b.temperature?.length) {
    el.append(empty("No battery or temperature reports in the last 30 days."));
    return;
  }
  const cls = b.status === "ok" ? "ok" : b.status === "unknown" ? "" : "bad";
  el.append(h(
    "p",
    null,
    "Battery: ",
    b.latest_mv !== null ? `${int(b.latest_mv)} mV ` : "— ",
    h("span", { class: `badge ${cls}` }, b.status),
    h(
      "span",
      { class: "mut" },
      ` (low below ${b.thresholds.low_mv} mV, critical below ${b.thresholds.critical_mv} mV)`,
    ),
  ));
  if (b.samples.length) {
    const box = h("div", { class: "chart", data: { chart: "battery" } });
    el.append(box);
    await chart(box, b.samples.map((s) => secs(s.timestamp)), [
      { label: "battery mV", color: PALETTE[2], values: b.samples.map((s) => s.battery_mv) },
    ], { time: true, height: 160 });
  }
  if (b.temperature?.length) {
    const box = h("div", { class: "chart", data: { chart: "temperature" } });
    el.append(h("h4", null, "Temperature (°C)"), box);
    await chart(box, b.temperature.map((s) => secs(s.timestamp)), [
      { label: "°C", color: PALETTE[4], values: b.temperature.map((s) => s.temperature_c) },
    ], { time: true, height: 140 });
  }
}

async function clockSkew(el: HTMLElement, pk: string) {
  const s = await getJson<NodeSkew | null>(
    `/api/nodes/${encodeURIComponent(pk)}/clock-skew?missing=null`,
  );
  if (!s) {
    el.replaceChildren(empty("No advert with a usable timestamp yet."));
    return;
  }
  el.replaceChildren(
    h("p", null, severityBadge(s.severity), " ", SEVERITY_TEXT[s.severity] ?? ""),
    kv([
      ["Current skew", `${fmtSkew(s.recentMedianSkewSec)} (median of the latest adverts)`],
      ["Median (all adverts)", fmtSkew(s.medianSkewSec)],
      ["Drift", s.driftPerDaySec ? `${num(s.driftPerDaySec, 2)} s/day` : "—"],
      ["Good recent samples", `${Math.round(s.goodFraction * 100)} % of ${s.recentSampleCount}`],
      ["Sightings", `${int(s.sampleCount)}${s.calibrated ? " (observer clocks corrected)" : ""}`],
    ]),
    h(
      "p",
      { class: "mut" },
      "Skew = the time in the node's advert minus the time observers received it, corrected " +
        "by each observer's own clock offset. Positive = the node's clock is ahead.",
    ),
  );
  if (s.samples && s.samples.length > 1) {
    const box = h("div", { class: "chart", data: { chart: "skew" } });
    el.append(h("h4", null, "Skew per advert (s)"), box);
    await chart(box, s.samples.map((p) => p.ts), [
      { label: "skew s", color: PALETTE[0], values: s.samples.map((p) => p.skew) },
    ], { time: true, height: 140 });
  }
  const ev = s.recentHashEvidence ?? [];
  if (ev.length) {
    el.append(
      h("h4", null, "Latest adverts"),
      h(
        "div",
        { class: "scroll-x" },
        table(
          ["Advert", "Heard", "Observers", "Corrected skew"],
          ev.map((e) => [
            link(`#/packets?sel=${encodeURIComponent(e.hash)}`, e.hash),
            dateTime(e.timestamp * 1000),
            e.observers.map((o) => o.observerName).join(", "),
            fmtSkew(e.medianCorrectedSkewSec),
          ]),
        ),
      ),
    );
  }
}

/** Builds the node health panels for `pk` (they load themselves). */
export function nodeHealthPanel(pk: string): HTMLElement {
  const bat = h("div", null, loading("Loading battery"));
  const clk = h("div", null, loading("Loading clock skew"));
  battery(bat, pk).catch((e) => bat.replaceChildren(errorBox(e)));
  clockSkew(clk, pk).catch((e) => clk.replaceChildren(errorBox(e)));
  return h(
    "div",
    { class: "grid2 node-health" },
    h("div", { class: "panel" }, h("h3", null, "Battery & temperature"), bat),
    h("div", { class: "panel" }, h("h3", null, "Clock"), clk),
  );
}
