/**
 * `#/map`: every located node by role on a canvas-rendered Leaflet map, with
 * grid clustering below zoom 13 and DOM-node popups (linking the node and its
 * reach page); configured area outlines, a filter by area (`?area=`) and an
 * RX coverage layer of hex cells (`?cov=1`, when the server serves coverage).
 *
 * @module
 */

import { errorBox, h, link, replace } from "../lib/dom.ts";
import { ago, hasLoc, roleClass, ROLES } from "../lib/format.ts";
import { gridCluster, robustBounds } from "../lib/cluster.ts";
import { allNodes, type NodeLite } from "../lib/node_names.ts";
import { buildHash, go, queryObject, type RouteCtx } from "../lib/router.ts";
import { createMap, disposeMap } from "../lib/vendor.ts";
import { insideBounds, offlineFallback } from "../lib/map_offline.ts";
import { getJson, qs } from "../lib/api.ts";
import {
  areaSelect,
  areaShapes,
  type CoverageFeature,
  drawAreas,
  drawCells,
  viewBbox,
} from "../lib/geo_ui.ts";
import { coverageEnabled } from "./rx_coverage.ts";

const ROLE_COLORS: Record<string, string> = {
  repeater: "#1f6feb",
  room: "#8250df",
  companion: "#1a7f37",
  sensor: "#bf8700",
};

function popup(n: NodeLite): HTMLElement {
  return h(
    "div",
    null,
    h("div", { class: "popup-name" }, n.name ?? "(unnamed)"),
    h("div", { class: roleClass(n.role) }, n.role),
    h("div", { class: "mut" }, `heard ${ago(n.last_heard ?? n.last_seen)}`),
    link(`#/nodes/${encodeURIComponent(n.public_key)}`, "Open node →"),
    " ",
    link(`#/nodes/${encodeURIComponent(n.public_key)}/reach`, "Reach →"),
  );
}

