/**
 * Geography keys of the configuration file: `areas` (named polygons or
 * bounding boxes) and `geo_filter` (the polygon plus `bufferKm` that decides
 * which ADVERTs are foreign). Validated at startup — an open or
 * self-intersecting polygon, a latitude out of range or a bad `bufferKm` is an
 * error naming the key — and turned into {@linkcode GeoSettings} that ingest
 * and the API share. Polygons are `[lat, lon]` pairs, the ring closed
 * implicitly (CoreScope's format).
 *
 * @module
 */

import { isPlainObject } from "./config_schema.ts";

/** A `[lat, lon]` vertex. */
export type LatLon = [number, number];

/** One configured area: a polygon, or a bounding box (`latMin` ... `lonMax`). */
export interface AreaEntry {
  key: string;
  label: string;
  polygon: LatLon[] | null;
  latMin: number | null;
  latMax: number | null;
  lonMin: number | null;
  lonMax: number | null;
}

/** The configured `geo_filter`. */
export interface GeoFilter {
  polygon: LatLon[] | null;
  bufferKm: number;
  latMin: number | null;
  latMax: number | null;
  lonMin: number | null;
  lonMax: number | null;
}

/** Areas and geo filter, parsed. */
export interface GeoSettings {
  areas: AreaEntry[];
  geoFilter: GeoFilter | null;
}

const MAX_POINTS = 1000;

/** Validates `areas` and `geo_filter` of a parsed config file; returns the errors. */
export function validateGeoConfig(raw: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (raw.geo_filter !== undefined && raw.geo_filter !== null) {
    checkShape(raw.geo_filter, "geo_filter", errors, true);
  }
  if (raw.areas !== undefined && raw.areas !== null) {
    if (!isPlainObject(raw.areas)) {
      errors.push(`config key "areas": expected an object of named areas, got ${show(raw.areas)}`);
    } else {
      for (const [key, entry] of Object.entries(raw.areas)) {
        if (key.startsWith("_") || key.startsWith("//")) continue;
        const at = `areas.${key}`;
        if (!isPlainObject(entry)) {
          errors.push(`config key "${at}": expected an object, got ${show(entry)}`);
          continue;
        }
        if (typeof entry.label !== "string" || entry.label === "") {
          errors.push(`config key "${at}.label": expected a non-empty string`);
        }
        checkShape(entry, at, errors, false);
      }
    }
  }
  return errors;
}

function checkShape(
  v: unknown,
  at: string,
  errors: string[],
  isFilter: boolean,
): void {
  if (!isPlainObject(v)) {
    errors.push(`config key "${at}": expected an object, got ${show(v)}`);
    return;
  }
  if (isFilter && v.bufferKm !== undefined) {
    const b = v.bufferKm;
    if (typeof b !== "number" || !Number.isFinite(b) || b < 0 || b > 20000) {
      errors.push(`config key "${at}.bufferKm": expected a number from 0 to 20000, got ${show(b)}`);
    }
  }
  if (v.polygon !== undefined && v.polygon !== null) {
    const problem = polygonProblem(v.polygon);
    if (problem) errors.push(`config key "${at}.polygon": ${problem}`);
    return;
  }
  const box = ["latMin", "latMax", "lonMin", "lonMax"] as const;
  const given = box.filter((k) => v[k] !== undefined && v[k] !== null);
  if (given.length === 0) {
    if (!isFilter) {
      errors.push(`config key "${at}": needs a "polygon" or latMin/latMax/lonMin/lonMax`);
    }
    return;
  }
  if (given.length !== 4) {
    errors.push(`config key "${at}": a bounding box needs all of latMin, latMax, lonMin, lonMax`);
    return;
  }
  for (const k of box) {
    const n = v[k];
    const lim = k.startsWith("lat") ? 90 : 180;
    if (typeof n !== "number" || !Number.isFinite(n) || Math.abs(n) > lim) {
      errors.push(
        `config key "${at}.${k}": expected a number from -${lim} to ${lim}, got ${show(n)}`,
      );
    }
  }
  if ((v.latMin as number) > (v.latMax as number)) {
    errors.push(`config key "${at}": latMin is greater than latMax`);
  }
}

/** Why `v` is not a usable polygon, or null when it is. */
export function polygonProblem(v: unknown): string | null {
  if (!Array.isArray(v)) return `expected a list of [lat, lon] points, got ${show(v)}`;
  if (v.length > MAX_POINTS + 1) return `has ${v.length} points, at most ${MAX_POINTS} allowed`;
  for (let i = 0; i < v.length; i++) {
    const p = v[i];
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === "number")) {
      return `point ${i} is not a [lat, lon] pair of numbers: ${show(p)}`;
    }
    if (!Number.isFinite(p[0]) || Math.abs(p[0]) > 90) {
      return `point ${i}: latitude ${p[0]} is out of range (-90 to 90)`;
    }
    if (!Number.isFinite(p[1]) || Math.abs(p[1]) > 180) {
      return `point ${i}: longitude ${p[1]} is out of range (-180 to 180)`;
    }
  }
  const ring = openRing(v as LatLon[]);
  if (ring.length < 3) {
    return `is open: ${ring.length} distinct point(s) enclose no area (at least 3 needed)`;
  }
  const cross = selfIntersection(ring);
  if (cross) return `is self-intersecting: edge ${cross[0]} crosses edge ${cross[1]}`;
  if (Math.abs(signedArea(ring)) < 1e-12) return "is degenerate: its points enclose no area";
  return null;
}

