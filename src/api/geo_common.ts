/**
 * Shared pieces of the geography and coverage endpoints: what they need from
 * the process ({@linkcode GeoRuntime}), the `area`, `bbox`, `z` and `days`
 * parameters, the nodes inside an area, and the heard-key resolver (a 2–3
 * byte prefix names a node only when exactly one visible node has it).
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import type { ClientRxIngest } from "../ingest/client_rx.ts";
import type { GeoFilterGate } from "../ingest/geofilter.ts";
import { type AreaEntry, geoSettingsOf, shapeContains } from "../cli/config_geo.ts";
import { badRequest } from "./errors.ts";
import { intParam, type Param, PUBKEY_RE, stringParam } from "./params.ts";
import type { Bbox, HeardResolver } from "../store/coverage_query.ts";
import { visible } from "./node_lookup.ts";
import type { NodeInfo } from "../store/node_directory.ts";
import { areaIndexOf } from "./area_index.ts";

/** The geography components the API reads (given by the stack). */
export interface GeoRuntime {
  /** Client receptions: the grid index and its ingest counters. */
  clientRx: ClientRxIngest;
  /** The ingest geofilter gate, when `geo_filter` is configured. */
  gate?: GeoFilterGate;
}

/** `area`: a key of `config.areas`. */
export const areaParam: Param<string | undefined> = stringParam({
  description: "a key of config.areas (nodes whose position lies inside it)",
  maxLength: 64,
});

/** `:pk` of the per-node geography routes: a full 64-hex public key (no prefix). */
export const fullPkParam: Param<string> = stringParam({
  in: "path",
  description: "the node's public key (64 hex)",
  pattern: PUBKEY_RE,
  expect: "a 64-hex public key",
  lower: true,
  maxLength: 64,
});

/** `days`: window in days, clamped to 1–30 (default 7). */
export const daysParam: Param<number> = intParam({
  description: "time window in days",
  default: 7,
  min: 1,
  max: 30,
  clamp: true,
});

/** `z`: map zoom (hex resolution = zoom clamped to 3–18). */
export const zoomParam: Param<number> = intParam({
  description: "map zoom; hex resolution = zoom clamped to 3-18",
  default: 0,
  min: 0,
  max: 30,
  clamp: true,
});

/** `bbox`: `minLat,minLon,maxLat,maxLon` (required). */
export const bboxParam: Param<Bbox> = {
  in: "query",
  description: "bounding box minLat,minLon,maxLat,maxLon (longitudes up to ±360 are clamped)",
  required: true,
  schema: { type: "string", pattern: "^-?[0-9.]+(,-?[0-9.]+){3}$", maxLength: 120 },
  parse(raw, name) {
    if (raw === undefined || raw.trim() === "") {
      throw badRequest(`Missing parameter "${name}": expected minLat,minLon,maxLat,maxLon`);
    }
    const parts = raw.split(",").map((s) => s.trim());
    const v = parts.map(Number);
    if (parts.length !== 4 || parts.some((s) => s === "") || v.some((n) => !Number.isFinite(n))) {
      throw badRequest(
        `Invalid parameter "${name}": expected minLat,minLon,maxLat,maxLon, got ${
          JSON.stringify(raw.slice(0, 60))
        }`,
      );
    }
    const [minLat, minLon, maxLat, maxLon] = v;
    for (const [lat, label] of [[minLat, "minLat"], [maxLat, "maxLat"]] as const) {
      if (Math.abs(lat) > 90) {
        throw badRequest(
          `Invalid parameter "${name}": ${label} ${lat} is out of range (-90 to 90)`,
        );
      }
    }
    // A zoomed-out Leaflet view wraps past the antimeridian: up to ±360 is clamped to ±180.
    for (const [lon, label] of [[minLon, "minLon"], [maxLon, "maxLon"]] as const) {
      if (Math.abs(lon) > 360) {
        throw badRequest(
          `Invalid parameter "${name}": ${label} ${lon} is out of range (-360 to 360)`,
        );
      }
    }
    if (minLat > maxLat) {
      throw badRequest(`Invalid parameter "${name}": minLat ${minLat} is above maxLat ${maxLat}`);
    }
    const clampLon = (v: number) => Math.max(-180, Math.min(180, v));
    return { minLat, minLon: clampLon(minLon), maxLat, maxLon: clampLon(maxLon) };
  },
};

/** The configured area `key`; 400 naming `area` when unknown. */
export function areaOf(ctx: ApiContext, key: string): AreaEntry {
  const area = geoSettingsOf(ctx.config.raw ?? {}).areas.find((a) => a.key === key);
  if (!area) throw badRequest(`Invalid parameter "area": no configured area "${key}"`);
  return area;
}

/** Whether a node has a real position inside the area. */
export function nodeInArea(area: AreaEntry, n: NodeInfo): boolean {
  if (n.lat === null || n.lon === null || (n.lat === 0 && n.lon === 0)) return false;
  return shapeContains(area, n.lat, n.lon);
}

/**
 * Ids of the nodes inside area `key` (kept current by node events, see
 * `area_index.ts`), or undefined when `key` is absent (no filter). Unknown
 * keys answer 400.
 */
export function areaNodeIds(ctx: ApiContext, key: string | undefined): Set<number> | undefined {
  if (!key) return undefined;
  return areaIndexOf(ctx.nodes, nodeInArea).ids(areaOf(ctx, key));
}

/** The geography runtime, or a 404 when this process has none (no client receptions). */
export function geoRuntime(ctx: ApiContext): GeoRuntime | undefined {
  return ctx.geo;
}

/** Resolves heard keys against the visible nodes (prefix table cached 30 s). */
export function heardResolver(ctx: ApiContext): HeardResolver {
  const { table } = heardTable(ctx);
  return (heardKey) => {
    const n = heardKey.length === 64 ? ctx.nodes.byKey(heardKey) : table.get(heardKey);
    if (n && visible(ctx, n)) return { key: n.publicKey, name: n.name ?? "" };
    return { key: heardKey, name: "" };
  };
}

/**
 * A fingerprint of what {@linkcode heardResolver} answers (visible nodes' keys and names),
 * rebuilt with its table every 30 s: memoised coverage cells stay valid while it is unchanged.
 */
export function heardResolverTag(ctx: ApiContext): string {
  return heardTable(ctx).tag;
}

function heardTable(ctx: ApiContext): { table: Map<string, NodeInfo | null>; tag: string } {
  return ctx.cache.get(`heard-prefixes:${ctx.nodes.size}`, 30_000, () => {
    const m = new Map<string, NodeInfo | null>();
    let h = 0x811c9dc5, count = 0;
    const mix = (s: string) => {
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ 0xff, 0x01000193);
    };
    for (const n of ctx.nodes.values()) {
      if (!visible(ctx, n)) continue;
      count++;
      mix(n.publicKey);
      mix(n.name ?? "");
      for (const len of [4, 6]) {
        const p = n.publicKey.slice(0, len);
        m.set(p, m.has(p) ? null : n);
      }
    }
    return { table: m, tag: `${count}:${(h >>> 0).toString(36)}` };
  });
}

/** Great-circle distance in km. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 6371 * 2 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Whether a node has a usable position (not absent, not 0,0). */
export function hasPosition(n: NodeInfo | undefined): n is NodeInfo & { lat: number; lon: number } {
  return !!n && n.lat !== null && n.lon !== null && !(n.lat === 0 && n.lon === 0);
}