/** Mounts the map page. */
export function mapPage(el: HTMLElement, ctx: RouteCtx) {
  el.classList.add("page-full");
  let q = queryObject(ctx.query);
  const mapEl = h("div", { class: "mapbox" });
  const overlay = h("div", { class: "map-overlay" });
  el.append(h("div", { class: "mapbox" }, mapEl, overlay));
  let alive = true;
  let redraw: () => void = () => {};
  let remove: () => void = () => {};
  let covOk = false;
  let syncGeo: () => void = () => {};
  let areaKeys: Set<string> | null = null;
  let shownArea = "";

  const hidden = () => new Set((q.hide ?? "").split(",").filter(Boolean));

  function renderOverlay(counts: Record<string, number>, total: number) {
    const hid = hidden();
    replace(
      overlay,
      h("b", null, `${total.toLocaleString("en-US")} located nodes`),
      [...ROLES, "other"].map((r) =>
        h(
          "label",
          null,
          h("input", {
            type: "checkbox",
            checked: !hid.has(r),
            on: {
              change: (e) => {
                const s = hidden();
                if ((e.target as HTMLInputElement).checked) s.delete(r);
                else s.add(r);
                go(buildHash("/map", { ...q, hide: [...s].join(",") || undefined }), true);
              },
            },
          }),
          " ",
          h("span", { class: "legend-sw " + roleClass(r) }),
          `${r} (${counts[r] ?? 0})`,
        )
      ),
      areaSelect(
        q.area ?? "",
        (area) => go(buildHash("/map", { ...q, area: area || undefined }), true),
      ),
      covOk
        ? h(
          "label",
          null,
          h("input", {
            type: "checkbox",
            checked: q.cov === "1",
            on: {
              change: (e) =>
                go(
                  buildHash("/map", {
                    ...q,
                    cov: (e.target as HTMLInputElement).checked ? "1" : undefined,
                  }),
                  true,
                ),
            },
          }),
          " RX coverage",
        )
        : null,
    );
  }

  (async () => {
    const [made, nodes, areas, cov] = await Promise.all([
      createMap(mapEl),
      allNodes(),
      areaShapes(),
      coverageEnabled(),
    ]);
    const { L, map } = made;
    if (!alive) {
      disposeMap(map);
      return;
    }
    covOk = cov;
    remove = () => disposeMap(map);
    const areaLayer = L.layerGroup().addTo(map);
    const covLayer = L.layerGroup().addTo(map);
    const covRenderer = L.canvas({ padding: 0.2 });
    let covSeq = 0;
    const drawCoverage = async () => {
      const my = ++covSeq;
      if (!covOk || q.cov !== "1") {
        covLayer.clearLayers();
        return;
      }
      try {
        const fc = await getJson<{ features: CoverageFeature[] }>(
          "/api/rx-coverage" + qs({ bbox: viewBbox(map), z: map.getZoom(), days: 7 }),
        );
        if (my === covSeq && alive) {
          mapEl.dataset.covCells = String(drawCells(L, covLayer, fc.features, covRenderer));
        }
      } catch { /* the node map stays usable without coverage */ }
    };
    const loadArea = async () => {
      const area = q.area ?? "";
      if (area === shownArea) return;
      shownArea = area;
      areaLayer.clearLayers();
      mapEl.dataset.areas = String(drawAreas(L, areaLayer, areas, area));
      areaKeys = null;
      if (area) {
        const r = await getJson<{ nodes: { public_key: string }[] }>(
          "/api/nodes" + qs({ area, limit: 2000 }),
        );
        areaKeys = new Set(r.nodes.map((n) => n.public_key));
      }
    };
    shownArea = "-";
    await loadArea();
    const located = nodes.filter((n) => hasLoc(n.lat, n.lon));
    const counts: Record<string, number> = {};
    for (const n of located) {
      const r = ROLES.includes(n.role) ? n.role : "other";
      counts[r] = (counts[r] ?? 0) + 1;
    }
    renderOverlay(counts, located.length);
    const bb = robustBounds(located.map((n) => [n.lat as number, n.lon as number]));
    if (bb) map.fitBounds(bb, { padding: [20, 20], maxZoom: 12, animate: false });
    offlineFallback(mapEl, made, insideBounds(located, bb));
    const layer = L.layerGroup().addTo(map);
    const renderer = L.canvas({ padding: 0.3 });
    redraw = () => {
      layer.clearLayers();
      const hid = hidden();
      const zoom = map.getZoom();
      const bounds = map.getBounds().pad(0.3);
      const vis = located.filter((n) =>
        !hid.has(ROLES.includes(n.role) ? n.role : "other") &&
        (!areaKeys || areaKeys.has(n.public_key)) &&
        bounds.contains([n.lat as number, n.lon as number])
      );
      const pts = vis.map((n) => {
        const p = map.project([n.lat as number, n.lon as number], zoom);
        return { x: p.x, y: p.y, item: n };
      });
      const clusters = zoom >= 13
        ? pts.map((p) => ({ x: p.x, y: p.y, items: [p.item] }))
        : gridCluster(pts, 56);
      for (const c of clusters) {
        const ll = map.unproject([c.x, c.y], zoom);
        if (c.items.length === 1) {
          const n = c.items[0];
          L.circleMarker([n.lat as number, n.lon as number], {
            renderer,
            radius: 6,
            weight: 1,
            color: "#fff",
            fillColor: ROLE_COLORS[n.role] ?? "#6e7781",
            fillOpacity: 0.9,
          }).bindPopup(() => popup(n)).addTo(layer);
        } else {
          const m = L.circleMarker(ll, {
            renderer,
            radius: Math.min(22, 9 + Math.sqrt(c.items.length) * 1.5),
            weight: 2,
            color: "#1f6feb",
            fillColor: "#1f6feb",
            fillOpacity: 0.35,
          }).bindTooltip(h("b", null, String(c.items.length)), {
            permanent: true,
            direction: "center",
            className: "ctip",
          });
          m.on("click", () => map.setView(ll, Math.min(zoom + 2, 18)));
          m.addTo(layer);
        }
      }
    };
    map.on("moveend", () => {
      redraw();
      drawCoverage();
    });
    redraw();
    drawCoverage();
    syncGeo = async () => {
      renderOverlay(counts, located.length);
      await loadArea();
      redraw();
      drawCoverage();
    };
  })().catch((e) => mapEl.appendChild(errorBox(e)));

  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      syncGeo();
      redraw();
    },
    destroy() {
      alive = false;
      remove();
    },
  };
}
