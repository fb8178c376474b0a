/**
 * The area filter of the Packets, Nodes and Live pages (`?area=KEY` in the
 * page's URL, a key of the configured `areas`): the selector field, the nodes
 * of an area, and the two live-feed tests.
 *
 * - {@link advertInArea} is the list endpoints' rule (`/api/packets?area=`,
 *   as the reference applies it): an ADVERT whose originator is positioned in
 *   the area. The Packets page applies it to live rows, so a reload shows the
 *   same rows.
 * - {@link routeInArea} is the Live map's rule: a packet whose drawn route (the
 *   advert's own position, then its located hops) or whose observer lies in the
 *   area — the reference's Live page keeps only the area's nodes on the map, so
 *   traffic that never touches them has nothing to draw.
 *
 * Both are only called while an area is selected: with none, pages skip them.
 *
 * @module
 */

import { cached, getJson, qs } from "./api.ts";
import { h } from "./dom.ts";
import { hasLoc, parseJson } from "./format.ts";
import type { AreaInfo } from "./geo_ui.ts";
import type { NodeLite } from "./node_names.ts";
import { type NodeLocator, routePoints } from "./route_points.ts";

/** A selected area: its shape and the lowercase keys of the nodes positioned inside it. */
export interface AreaScope {
  area: AreaInfo;
  keys: Set<string>;
}

/** The configured areas (key and label; cached 5 min, empty on error). */
export function areaList(): Promise<{ key: string; label: string }[]> {
  return cached<{ key: string; label: string }[]>("/api/config/areas", 300_000)
    .then((a) => (Array.isArray(a) ? a : []), () => []);
}

/**
 * A labelled `<select name="area">` ("All areas" first), hidden with its label
 * until the configured areas load, and left hidden when there are none.
 * `onChange` (optional) receives the key or "" (a form can read `name` instead).
 */
export function areaField(current: string, onChange?: (key: string) => void): HTMLElement {
  const sel = h("select", { name: "area", ariaLabel: "Area" });
  if (onChange) sel.addEventListener("change", () => onChange(sel.value));
  const field = h("label", { class: "fld area-fld", hidden: true }, h("span", null, "Area"), sel);
  areaList().then((areas) => {
    if (!areas.length) return;
    sel.append(h("option", { value: "" }, "All areas"));
    for (const a of areas) sel.append(h("option", { value: a.key }, a.label || a.key));
    sel.value = areas.some((a) => a.key === current) ? current : "";
    field.hidden = false;
  });
  return field;
}

/** Every node of area `key` (`/api/nodes?area=`, 2000 per request, at most 20,000). */
export async function areaNodes(key: string, signal?: AbortSignal): Promise<NodeLite[]> {
  const out: NodeLite[] = [];
  for (let off = 0; off < 20_000; off += 2000) {
    const res = await getJson<{ nodes: NodeLite[]; total: number }>(
      "/api/nodes" + qs({ area: key, limit: 2000, offset: off }),
      signal,
    );
    out.push(...(res.nodes ?? []));
    if (!res.nodes?.length || out.length >= (res.total ?? 0)) break;
  }
  return out;
}

/** The shape and nodes of area `key`, or null when no such area is configured. */
export async function loadAreaScope(key: string, signal?: AbortSignal): Promise<AreaScope | null> {
  const shapes = await cached<AreaInfo[]>("/api/config/areas/polygons", 300_000);
  const area = (Array.isArray(shapes) ? shapes : []).find((a) => a.key === key);
  if (!area) return null;
  const nodes = await areaNodes(key, signal);
  return { area, keys: new Set(nodes.map((n) => n.public_key.toLowerCase())) };
}

/** Whether (lat, lon) lies in the area's polygon (even-odd rule) or bounding box. */
export function inArea(area: AreaInfo, lat: number, lon: number): boolean {
  const ring = area.polygon;
  if (ring && ring.length >= 3) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [yi, xi] = ring[i], [yj, xj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }
  if (
    area.latMin === undefined || area.latMax === undefined || area.lonMin === undefined ||
    area.lonMax === undefined
  ) return false;
  return lat >= area.latMin && lat <= area.latMax && lon >= area.lonMin && lon <= area.lonMax;
}

/** The corners of an area's polygon or box as `[lat, lon]` (empty when it has neither). */
export function outline(area: AreaInfo): [number, number][] {
  if (area.polygon) return area.polygon;
  const { latMin, latMax, lonMin, lonMax } = area;
  if (
    latMin === undefined || latMax === undefined || lonMin === undefined || lonMax === undefined
  ) {
    return [];
  }
  return [[latMin, lonMin], [latMax, lonMax]];
}

interface FeedRow {
  payload_type?: number;
  decoded_json?: string;
  path_json?: string;
  resolved_path?: unknown;
  observer_id?: string;
}

/**
 * The list endpoints' rule: an ADVERT whose originator lies in the area — by the
 * advert's own position when it carries one, else by the node's known position.
 */
export function advertInArea(r: FeedRow, scope: AreaScope): boolean {
  if (r.payload_type !== 4) return false;
  const d = parseJson<Record<string, unknown>>(r.decoded_json, {});
  if (hasLoc(d.lat, d.lon)) return inArea(scope.area, d.lat as number, d.lon as number);
  const pk = d.pubKey ?? d.public_key;
  return typeof pk === "string" && scope.keys.has(pk.toLowerCase());
}

/** The Live map's rule: a point of the packet's drawn route, or its observer, lies in the area. */
export function routeInArea(r: FeedRow, scope: AreaScope, loc: NodeLocator): boolean {
  if (r.payload_type === 4 && advertInArea(r, scope)) return true;
  if (r.observer_id && scope.keys.has(r.observer_id.toLowerCase())) return true;
  return routePoints(r, loc).some(([lat, lon]) => inArea(scope.area, lat, lon));
}
