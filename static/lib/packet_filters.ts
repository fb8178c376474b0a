/**
 * The Packets page's filters: which URL keys are filters, how they map to
 * `/api/packets` parameters, the filter form's fields, and the observer and
 * region lists the form offers.
 *
 * @module
 */

import { cached, supports, tryJson } from "./api.ts";
import { h } from "./dom.ts";
import { PAYLOAD_TYPES, ROUTE_TYPES, WINDOWS, windowSince } from "./format.ts";
import type { PacketFilters } from "./packet_source.ts";
import { PACKET_SORTS } from "./filtered_source.ts";
import { areaField } from "./area_filter.ts";

/** URL keys whose change reloads the rows. */
export const FILTER_KEYS = [
  "type",
  "route",
  "observer",
  "region",
  "area",
  "window",
  "node",
  "channel",
  "hash",
  "view",
  "filter",
  "sort",
];

/** An observer as the filter form lists it. */
export interface Observer {
  id: string;
  name: string | null;
  iata: string | null;
}

/** The observers and regions the form offers, and observer id → IATA for live rows. */
export interface FilterData {
  observers: Observer[];
  regions: [string, string][];
  iata: Map<string, string>;
}

/** The `/api/packets` parameters of the page's URL query. */
export function apiFilters(q: Record<string, string>): PacketFilters {
  return {
    type: q.type,
    route: q.route,
    observer: q.observer,
    region: q.region,
    area: q.area,
    node: q.node,
    channel: q.channel,
    hash: q.hash?.toLowerCase(),
    since: windowSince(q.window),
  };
}

function select(name: string, label: string, opts: [string, string][], cur: string | undefined) {
  return h(
    "label",
    { class: "fld" },
    h("span", null, label),
    h(
      "select",
      { name, ariaLabel: label },
      opts.map(([v, t]) => h("option", { value: v, selected: v === (cur ?? "") }, t)),
    ),
  );
}

function input(name: string, label: string, cur: string | undefined, ph: string) {
  return h(
    "label",
    { class: "fld" },
    h("span", null, label),
    h("input", { name, type: "search", value: cur ?? "", placeholder: ph, ariaLabel: label }),
  );
}

/** The form's fields for query `q` (each control is named after its URL key). */
export function filterFields(q: Record<string, string>, data: FilterData): HTMLElement[] {
  const obsOpts: [string, string][] = [["", "All observers"]];
  for (const o of data.observers) obsOpts.push([o.id, o.name || o.id.slice(0, 8)]);
  return [
    select("type", "Type", [["", "All types"], ...Object.entries(PAYLOAD_TYPES)], q.type),
    select("route", "Route", [["", "All routes"], ...Object.entries(ROUTE_TYPES)], q.route),
    select("observer", "Observer", obsOpts, q.observer),
    select("region", "Region", [["", "All regions"], ...data.regions], q.region),
    areaField(q.area ?? ""),
    select("window", "Time", WINDOWS, q.window),
    input("node", "Node", q.node, "key or name"),
    input("channel", "Channel", q.channel, "#name or enc_HH"),
    input("hash", "Hash", q.hash, "16 hex"),
    select("sort", "Sort", PACKET_SORTS, q.sort),
  ];
}

/** Loads the observers and regions for the form. */
export async function loadFilterData(): Promise<FilterData> {
  const [o, r] = await Promise.all([
    cached<{ observers: Observer[] }>("/api/observers").catch(() => ({ observers: [] })),
    supports("/api/config/regions").then((ok) =>
      ok ? tryJson<Record<string, string>>("/api/config/regions") : null
    ),
  ]);
  const observers = (o.observers ?? []).slice().sort((a, b) =>
    (a.name ?? "").localeCompare(b.name ?? "")
  );
  const iata = new Map<string, string>();
  const codes = new Set<string>();
  for (const x of observers) {
    if (x.iata) {
      iata.set(x.id, x.iata);
      codes.add(x.iata);
    }
  }
  const regions: [string, string][] = r && Object.keys(r).length
    ? Object.entries(r).map(([k, v]) => [k, `${k} – ${v}`])
    : [...codes].sort().map((c) => [c, c]);
  return { observers, regions, iata };
}
