/**
 * `#/live`: a Leaflet map animating each packet's route from its resolved
 * hops, a feed beside it, pause and rewind of the last minutes, and the
 * connection state with reconnect. With `?area=KEY` the map keeps the area's
 * outline and nodes and the feed the packets whose route or observer touches
 * it (see `area_filter.ts`).
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { errorBox, h, replace } from "../lib/dom.ts";
import { toMs } from "../lib/format.ts";
import { allNodes } from "../lib/node_names.ts";
import { frameToRow, type PacketRow } from "../lib/packet_source.ts";
import { FeedGroups } from "../lib/feed_groups.ts";
import { insideBounds, offlineFallback } from "../lib/map_offline.ts";
import { NodeLocator, routePoints } from "../lib/route_points.ts";
import { robustBounds } from "../lib/cluster.ts";
import { createMap, disposeMap } from "../lib/vendor.ts";
import { onWsState, reconnectNow } from "../lib/ws.ts";
import { onFrameBatch } from "../lib/frame_batcher.ts";
import { buildHash, go, queryObject, type RouteCtx } from "../lib/router.ts";
import {
  areaField,
  type AreaScope,
  loadAreaScope,
  outline,
  routeInArea,
} from "../lib/area_filter.ts";
import { drawAreas } from "../lib/geo_ui.ts";
import { routeAnimator } from "../lib/route_anim.ts";

const KEEP_MS = 15 * 60_000;
const MAX_BUFFER = 2000;
const MAX_ANIM = 40;
/** New route animations started per second at most (see `route_anim.ts`). */
const ANIM_PER_SEC = 25;
/** Feed rows highlighted as new per second at most (see `highlight`). */
const FRESH_PER_SEC = 10;
const DOT = { radius: 2.5, weight: 0, fillOpacity: 0.5, fillColor: "#888", interactive: false };
const TYPE_COLORS: Record<number, string> = {
  4: "#2f81f7",
  5: "#1a9b4b",
  2: "#bf8700",
  9: "#d1246b",
  8: "#d4691e",
};

