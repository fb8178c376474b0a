/**
 * `#/observers` (list with health: last packet, packets per hour, state) and
 * `#/observers/<id>` (detail with recent packets).
 *
 * @module
 */

import { getJson, qs, supports, tryJson } from "../lib/api.ts";
import { empty, errorBox, h, kv, link, loading, replace, table } from "../lib/dom.ts";
import { ago, dateTime, HEALTH, int, liveness, num, typeClass, typeName } from "../lib/format.ts";
import type { RouteCtx } from "../lib/router.ts";
import { type PacketRow, summary } from "../lib/packet_source.ts";
import { stamp } from "../lib/time_label.ts";
import {
  countsHint,
  lastPacketAt,
  lastPacketText,
  REPORTED_LABEL,
  storedHeading,
} from "../lib/observer_labels.ts";
import { observerHealthPanel } from "./observer_health.ts";
import { sparkline } from "../lib/health_ui.ts";

/** Observer fields the UI shows. */
export interface Observer {
  id: string;
  name?: string | null;
  iata?: string | null;
  last_seen?: string | null;
  first_seen?: string | null;
  last_packet_at?: string | null;
  packet_count?: number;
  packetsLastHour?: number;
  model?: string | null;
  firmware?: string | null;
  client_version?: string | null;
  radio?: string | null;
  battery_mv?: number | null;
  uptime_secs?: number | null;
  noise_floor?: number | null;
  lat?: number | null;
  lon?: number | null;
}

const LABEL = { ok: "online", warn: "stale", dead: "offline" };

/** Observer state from its last packet: online ≤ 60 min, stale ≤ 24 h, else offline. */
export function observerState(o: Observer): "ok" | "warn" | "dead" {
  return liveness(
    lastPacketAt(o),
    HEALTH.observerDegradedMs,
    HEALTH.observerSilentMs,
  );
}

function stateCell(o: Observer) {
  const s = observerState(o);
  return [h("span", { class: "dot " + s }), LABEL[s]];
}

/** Mounts the observers list. */
export function observersPage(el: HTMLElement) {
  const body = h("div", null, loading("Loading observers"));
  el.append(h("h2", null, "Observers"), body);
  Promise.all([
    getJson<{ observers: Observer[] }>("/api/observers"),
    tryJson<{ observers: { observer_id: string; sparkline: (number | null)[] }[] }>(
      "/api/observers/metrics/summary?window=24h",
    ),
  ]).then(([r, sum]) => {
    const spark = new Map((sum?.observers ?? []).map((x) => [x.observer_id, x.sparkline]));
    const obs = (r.observers ?? []).slice().sort((a, b) =>
      String(lastPacketAt(b) ?? "").localeCompare(
        String(lastPacketAt(a) ?? ""),
      )
    );
    const counts = { ok: 0, warn: 0, dead: 0 };
    for (const o of obs) counts[observerState(o)]++;
    replace(
      body,
      h(
        "p",
        { class: "mut" },
        `${obs.length} observers · ${counts.ok} online · ${counts.warn} stale · ${counts.dead} offline`,
      ),
      obs.length
        ? h(
          "div",
          { class: "scroll-x" },
          table(
            [
              "Observer",
              "IATA",
              "State",
              "Last packet",
              "Last status",
              "Noise",
              "Noise 24 h",
              "Pkts/h",
              "Reported",
              "Model",
              "Firmware",
              "Battery",
            ],
            obs.map((o) => [
              link(`#/observers/${encodeURIComponent(o.id)}`, o.name || o.id.slice(0, 8)),
              o.iata ?? "—",
              stateCell(o),
              h("span", { title: dateTime(lastPacketAt(o)) }, ago(lastPacketAt(o))),
              ago(o.last_seen),
              typeof o.noise_floor === "number" ? `${num(o.noise_floor, 0)} dBm` : "—",
              spark.has(o.id) ? sparkline(spark.get(o.id)!, 90, 18) : "—",
              int(o.packetsLastHour),
              int(o.packet_count),
              o.model ?? "—",
              o.firmware ?? "—",
              o.battery_mv ? `${o.battery_mv} mV` : "—",
            ]),
          ),
        )
        : empty("No observers yet."),
    );
  }, (e) => replace(body, errorBox(e)));
}

/** Mounts one observer's detail. */
export function observerDetailPage(el: HTMLElement, ctx: RouteCtx) {
  const id = ctx.params[0];
  const body = h("div", null, loading("Loading observer"));
  el.append(h("p", null, link("#/observers", "← Observers")), body);
  (async () => {
    let o = await supports(`/api/observers/${id}`)
      ? await tryJson<Observer & { observer?: Observer }>(
        `/api/observers/${encodeURIComponent(id)}`,
      )
      : null;
    if (o?.observer) o = o.observer;
    if (!o) {
      const all = await getJson<{ observers: Observer[] }>("/api/observers");
      o = all.observers.find((x) => x.id.toLowerCase() === id.toLowerCase()) ?? null;
    }
    if (!o) throw new Error(`Observer "${id}" not found`);
    const recent = await getJson<{ packets: PacketRow[]; total: number }>(
      "/api/packets" + qs({ observer: o.id, limit: 50 }),
    ).catch(() => ({ packets: [], total: 0 }));
    replace(
      body,
      h(
        "h2",
        null,
        h("span", { class: "dot " + observerState(o) }),
        o.name || o.id.slice(0, 8),
        h("span", { class: "badge" }, o.iata ?? ""),
      ),
      h(
        "div",
        { class: "grid2" },
        h(
          "div",
          { class: "panel" },
          h("h3", null, "Identity"),
          kv([
            ["ID", h("code", null, o.id)],
            ["State", stateCell(o)],
            ["Last packet", lastPacketText(o)],
            ["Last status", dateTime(o.last_seen)],
            ["First seen", dateTime(o.first_seen)],
            ["Model", o.model ?? "—"],
            ["Firmware", o.firmware ?? "—"],
            ["Client", o.client_version ?? "—"],
            ["Radio", o.radio ?? "—"],
          ]),
        ),
        h(
          "div",
          { class: "panel" },
          h("h3", null, "Health"),
          kv([
            ["Packets last hour", int(o.packetsLastHour)],
            [
              REPORTED_LABEL,
              h("span", { title: countsHint(o, recent.total) }, int(o.packet_count)),
            ],
            ["Packets stored here", int(recent.total)],
            ["Battery", o.battery_mv ? `${o.battery_mv} mV` : "—"],
            ["Uptime", o.uptime_secs ? `${num(o.uptime_secs / 3600, 1)} h` : "—"],
            [
              "Noise floor",
              o.noise_floor !== null && o.noise_floor !== undefined
                ? `${num(o.noise_floor, 0)} dBm`
                : "—",
            ],
          ]),
        ),
      ),
      h(
        "div",
        { class: "panel" },
        h(
          "h3",
          null,
          storedHeading(recent.packets.length, recent.total),
          " ",
          link(`#/packets?observer=${encodeURIComponent(o.id)}`, "open in Packets →"),
        ),
        recent.packets.length
          ? table(
            ["First seen", "Type", "Hash", "SNR", "Summary"],
            recent.packets.map((p) => [
              stamp(p.first_seen),
              h("span", { class: "tcell " + typeClass(p.payload_type) }, typeName(p.payload_type)),
              link(`#/packets?sel=${encodeURIComponent(p.hash)}`, p.hash),
              num(p.snr, 1),
              summary(p),
            ]),
          )
          : empty("No packets from this observer."),
      ),
      observerHealthPanel(o.id),
    );
  })().catch((e) => replace(body, errorBox(e)));
}
