/**
 * Lazy loaders for the vendor chunks (Leaflet, uPlot) and their stylesheets.
 * Pages that do not draw maps or charts never download them.
 *
 * @module
 */

import type { L as Leaflet } from "../lazy/leaflet.ts";
import type { uPlot as UPlot } from "../lazy/uplot.ts";

type LeafletMap = ReturnType<typeof Leaflet.map>;

function ensureCss(href: string): void {
  if (document.querySelector(`link[data-vendor="${href}"]`)) return;
  const l = document.createElement("link");
  l.rel = "stylesheet";
  l.href = href;
  l.dataset.vendor = href;
  document.head.appendChild(l);
}

/** Loads Leaflet (and its CSS). */
export async function leaflet(): Promise<typeof Leaflet> {
  ensureCss("/assets/leaflet.css");
  return (await import("../lazy/leaflet.ts")).L;
}

/** Loads uPlot (and its CSS). */
export async function uplot(): Promise<typeof UPlot> {
  ensureCss("/assets/uplot.css");
  return (await import("../lazy/uplot.ts")).uPlot;
}

/** Map settings from `/api/config/map`. */
export interface MapConfig {
  center: [number, number];
  zoom: number;
  /** Tile URL template for the current colour scheme; "" means no tile layer. */
  tiles: string;
  /** Plain-text attribution. */
  attribution: string;
  maxZoom: number;
}

const httpUrl = (v: unknown): string => (typeof v === "string" && /^https?:\/\//.test(v) ? v : "");

/** Attribution HTML from config reduced to plain text. */
export function plainAttribution(v: unknown): string {
  if (typeof v !== "string") return "";
  return v.replace(/<[^>]*>/g, "").replace(/&copy;/gi, "©").replace(/&amp;/gi, "&").trim();
}

/**
 * Reads `/api/config/map`. `tiles` may be a URL string or an object
 * `{url, attribution, maxZoom, darkUrl, darkAttribution}`; an empty URL
 * means no tile layer (offline use).
 */
export async function mapConfig(): Promise<MapConfig> {
  const def: MapConfig = {
    center: [37.45, -122.0],
    zoom: 9,
    tiles: "",
    attribution: "",
    maxZoom: 19,
  };
  try {
    const r = await fetch("/api/config/map");
    if (!r.ok) return def;
    const j = await r.json();
    const c = Array.isArray(j.center) && j.center.length === 2 ? j.center : def.center;
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    const t = j.tiles;
    let tiles = "";
    let attribution = "";
    let maxZoom = 19;
    if (typeof t === "string") tiles = httpUrl(t);
    else if (t && typeof t === "object") {
      const light = httpUrl(t.url);
      tiles = dark && httpUrl(t.darkUrl) && light ? httpUrl(t.darkUrl) : light;
      attribution = plainAttribution(
        dark && tiles === httpUrl(t.darkUrl) ? t.darkAttribution : t.attribution,
      );
      if (typeof t.maxZoom === "number") maxZoom = t.maxZoom;
    }
    return {
      center: [Number(c[0]), Number(c[1])],
      zoom: Number(j.zoom) || def.zoom,
      tiles,
      attribution,
      maxZoom,
    };
  } catch {
    return def;
  }
}

/** Creates a Leaflet map in `el` with the configured tiles and a canvas renderer. */
export async function createMap(el: HTMLElement, cfg?: MapConfig) {
  const L = await leaflet();
  const c = cfg ?? (await mapConfig());
  const map = L.map(el, { preferCanvas: true, worldCopyJump: true, attributionControl: false })
    .setView(c.center, c.zoom);
  if (c.tiles) {
    L.tileLayer(c.tiles, { maxZoom: c.maxZoom, subdomains: "abc" }).addTo(map);
    if (c.attribution) {
      const a = document.createElement("div");
      a.className = "map-attrib";
      a.textContent = c.attribution;
      el.appendChild(a);
    }
  }
  return { L, map };
}

/**
 * Removes a Leaflet map safely: stops animations, then neutralises canvas
 * renderers so a redraw already queued for the next frame cannot touch the
 * destroyed canvas context (Leaflet queues one when paths are removed).
 */
export function disposeMap(map: LeafletMap): void {
  const renderers: { _clear?: () => void; _draw?: () => void }[] = [];
  try {
    map.stop();
    map.eachLayer((l) => {
      const r = l as unknown as { _clear?: () => void; _draw?: () => void; _ctx?: unknown };
      if (typeof r._clear === "function" && "_ctx" in r) renderers.push(r);
    });
    map.remove();
  } catch {
    /* already removed */
  }
  for (const r of renderers) r._clear = r._draw = () => {};
}
