/**
 * `#/nodes/<pk>`: identity, location, advert timeline, health, neighbors,
 * relay counts and liveness, and the Paths tab (paths through this node).
 *
 * @module
 */

import { ApiError, getJson, supports, tryJson } from "../lib/api.ts";
import {
  type Child,
  empty,
  errorBox,
  h,
  kv,
  link,
  loading,
  replace,
  table,
  tabs,
} from "../lib/dom.ts";
import {
  ago,
  dateTime,
  hasLoc,
  int,
  liveness,
  num,
  roleClass,
  toMs,
  typeName,
} from "../lib/format.ts";
import type { NodeLite } from "../lib/node_names.ts";
import { buildHash, queryObject, type RouteCtx } from "../lib/router.ts";
import { createMap, disposeMap } from "../lib/vendor.ts";
import { starButton } from "../lib/favourites.ts";
import { lastHeard, thresholds } from "./nodes.ts";
import { nodeHealthPanel } from "./node_health.ts";

type Obj = Record<string, unknown>;

interface PathsResponse {
  paths: {
    hops: { prefix: string; name: string | null; pubkey: string | null }[];
    count: number;
    lastSeen: string;
    sampleHash?: string;
  }[];
  totalPaths: number;
  totalTransmissions: number;
}

const nodeLink = (pk: string | null | undefined, label: string): Child =>
  pk ? link(`#/nodes/${encodeURIComponent(pk)}`, label) : label;

function card(label: string, value: string): HTMLElement {
  return h("div", { class: "card" }, h("b", null, value), h("span", null, label));
}

function timeline(times: number[]): HTMLElement {
  const box = h("div", { class: "timeline" });
  if (!times.length) return empty("No adverts recorded.");
  const min = Math.min(...times);
  const max = Math.max(...times, min + 1);
  for (const t of times) {
    const d = h("i", { title: dateTime(t) });
    d.style.left = `${((t - min) / (max - min)) * 100}%`;
    box.appendChild(d);
  }
  return h(
    "div",
    null,
    box,
    h(
      "div",
      { class: "tl-axis mut" },
      h("span", null, dateTime(min)),
      h("span", null, dateTime(max)),
    ),
  );
}

async function overview(
  body: HTMLElement,
  pk: string,
  node: NodeLite,
  adverts: Obj[],
): Promise<(() => void) | undefined> {
  const health = await tryJson<{ stats?: Obj; observers?: Obj[]; recentPackets?: Obj[] }>(
    `/api/nodes/${encodeURIComponent(pk)}/health`,
  );
  const s = health?.stats ?? {};
  const mapEl = h("div", { class: "mini-map" });
  const st = liveness(lastHeard(node), ...thresholds(node.role));
  replace(
    body,
    h(
      "div",
      { class: "grid2" },
      h(
        "div",
        { class: "panel" },
        h("h3", null, "Identity"),
        kv([
          ["Public key", h("code", null, node.public_key)],
          ["Role", h("span", { class: roleClass(node.role) }, node.role)],
          ["State", [
            h("span", { class: "dot " + st }),
            { ok: "active", warn: "degraded", dead: "silent" }[st],
          ]],
          ["Last heard", `${ago(lastHeard(node))} (${dateTime(lastHeard(node))})`],
          ["First seen", dateTime(node.first_seen)],
          ["Adverts", int(node.advert_count)],
          [
            "Hash size",
            node.hash_size
              ? `${node.hash_size} byte(s)${node.hash_size_inconsistent ? " (inconsistent)" : ""}`
              : "—",
          ],
          ["Battery", node.battery_mv ? `${node.battery_mv} mV` : "—"],
          [
            "Location",
            hasLoc(node.lat, node.lon) ? `${num(node.lat, 5)}, ${num(node.lon, 5)}` : "unknown",
          ],
          ["Foreign", node.foreign ? "yes" : "no"],
        ]),
      ),
      h(
        "div",
        { class: "panel" },
        h("h3", null, "Location"),
        hasLoc(node.lat, node.lon) ? mapEl : empty("No location advertised."),
      ),
    ),
    h(
      "div",
      { class: "cards" },
      card("Packets it sent", int(s.totalTransmissions)),
      card("Packets involving it", int(s.totalPackets)),
      card("Observations of packets involving it", int(s.totalObservations)),
      card("Packets today", int(s.packetsToday)),
      card("Avg SNR", num(s.avgSnr, 1)),
      card("Avg RSSI", num(s.avgRssi, 0)),
      card("Avg hops", num(s.avgHops, 1)),
      node.relay_count_1h !== undefined ? card("Relayed 1 h", int(node.relay_count_1h)) : null,
      node.relay_count_24h !== undefined ? card("Relayed 24 h", int(node.relay_count_24h)) : null,
      node.last_relayed ? card("Last relayed", ago(node.last_relayed)) : null,
    ),
    nodeHealthPanel(node.public_key),
    h(
      "div",
      { class: "panel" },
      h("h3", null, `Advert timeline (${adverts.length} recent)`),
      timeline(adverts.map((a) => toMs(a.timestamp ?? a.first_seen)).filter(Number.isFinite)),
    ),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Heard by observers"),
      health?.observers?.length
        ? table(
          ["Observer", "Packets", "Avg SNR", "Avg RSSI", "Last"],
          health.observers.map((o) => [
            link(
              `#/observers/${encodeURIComponent(String(o.observer_id ?? o.id ?? ""))}`,
              String(o.observer_name ?? o.name ?? o.observer_id ?? "?"),
            ),
            int(o.packetCount ?? o.count ?? o.packets),
            num(o.avgSnr ?? o.avg_snr, 1),
            num(o.avgRssi ?? o.avg_rssi, 0),
            ago(o.lastSeen ?? o.last_seen),
          ]),
        )
        : empty("No observer data."),
    ),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Recent packets"),
      health?.recentPackets?.length
        ? table(
          ["Time", "Type", "Hash"],
          health.recentPackets.slice(0, 20).map((p) => [
            dateTime(p.timestamp ?? p.first_seen),
            typeName(p.payload_type as number),
            link(`#/packets?sel=${encodeURIComponent(String(p.hash))}`, String(p.hash)),
          ]),
        )
        : empty("No recent packets."),
    ),
  );
  if (hasLoc(node.lat, node.lon)) {
    const { L, map } = await createMap(mapEl);
    const ll: [number, number] = [node.lat as number, node.lon as number];
    map.setView(ll, 11, { animate: false });
    L.circleMarker(ll, { radius: 8, color: "#1f6feb", fillOpacity: 0.7 })
      .bindTooltip(h("span", null, node.name ?? node.public_key.slice(0, 8)))
      .addTo(map);
    return () => disposeMap(map);
  }
  return undefined;
}