/** Mounts the live page. */
export function livePage(el: HTMLElement, ctx: RouteCtx) {
  let q = queryObject(ctx.query);
  el.classList.add("page-full");
  const mapEl = h("div", { class: "mapbox" });
  const feed = h("ul", { class: "feed-list", ariaLabel: "Live feed" });
  const stateEl = h("div", { class: "mut" });
  const statusEl = h("div", { class: "mut" });
  const pauseBtn = h("button", { class: "btn", type: "button" }, "Pause");
  const rewindSel = h(
    "select",
    { ariaLabel: "Rewind" },
    h("option", { value: "" }, "Rewind…"),
    [1, 5, 10, 15].map((m) => h("option", { value: String(m) }, `last ${m} min`)),
  );
  const areaSel = areaField(q.area ?? "", (area) => {
    go(buildHash("/live", { ...q, area: area || undefined }), true);
  });
  const overlay = h(
    "div",
    { class: "map-overlay" },
    stateEl,
    h("div", { class: "row" }, pauseBtn, " ", rewindSel),
    areaSel,
    statusEl,
  );
  el.append(
    h(
      "div",
      { class: "live" },
      h("div", { class: "mapbox-wrap mapbox" }, mapEl, overlay),
      h(
        "div",
        { class: "feed" },
        h("div", { class: "toolbar" }, h("b", null, "Feed"), h("span", { class: "grow" })),
        feed,
      ),
    ),
  );

  let buffer: PacketRow[] = [];
  let paused = false;
  let replayTimer: ReturnType<typeof setTimeout> | undefined;
  let replaying = false;
  let alive = true;
  let loc = new NodeLocator([]);
  let drawRoute: ((r: PacketRow) => void) | null = null;
  let stopAnims: (() => void) | null = null;
  let shown = 0;
  let mapRef: Parameters<typeof disposeMap>[0] | null = null;
  const groups = new FeedGroups(feed, 200);
  // The selected area ("" for none) and its shape and nodes once loaded (null until then).
  let areaKey = q.area ?? "";
  let scope: AreaScope | null = null;
  let unknownArea = false;
  let areaCtl: AbortController | null = null;
  let drawBase: (() => void) | null = null;
  /** Whether a row is shown: always without an area, else when it touches the loaded area. */
  const inScope = (r: PacketRow) => !areaKey || (scope !== null && routeInArea(r, scope, loc));

  const offState = onWsState((s, retry) => {
    replace(
      stateEl,
      h("span", { class: "dot " + (s === "open" ? "ok" : s === "connecting" ? "warn" : "dead") }),
      s === "open"
        ? "Connected"
        : s === "connecting"
        ? "Connecting…"
        : `Disconnected, retry in ${Math.round(retry / 1000)} s `,
      s === "closed"
        ? h("button", { class: "btn", type: "button", on: { click: reconnectNow } }, "Retry")
        : null,
    );
  });

  function status() {
    statusEl.textContent = replaying
      ? "Replaying…"
      : paused
      ? `Paused · ${buffer.length} buffered`
      : `${groups.size} packets (${shown} observations) shown · ${buffer.length} buffered` +
        (unknownArea ? ` · no configured area "${areaKey}"` : "");
  }

  // Highlighting a row repaints it every frame for 1.2 s: at most FRESH_PER_SEC rows a second
  // get the highlight, so a busy mesh does not keep hundreds of rows animating at once.
  let freshAt = 0;
  let freshUsed = 0;
  function highlight(): boolean {
    const now = performance.now();
    if (now - freshAt >= 1000) {
      freshAt = now;
      freshUsed = 0;
    }
    return ++freshUsed <= FRESH_PER_SEC;
  }

  function show(r: PacketRow, fresh = true) {
    shown += Math.max(1, Number(r.count ?? 1) || 1);
    drawRoute?.(r);
    groups.add(r, fresh && highlight());
    status();
  }

  function remember(r: PacketRow) {
    buffer.push(r);
    const cut = Date.now() - KEEP_MS;
    // Trimmed with slack: one filter per MAX_BUFFER / 4 rows, not one per row once full.
    if (buffer.length > MAX_BUFFER * 1.25 || toMs(buffer[0].timestamp) < cut) {
      buffer = buffer.filter((x) => toMs(x.timestamp) >= cut).slice(-MAX_BUFFER);
    }
  }

  // Rendered once per animation frame: the newest MAX_ANIM rows of it are shown (older ones
  // would lose their route animation at once); every row is buffered for rewind.
  const offFrame = onFrameBatch((frames) => {
    const rows = frames.map((f) => {
      const r = frameToRow(f);
      (r as PacketRow & { resolved_path?: unknown }).resolved_path = f.resolved_path;
      remember(r);
      return r;
    });
    const visible = areaKey ? rows.filter(inScope) : rows;
    if (!paused && !replaying) visible.slice(-MAX_ANIM).forEach((r) => show(r));
    status();
  });

  pauseBtn.addEventListener("click", () => {
    paused = !paused;
    pauseBtn.textContent = paused ? "Resume" : "Pause";
    pauseBtn.classList.toggle("warn", paused);
    status();
  });

  function stopReplay() {
    clearTimeout(replayTimer);
    replaying = false;
    rewindSel.value = "";
    status();
  }

  rewindSel.addEventListener("change", () => {
    stopReplay();
    const mins = Number(rewindSel.value);
    if (!mins) return;
    const from = Date.now() - mins * 60_000;
    const items = buffer.filter((r) => toMs(r.timestamp) >= from && inScope(r));
    if (!items.length) {
      statusEl.textContent = "Nothing buffered in that window.";
      rewindSel.value = "";
      return;
    }
    replaying = true;
    stopAnims?.();
    groups.clear();
    const t0 = toMs(items[0].timestamp);
    const speed = Math.max(10, (mins * 60_000) / 20_000);
    const start = performance.now();
    let i = 0;
    const step = () => {
      if (!alive || !replaying) return;
      const now = performance.now() - start;
      while (i < items.length && (toMs(items[i].timestamp) - t0) / speed <= now) {
        show(items[i++], false);
      }
      if (i >= items.length) stopReplay();
      else replayTimer = setTimeout(step, 50);
    };
    step();
    status();
  });

  (async () => {
    const [made, nodes, seed] = await Promise.all([
      createMap(mapEl),
      allNodes().catch(() => []),
      getJson<{ packets: PacketRow[] }>(
        "/api/packets" +
          qs({ limit: 500, order: "asc", since: new Date(Date.now() - KEEP_MS).toISOString() }),
      ).catch(() => ({ packets: [] })),
    ]);
    const { L, map } = made;
    if (!alive) {
      disposeMap(map);
      return;
    }
    mapRef = map;
    loc = new NodeLocator(nodes);
    const bb = robustBounds(loc.located.map((n) => [n.lat as number, n.lon as number]));
    if (bb) map.fitBounds(bb, { padding: [20, 20], maxZoom: 12, animate: false });
    offlineFallback(mapEl, made, insideBounds(loc.located, bb));
    // One canvas for the node dots and every route animation: an SVG element per route made
    // the browser restyle and lay out the map at each frame (long tasks at 200 obs/s).
    const canvas = L.canvas({ padding: 0.1 });
    const base = L.layerGroup().addTo(map);
    // The node dots: all located nodes, or the selected area's with its outline.
    drawBase = () => {
      base.clearLayers();
      const dots = areaKey
        ? loc.located.filter((n) => !!scope?.keys.has(n.public_key.toLowerCase()))
        : loc.located;
      for (const n of dots) {
        L.circleMarker([n.lat as number, n.lon as number], { ...DOT, renderer: canvas }).addTo(
          base,
        );
      }
      mapEl.dataset.nodes = String(dots.length);
      if (scope) {
        drawAreas(L, base, [scope.area]);
        // The whole outline in view (its polygon or box), with the area's nodes.
        const pts = [
          ...dots.map((n): [number, number] => [n.lat!, n.lon!]),
          ...outline(scope.area),
        ];
        if (pts.length) {
          map.fitBounds(L.latLngBounds(pts), { padding: [20, 20], maxZoom: 12, animate: false });
        }
      }
    };
    drawBase();
    const anim = routeAnimator(L, map, canvas, {
      max: MAX_ANIM,
      perSec: ANIM_PER_SEC,
      colors: TYPE_COLORS,
      alive: () => alive,
    });
    stopAnims = anim.stop;
    drawRoute = (r) => anim.draw(routePoints(r, loc), r.payload_type);
    for (const p of seed.packets ?? []) {
      p.timestamp ??= p.first_seen;
      remember(p);
    }
    reshow();
  })().catch((e) => mapEl.appendChild(errorBox(e)));

  /** Clears the feed and routes and shows the newest buffered rows that pass the area. */
  function reshow() {
    stopAnims?.();
    groups.clear();
    shown = 0;
    for (const r of buffer.filter(inScope).slice(-30)) show(r, false);
    status();
  }

  /** Loads the selected area (if any), then redraws the dots and refills the feed. */
  function loadArea() {
    areaCtl?.abort();
    scope = null;
    unknownArea = false;
    const key = areaKey;
    if (!key) {
      drawBase?.();
      reshow();
      return;
    }
    const ctl = areaCtl = new AbortController();
    drawBase?.();
    reshow();
    loadAreaScope(key, ctl.signal).then((sc) => {
      if (ctl !== areaCtl || !alive) return;
      // An unknown area keeps nothing on the map or in the feed (and says so).
      unknownArea = !sc;
      scope = sc ?? { area: { key, label: key }, keys: new Set() };
      drawBase?.();
      reshow();
    }, () => {});
  }
  if (areaKey) loadArea();

  status();
  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      const key = q.area ?? "";
      const sel = areaSel.querySelector("select");
      if (sel && sel.options.length) sel.value = key;
      if (key === areaKey) return;
      areaKey = key;
      stopReplay();
      loadArea();
    },
    destroy() {
      alive = false;
      areaCtl?.abort();
      if (mapRef) disposeMap(mapRef);
      offFrame();
      offState();
      clearTimeout(replayTimer);
    },
  };
}
