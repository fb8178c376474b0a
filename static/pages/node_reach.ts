/**
 * `#/nodes/<pk>/reach`: who hears a node and whom it hears. A map with the
 * node, its links (solid when heard both ways) and the observers that heard it
 * directly, each with its distance; the roaming-client coverage cells of the
 * node as an optional layer; tables of links and observers.
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { debounce, empty, errorBox, h, kv, link, loading, replace, table } from "../lib/dom.ts";
import { hasLoc, int, num, shortKey } from "../lib/format.ts";
import { buildHash, queryObject, type RouteCtx } from "../lib/router.ts";
import { createMap, disposeMap } from "../lib/vendor.ts";
import { type CoverageFeature, drawCells, viewBbox } from "../lib/geo_ui.ts";
import { coverageEnabled } from "./rx_coverage.ts";

interface Peer {
  pubkey: string;
  name: string;
  lat: number | null;
  lon: number | null;
  distance_km: number | null;
}
interface Link extends Peer {
  role: string;
  we_hear: number;
  they_hear: number;
  bidir: boolean;
}
interface Observer extends Peer {
  count: number;
  avg_snr: number | null;
}
interface Reach {
  node: { pubkey: string; name: string; role: string; lat: number | null; lon: number | null };
  window: { days: number };
  importance: Record<string, number>;
  direct_observers: Observer[];
  links: Link[];
}

/** Leaflet treats tooltip strings as HTML: node names go in as text nodes. */
const text = (s: string) => h("span", null, s);
const km = (v: number | null) => (v === null ? "—" : `${num(v, 1)} km`);
const peerLink = (p: Peer) =>
  link(`#/nodes/${encodeURIComponent(p.pubkey)}`, p.name || shortKey(p.pubkey));

/** Mounts the node reach page. */
export function nodeReachPage(el: HTMLElement, ctx: RouteCtx) {
  const pk = decodeURIComponent(ctx.params[0]).toLowerCase();
  let q = queryObject(ctx.query);
  const days = () => (["1", "7", "14", "30"].includes(q.days) ? Number(q.days) : 7);
  const head = h("div");
  const mapEl = h("div", { class: "mapbox reach-map" });
  const body = h("div", null, loading("Computing reach"));
  el.append(head, h("div", { class: "reach-mapwrap" }, mapEl), body);
  let alive = true;
  let remove: () => void = () => {};

  async function show() {
    replace(body, loading("Computing reach"));
    try {
      const r = await getJson<Reach>(
        `/api/nodes/${encodeURIComponent(pk)}/reach` + qs({ days: days() }),
      );
      if (!alive) return;
      render(r);
      await drawMap(r);
    } catch (e) {
      replace(body, errorBox(e));
    }
  }

  function render(r: Reach) {
    const imp = r.importance;
    replace(
      head,
      h("h2", null, "Reach: ", r.node.name || shortKey(r.node.pubkey)),
      h(
        "div",
        { class: "toolbar" },
        link(`#/nodes/${encodeURIComponent(pk)}`, "← node"),
        " Window: ",
        h(
          "span",
          { class: "seg" },
          [1, 7, 14, 30].map((d) =>
            h("a", {
              href: buildHash(`/nodes/${encodeURIComponent(pk)}/reach`, { ...q, days: String(d) }),
              class: d === days() ? "on" : "",
            }, `${d}d`)
          ),
        ),
      ),
    );
    replace(
      body,
      kv([
        ["Relay observations", int(imp.relay_observations)],
        ["Links (both ways)", `${int(r.links.length)} (${int(imp.bidirectional_links)})`],
        ["Direct observers", int(imp.direct_observers)],
        [
          "Neighbour degree",
          imp.degree_rank ? `${imp.neighbor_degree} (#${imp.degree_rank})` : "—",
        ],
      ]),
      h("h3", null, "Links"),
      r.links.length
        ? table(
          ["Node", "Role", "We hear", "They hear", "Distance"],
          r.links.map((l) => [
            peerLink(l),
            l.role || "?",
            int(l.we_hear),
            int(l.they_hear),
            km(l.distance_km),
          ]),
        )
        : empty("No resolved relay links in this window."),
      h("h3", null, "Observers that heard it directly"),
      r.direct_observers.length
        ? table(
          ["Observer", "Packets", "Avg SNR", "Distance"],
          r.direct_observers.map((o) => [
            peerLink(o),
            int(o.count),
            o.avg_snr === null ? "—" : num(o.avg_snr, 1),
            km(o.distance_km),
          ]),
        )
        : empty("No observer heard it as the last hop."),
    );
  }

  async function drawMap(r: Reach) {
    const { L, map } = await createMap(mapEl);
    if (!alive) {
      disposeMap(map);
      return;
    }
    remove();
    remove = () => disposeMap(map);
    const pts: [number, number][] = [];
    const self = r.node;
    const here = hasLoc(self.lat, self.lon) ? [self.lat!, self.lon!] as [number, number] : null;
    const cov = L.layerGroup().addTo(map);
    const renderer = L.canvas({ padding: 0.2 });
    for (const l of r.links) {
      if (!hasLoc(l.lat, l.lon)) continue;
      const p: [number, number] = [l.lat!, l.lon!];
      pts.push(p);
      if (here) {
        L.polyline([here, p], {
          renderer,
          color: l.bidir ? "#1f6feb" : "#8b949e",
          weight: l.bidir ? 3 : 1.5,
          dashArray: l.bidir ? undefined : "4 4",
          className: "reach-link",
        }).bindTooltip(text(`${l.name || shortKey(l.pubkey)} · ${km(l.distance_km)}`)).addTo(map);
      }
      L.circleMarker(p, {
        renderer,
        radius: 5,
        color: "#fff",
        fillColor: "#1f6feb",
        fillOpacity: 1,
      })
        .bindTooltip(text(l.name || shortKey(l.pubkey))).addTo(map);
    }
    for (const o of r.direct_observers) {
      if (!hasLoc(o.lat, o.lon)) continue;
      pts.push([o.lat!, o.lon!]);
      L.circleMarker([o.lat!, o.lon!], {
        renderer,
        radius: 6,
        color: "#fff",
        fillColor: "#8250df",
        fillOpacity: 1,
      }).bindTooltip(text(`observer ${o.name || shortKey(o.pubkey)} · ${km(o.distance_km)}`)).addTo(
        map,
      );
    }
    if (here) {
      pts.push(here);
      L.circleMarker(here, {
        renderer,
        radius: 8,
        color: "#fff",
        fillColor: "#d1242f",
        fillOpacity: 1,
      })
        .bindTooltip(text(self.name || "this node")).addTo(map);
    }
    if (pts.length) map.fitBounds(pts, { padding: [30, 30], maxZoom: 13, animate: false });
    mapEl.dataset.points = String(pts.length);
    if (await coverageEnabled()) {
      const refresh = debounce(async () => {
        try {
          const fc = await getJson<{ features: CoverageFeature[] }>(
            `/api/nodes/${encodeURIComponent(pk)}/rx-coverage` +
              qs({ bbox: viewBbox(map), z: map.getZoom() }),
          );
          if (alive) mapEl.dataset.covCells = String(drawCells(L, cov, fc.features, renderer));
        } catch { /* coverage is optional */ }
      }, 200);
      map.on("moveend", () => refresh());
      refresh();
    }
  }

  show();
  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      show();
    },
    destroy() {
      alive = false;
      remove();
    },
  };
}
