/**
 * Shared pieces of the geography pages: the area selector (`/api/config/areas`,
 * hidden when no area is configured), area outlines, and the RX coverage hex
 * cells drawn as Leaflet polygons coloured by best SNR.
 *
 * @module
 */

import { cached, tryJson } from "./api.ts";
import { h } from "./dom.ts";
import type { L as Leaflet } from "../lazy/leaflet.ts";

type LeafletNs = typeof Leaflet;
type LayerGroup = ReturnType<LeafletNs["layerGroup"]>;

/** One configured area. */
export interface AreaInfo {
  key: string;
  label: string;
  polygon?: [number, number][];
  latMin?: number;
  latMax?: number;
  lonMin?: number;
  lonMax?: number;
}

/** One RX coverage cell as served by `/api/rx-coverage`. */
export interface CoverageFeature {
  geometry: { coordinates: [number, number][][] };
  properties: {
    cell: string;
    count: number;
    best_snr: number | null;
    has_sig: boolean;
    nodes: { prefix: string; name?: string; snr: number | null; count: number }[];
  };
}

/** The configured areas with their shapes (cached 5 min). */
export function areaShapes(): Promise<AreaInfo[]> {
  return cached<AreaInfo[]>("/api/config/areas/polygons", 300_000).catch(() => []);
}

/**
 * A `<select>` of the configured areas ("All areas" first); empty and hidden
 * when none is configured. `onChange` receives the key or "".
 */
export function areaSelect(current: string, onChange: (key: string) => void): HTMLElement {
  const sel = h("select", {
    class: "area-select",
    ariaLabel: "Area",
    hidden: true,
    on: { change: (e) => onChange((e.target as HTMLSelectElement).value) },
  });
  tryJson<{ key: string; label: string }[]>("/api/config/areas").then((areas) => {
    if (!Array.isArray(areas) || areas.length === 0) return;
    sel.append(h("option", { value: "" }, "All areas"));
    for (const a of areas) {
      sel.append(h("option", { value: a.key, selected: a.key === current }, a.label));
    }
    sel.hidden = false;
  });
  return sel;
}

/** Draws area outlines (polygon or box) into `layer`; returns how many were drawn. */
export function drawAreas(L: LeafletNs, layer: LayerGroup, areas: AreaInfo[], only = ""): number {
  let n = 0;
  for (const a of areas) {
    if (only && a.key !== only) continue;
    const ring: [number, number][] | null = a.polygon ?? (
      a.latMin !== undefined && a.latMax !== undefined && a.lonMin !== undefined &&
        a.lonMax !== undefined
        ? [[a.latMin, a.lonMin], [a.latMin, a.lonMax], [a.latMax, a.lonMax], [a.latMax, a.lonMin]]
        : null
    );
    if (!ring) continue;
    L.polygon(ring, { color: "#d29922", weight: 2, fill: false, dashArray: "6 4" })
      .bindTooltip(h("span", null, a.label || a.key)).addTo(layer);
    n++;
  }
  return n;
}

/** Fill colour for a cell's best SNR (grey when no signal metric). */
export function snrColor(snr: number | null): string {
  if (snr === null) return "#8b949e";
  if (snr >= 5) return "#1a7f37";
  if (snr >= 0) return "#2da44e";
  if (snr >= -5) return "#bf8700";
  if (snr >= -10) return "#d1242f";
  return "#8250df";
}

function cellTip(f: CoverageFeature): HTMLElement {
  const p = f.properties;
  return h(
    "div",
    null,
    h("b", null, `${p.count} reception${p.count === 1 ? "" : "s"}`),
    h("div", null, p.best_snr === null ? "no SNR reported" : `best SNR ${p.best_snr} dB`),
    p.nodes.slice(0, 8).map((n) =>
      h("div", { class: "mut" }, `${n.name || n.prefix}: ${n.count}×, SNR ${n.snr ?? "?"}`)
    ),
  );
}

/** Draws coverage cells as polygons into `layer` (cleared first); returns the cell count. */
export function drawCells(
  L: LeafletNs,
  layer: LayerGroup,
  features: CoverageFeature[],
  renderer?: unknown,
): number {
  layer.clearLayers();
  for (const f of features) {
    const ring = f.geometry.coordinates[0].map(([lon, lat]) => [lat, lon] as [number, number]);
    L.polygon(ring, {
      renderer: renderer as never,
      weight: 0.5,
      color: "#444c56",
      fillColor: snrColor(f.properties.best_snr),
      fillOpacity: 0.45,
      className: "cov-cell",
    }).bindTooltip(() => cellTip(f), { sticky: true }).addTo(layer);
  }
  return features.length;
}

/** The map view as the `bbox` parameter (minLat,minLon,maxLat,maxLon). */
export function viewBbox(
  map: {
    getBounds(): { getSouth(): number; getWest(): number; getNorth(): number; getEast(): number };
  },
): string {
  const b = map.getBounds();
  const c = (v: number, m: number) => Math.max(-m, Math.min(m, v)).toFixed(5);
  return [c(b.getSouth(), 90), c(b.getWest(), 180), c(b.getNorth(), 90), c(b.getEast(), 180)]
    .join(",");
}
