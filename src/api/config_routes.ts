/**
 * Configuration read-outs for the web UI: `/api/config/client`, `/theme`,
 * `/map`, `/regions`, `/cache`. Built-in defaults, overridden by the
 * configuration file (CoreScope keys).
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { type AnyRoute, route } from "./route_def.ts";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v && typeof v === "object" && !Array.isArray(v) ? v as Obj : {};
}

/** Shallow merge of plain objects, later ones winning. */
export function merge(...parts: unknown[]): Obj {
  return Object.assign({}, ...parts.map(obj));
}

const HOUR = 3_600_000;

/** Default health thresholds in milliseconds (api.md §4). */
export const DEFAULT_HEALTH_THRESHOLDS = {
  infraDegradedMs: 24 * HOUR,
  infraSilentMs: 72 * HOUR,
  nodeDegradedMs: 1 * HOUR,
  nodeSilentMs: 24 * HOUR,
  relayActiveMs: 24 * HOUR,
  observerDegradedMs: 60 * 60_000,
  observerSilentMs: 1440 * 60_000,
};

/** Default map tiles (OpenStreetMap) and view. */
export const DEFAULT_TILES = {
  url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  attribution: "&copy; OpenStreetMap contributors",
  maxZoom: 19,
  darkUrl: "https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}{r}.png",
  darkAttribution: "&copy; OpenStreetMap contributors &copy; CARTO",
};

/** Converts configured thresholds (hours/minutes keys or `...Ms` keys) to ms keys. */
function healthThresholds(raw: Obj): Obj {
  const out: Obj = { ...DEFAULT_HEALTH_THRESHOLDS };
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "number") continue;
    if (k.endsWith("Ms")) out[k] = v;
    else if (k.endsWith("Hours")) out[k.replace(/Hours$/, "Ms")] = v * HOUR;
    else if (k.endsWith("Minutes")) out[k.replace(/Minutes$/, "Ms")] = v * 60_000;
  }
  return out;
}

/** `{center, zoom, tiles}` of the map (config `mapDefaults`, `map.tiles`). */
export function mapConfig(raw: Obj): { center: number[]; zoom: number; tiles: Obj } {
  const md = obj(raw.mapDefaults);
  const center = Array.isArray(md.center) && md.center.length === 2 &&
      md.center.every((x) => typeof x === "number")
    ? md.center as number[]
    : [37.45, -122.0];
  const zoom = typeof md.zoom === "number" ? md.zoom : 9;
  return { center, zoom, tiles: merge(DEFAULT_TILES, raw.tiles, obj(raw.map).tiles) };
}

/** Route group: configuration read-outs. */
export function configRoutes(deps: ApiContext): AnyRoute[] {
  const raw = deps.config.raw ?? {};
  const limits = deps.config.listLimits;
  const clientConfig = () => {
    const liveMap = obj(raw.liveMap);
    const maxNodes = typeof liveMap.maxNodes === "number" ? liveMap.maxNodes : 2000;
    return {
      roles: merge({
        repeater: { label: "Repeater", relays: true },
        room: { label: "Room", relays: true },
        companion: { label: "Companion", relays: false },
        sensor: { label: "Sensor", relays: false },
      }, raw.roles),
      healthThresholds: healthThresholds(obj(raw.healthThresholds)),
      map: mapConfig(raw),
      tiles: mapConfig(raw).tiles,
      limits: merge(limits, raw.limits),
      snrThresholds: merge({ good: 5, fair: 0, poor: -10 }, raw.snrThresholds),
      distThresholds: merge({ near: 10, far: 50 }, raw.distThresholds),
      maxHopDist: typeof raw.maxHopDist === "number"
        ? raw.maxHopDist
        : deps.config.resolver.maxLinkKm,
      perfSlowMs: typeof raw.perfSlowMs === "number" ? raw.perfSlowMs : 100,
      wsReconnectMs: typeof raw.wsReconnectMs === "number" ? raw.wsReconnectMs : 3000,
      cacheInvalidateMs: typeof raw.cacheInvalidateMs === "number" ? raw.cacheInvalidateMs : 5000,
      externalUrls: merge({}, raw.externalUrls),
      propagationBufferMs: typeof liveMap.propagationBufferMs === "number"
        ? liveMap.propagationBufferMs
        : 5000,
      liveMapMaxNodes: Math.min(20_000, Math.max(100, maxNodes)),
      timestamps: merge({ mode: "relative", timezone: "local" }, raw.timestamps),
      customizer: {
        disabledTabs: Array.isArray(obj(raw.customizer).disabledTabs)
          ? obj(raw.customizer).disabledTabs
          : [],
      },
      clientRxCoverage: obj(raw.clientRxCoverage).enabled === true,
      cacheTTL: merge({ analytics: 60 }, raw.cacheTTL),
    };
  };
  const theme = () => ({
    branding: merge(
      { siteName: "hopwatch", tagline: "MeshCore packet analyzer" },
      raw.branding,
    ),
    theme: merge(
      { accent: "#4a9eff", accentHover: "#6db3ff", navBg: "#0f0f23", navBg2: "#1a1a2e" },
      raw.theme,
    ),
    themeDark: merge({}, raw.themeDark),
    nodeColors: merge(
      {
        repeater: "#dc2626",
        companion: "#2563eb",
        room: "#16a34a",
        sensor: "#d97706",
        observer: "#8b5cf6",
      },
      raw.nodeColors,
    ),
    typeColors: merge({}, raw.typeColors),
    home: merge({}, raw.home),
    // CoreScope's `{color, width, opacity}` object or a bare colour string.
    markerStroke: typeof raw.markerStroke === "string" || Object.keys(obj(raw.markerStroke)).length
      ? raw.markerStroke
      : "#ffffff",
  });
  return [
    route({
      method: "GET",
      path: "/api/config/client",
      tag: "config",
      summary: "Client configuration (thresholds, limits, map, timestamps, customizer)",
      params: {},
      returns: "client configuration object",
      handler: (c) => c.json(clientConfig()),
    }),
    route({
      method: "GET",
      path: "/api/config/theme",
      tag: "config",
      summary: "Branding and colours (defaults overridden by the configuration)",
      params: {},
      returns: "{branding, theme, themeDark, nodeColors, typeColors, home, markerStroke}",
      handler: (c) => c.json(theme()),
    }),
    route({
      method: "GET",
      path: "/api/config/map",
      tag: "config",
      summary: "Map defaults",
      params: {},
      returns: "{center:[lat,lon], zoom, tiles}",
      handler: (c) => c.json(mapConfig(raw)),
    }),
    route({
      method: "GET",
      path: "/api/config/regions",
      tag: "config",
      summary: "Regions: configured labels plus every IATA code seen on an observer",
      params: {},
      returns: "{IATA: label}",
      handler: (c) => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(obj(raw.regions))) out[k] = String(v);
        for (const iata of deps.observers.iatas()) if (!(iata in out)) out[iata] = iata;
        return c.json(out);
      },
    }),
    route({
      method: "GET",
      path: "/api/config/cache",
      tag: "config",
      summary: "Cache TTLs in seconds",
      params: {},
      returns: "the cacheTTL object",
      handler: (c) => c.json(merge({ analytics: 60 }, raw.cacheTTL)),
    }),
  ];
}