async function neighbors(body: HTMLElement, pk: string) {
  if (!(await supports(`/api/nodes/${pk}/neighbors`))) {
    return replace(body, empty("This server does not report neighbors."));
  }
  const r = await getJson<{ neighbors: Obj[] }>(`/api/nodes/${encodeURIComponent(pk)}/neighbors`);
  replace(
    body,
    r.neighbors?.length
      ? table(
        ["Neighbor", "Prefix", "Count", "Score", "Avg SNR", "Distance", "Last seen"],
        r.neighbors.map((n) => [
          nodeLink(n.pubkey as string, String(n.name ?? n.prefix ?? "?")),
          h("code", null, String(n.prefix ?? "")),
          int(n.count),
          num(n.score, 2),
          num(n.avg_snr, 1),
          typeof n.distance_km === "number" ? `${num(n.distance_km, 1)} km` : "—",
          [ago(n.last_seen), n.ambiguous ? h("span", { class: "badge warn" }, "ambiguous") : null],
        ]),
      )
      : empty("No neighbors recorded."),
  );
}

async function paths(body: HTMLElement, pk: string) {
  let r: PathsResponse;
  try {
    r = await getJson<PathsResponse>(`/api/nodes/${encodeURIComponent(pk)}/paths`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 503) {
      return replace(body, empty("The path index is still building; try again shortly."));
    }
    throw e;
  }
  replace(
    body,
    h(
      "p",
      { class: "mut" },
      `${int(r.totalPaths)} distinct paths over ${
        int(r.totalTransmissions)
      } transmissions relayed through this node (top ${r.paths?.length ?? 0}).`,
    ),
    r.paths?.length
      ? table(
        ["Path", "Hops", "Count", "Last seen", "Sample"],
        r.paths.map((p) => [
          h(
            "span",
            { class: "chain" },
            p.hops.map((x, i) => [
              i ? h("span", { class: "mut" }, " › ") : null,
              nodeLink(x.pubkey, x.name || x.prefix),
              x.pubkey === pk ? h("span", { class: "badge ok" }, "this") : null,
            ]),
          ),
          String(p.hops.length),
          int(p.count),
          ago(p.lastSeen),
          p.sampleHash
            ? link(`#/packets?sel=${encodeURIComponent(p.sampleHash)}`, p.sampleHash)
            : "—",
        ]),
        "tbl paths",
      )
      : empty("No paths through this node."),
  );
}

/** Mounts the node detail page. */
export function nodeDetailPage(el: HTMLElement, ctx: RouteCtx) {
  const pk = ctx.params[0];
  let q = queryObject(ctx.query);
  let cleanup: (() => void) | void;
  const head = h("div");
  const tabBar = h("div");
  const body = h("div", null, loading("Loading node"));
  el.append(h("p", null, link("#/nodes", "← Nodes")), head, tabBar, body);
  let data: { node: NodeLite; recentAdverts?: Obj[] } | null = null;

  async function show() {
    cleanup?.();
    cleanup = undefined;
    const tab = q.tab ?? "overview";
    replace(
      tabBar,
      tabs(
        [["overview", "Overview"], ["neighbors", "Neighbors"], ["paths", "Paths"]],
        tab,
        (k) =>
          buildHash(`/nodes/${encodeURIComponent(pk)}`, { tab: k === "overview" ? undefined : k }),
      ),
    );
    replace(body, loading());
    try {
      if (!data) {
        data = await getJson(`/api/nodes/${encodeURIComponent(pk)}`);
        const n = data!.node;
        replace(
          head,
          h(
            "h2",
            null,
            h("span", { class: "legend-sw " + roleClass(n.role) }),
            n.name ?? "(unnamed)",
            h("span", { class: "badge" }, n.role),
            h("code", { class: "badge" }, n.public_key.slice(0, 16)),
            starButton(n.public_key),
          ),
        );
        document.title = `${n.name ?? pk.slice(0, 8)} · hopwatch`;
      }
      if (tab === "paths") await paths(body, data!.node.public_key);
      else if (tab === "neighbors") await neighbors(body, data!.node.public_key);
      else {cleanup = await overview(
          body,
          data!.node.public_key,
          data!.node,
          data!.recentAdverts ?? [],
        );}
    } catch (e) {
      replace(body, errorBox(e));
    }
  }
  show();
  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      show();
    },
    destroy() {
      cleanup?.();
      document.title = "hopwatch";
    },
  };
}