/** The ring without a repeated closing point. */
function openRing(points: LatLon[]): LatLon[] {
  const out = points.map((p) => [p[0], p[1]] as LatLon);
  while (out.length > 1) {
    const a = out[0], b = out[out.length - 1];
    if (a[0] !== b[0] || a[1] !== b[1]) break;
    out.pop();
  }
  return out;
}

function signedArea(ring: LatLon[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    s += ring[j][1] * ring[i][0] - ring[i][1] * ring[j][0];
  }
  return s / 2;
}

function orient(a: LatLon, b: LatLon, c: LatLon): number {
  const v = (b[1] - a[1]) * (c[0] - a[0]) - (b[0] - a[0]) * (c[1] - a[1]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(a: LatLon, b: LatLon, p: LatLon): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

function segmentsCross(a: LatLon, b: LatLon, c: LatLon, d: LatLon): boolean {
  const o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) ||
    (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

/** The first pair of non-adjacent edges that cross, or null. */
function selfIntersection(ring: LatLon[]): [number, number] | null {
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i], b = ring[(i + 1) % n];
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // adjacent edges share a vertex
      if (segmentsCross(a, b, ring[j], ring[(j + 1) % n])) return [i, j];
    }
  }
  return null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function polygonOf(v: unknown): LatLon[] | null {
  return Array.isArray(v) && polygonProblem(v) === null ? openRing(v as LatLon[]) : null;
}

const parsed = new WeakMap<object, GeoSettings>();

/** Areas and geo filter of a (validated) config file; memoised per file object. */
export function geoSettingsOf(raw: Record<string, unknown>): GeoSettings {
  const hit = parsed.get(raw);
  if (hit) return hit;
  const areas: AreaEntry[] = [];
  if (isPlainObject(raw.areas)) {
    for (const [key, e] of Object.entries(raw.areas)) {
      if (!isPlainObject(e)) continue;
      areas.push({
        key,
        label: typeof e.label === "string" ? e.label : "",
        polygon: polygonOf(e.polygon),
        latMin: num(e.latMin),
        latMax: num(e.latMax),
        lonMin: num(e.lonMin),
        lonMax: num(e.lonMax),
      });
    }
  }
  let geoFilter: GeoFilter | null = null;
  const g = raw.geo_filter;
  if (isPlainObject(g)) {
    geoFilter = {
      polygon: polygonOf(g.polygon),
      bufferKm: num(g.bufferKm) ?? 0,
      latMin: num(g.latMin),
      latMax: num(g.latMax),
      lonMin: num(g.lonMin),
      lonMax: num(g.lonMax),
    };
    const hasBox = geoFilter.latMin !== null && geoFilter.latMax !== null &&
      geoFilter.lonMin !== null && geoFilter.lonMax !== null;
    if (!geoFilter.polygon && !hasBox) geoFilter = null;
  }
  const out = { areas, geoFilter };
  parsed.set(raw, out);
  return out;
}

/** Ray casting: whether (lat, lon) lies inside the ring. */
export function pointInPolygon(lat: number, lon: number, ring: readonly LatLon[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [yi, xi] = ring[i], [yj, xj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

/** Approximate km from a point to segment a-b (flat projection around the segment, 111 km/°). */
export function distToSegmentKm(lat: number, lon: number, a: LatLon, b: LatLon): number {
  const cos = Math.cos(((a[0] + b[0]) / 2) * Math.PI / 180);
  const ax = (a[1] - lon) * 111 * cos, ay = (a[0] - lat) * 111;
  const bx = (b[1] - lon) * 111 * cos, by = (b[0] - lat) * 111;
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  const px = ax + t * dx, py = ay + t * dy;
  return Math.sqrt(px * px + py * py);
}

/** Whether a shape (area or filter; `bufferKm` widens a polygon) contains the point. */
export function shapeContains(
  shape: Omit<GeoFilter, "bufferKm"> & { bufferKm?: number },
  lat: number,
  lon: number,
): boolean {
  if (shape.polygon) {
    if (pointInPolygon(lat, lon, shape.polygon)) return true;
    const buf = shape.bufferKm ?? 0;
    if (buf > 0) {
      const ring = shape.polygon;
      for (let i = 0; i < ring.length; i++) {
        if (distToSegmentKm(lat, lon, ring[i], ring[(i + 1) % ring.length]) <= buf) return true;
      }
    }
    return false;
  }
  if (
    shape.latMin !== null && shape.latMax !== null && shape.lonMin !== null &&
    shape.lonMax !== null
  ) {
    return lat >= shape.latMin && lat <= shape.latMax && lon >= shape.lonMin &&
      lon <= shape.lonMax;
  }
  return true;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + "..." : text;
}
