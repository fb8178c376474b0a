/**
 * A map that still reads without tiles: when no tile server is configured,
 * or none of its tiles load, a note says so on the map and an offline layer
 * drawn from the data itself (a labelled graticule and the outline of the
 * mesh's nodes) gives the markers a frame of reference.
 *
 * @module
 */

import type { createMap } from "./vendor.ts";

type Made = Awaited<ReturnType<typeof createMap>>;

/** How long configured tiles get before the map is declared offline. */
export const TILE_GRACE_MS = 4000;

/** The convex hull of points `[lat, lon]` (Andrew's monotone chain), in order. */
export function hull(points: [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  if (p.length < 3) return p;
  const cross = (o: number[], a: number[], b: number[]) =>
    (a[1] - o[1]) * (b[0] - o[0]) - (a[0] - o[0]) * (b[1] - o[1]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) {
      lower.pop();
    }
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (const q of p.reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) {
      upper.pop();
    }
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** A graticule step (degrees) giving a handful of lines across `span` degrees. */
export function graticuleStep(span: number): number {
  for (const s of [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20]) if (span / s <= 8) return s;
  return 30;
}

function draw(made: Made, points: [number, number][]): number {
  const { L, map } = made;
  const layer = L.layerGroup().addTo(map);
  let n = 0;
  const style = { color: "#8b949e", weight: 1, opacity: 0.5, interactive: false };
  const b = points.length ? L.latLngBounds(points).pad(0.5) : map.getBounds();
  const south = Math.max(-85, b.getSouth()), north = Math.min(85, b.getNorth());
  const west = b.getWest(), east = b.getEast();
  const step = graticuleStep(Math.max(north - south, east - west));
  for (let lat = Math.ceil(south / step) * step; lat <= north; lat += step) {
    L.polyline([[lat, west], [lat, east]], { ...style, dashArray: "4 4" }).addTo(layer);
    L.marker([lat, west], {
      interactive: false,
      icon: L.divIcon({ className: "graticule-label", html: "", iconSize: [0, 0] }),
    }).addTo(layer).getElement()?.append(`${lat.toFixed(2)}°`);
    n++;
  }
  for (let lon = Math.ceil(west / step) * step; lon <= east; lon += step) {
    L.polyline([[south, lon], [north, lon]], { ...style, dashArray: "4 4" }).addTo(layer);
    L.marker([south, lon], {
      interactive: false,
      icon: L.divIcon({ className: "graticule-label", html: "", iconSize: [0, 0] }),
    }).addTo(layer).getElement()?.append(`${lon.toFixed(2)}°`);
    n++;
  }
  const outline = hull(points);
  if (outline.length >= 3) {
    L.polygon(outline, {
      color: "#1f6feb",
      weight: 1.5,
      opacity: 0.6,
      fillOpacity: 0.06,
      interactive: false,
    }).addTo(layer);
    n++;
  }
  layer.eachLayer((l) => (l as unknown as { bringToBack?: () => void }).bringToBack?.());
  return n;
}

/**
 * Watches `made`'s tiles and, when there are none or none load within
 * {@link TILE_GRACE_MS}, shows the note in `el` and draws the offline layer
 * around `points` (`[lat, lon]` of located nodes). Returns a cancel function.
 */
export function offlineFallback(
  el: HTMLElement,
  made: Made,
  points: [number, number][],
): () => void {
  let tiles = 0;
  made.map.eachLayer((l) => {
    if (l instanceof made.L.TileLayer) tiles++;
  });
  const show = () => {
    if (!el.isConnected) return;
    if (el.querySelector(".leaflet-tile-loaded") || el.querySelector(".map-offline-note")) return;
    const n = draw(made, points);
    el.dataset.offlineLayers = String(n);
    const note = document.createElement("div");
    note.className = "map-offline-note";
    note.setAttribute("role", "status");
    note.textContent = tiles
      ? "Map tiles cannot be reached (offline?): showing a grid and the mesh outline instead."
      : "No map tiles configured: showing a grid and the mesh outline instead.";
    el.appendChild(note);
  };
  if (!tiles) {
    show();
    return () => {};
  }
  const t = setTimeout(show, TILE_GRACE_MS);
  return () => clearTimeout(t);
}

/** `[lat, lon]` of the located `nodes` inside `bb` (all of them when `bb` is null). */
export function insideBounds(
  nodes: { lat?: unknown; lon?: unknown }[],
  bb: [[number, number], [number, number]] | null,
): [number, number][] {
  const pts = nodes.map((n) => [Number(n.lat), Number(n.lon)] as [number, number]);
  if (!bb) return pts;
  const [[s, w], [n, e]] = bb;
  return pts.filter(([la, lo]) => la >= s && la <= n && lo >= w && lo <= e);
}
