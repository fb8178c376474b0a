/**
 * The hexagonal grid of RX coverage, with CoreScope's cell geometry: points are
 * projected to Web Mercator and snapped to a pointy-top hex grid whose
 * circumradius at resolution `res` is `14 px × 156543.03392 / 2^res` Mercator
 * units (a constant ~28 px on screen at Leaflet zoom `res`). Cell ids are
 * `"res:q:r"` (axial coordinates); the boundary is a closed `[lon, lat]` ring.
 *
 * @module
 */

const EARTH_R = 6378137;
const UNITS_PER_PX_Z0 = 156543.03392;
const TARGET_PX = 28;
/** The Web Mercator latitude limit; points beyond are clamped to it. */
export const MAX_MERC_LAT = 85.05112878;
/** Lowest and highest display resolution (= Leaflet zoom, clamped). */
export const MIN_RES = 3;
/** Highest display resolution. */
export const MAX_RES = 18;
const SQRT3 = Math.sqrt(3);
const OFFSET = 2 ** 23;

/** Display resolution for a Leaflet zoom (clamped to 3–18; 0 when absent → 3). */
export function zoomToRes(z: number): number {
  return Math.max(MIN_RES, Math.min(MAX_RES, Math.trunc(z)));
}

/** Hex circumradius in Mercator units at `res`. */
export function hexSize(res: number): number {
  return (TARGET_PX / 2) * UNITS_PER_PX_Z0 / 2 ** res;
}

/** Web Mercator x of a longitude. */
export function mercX(lon: number): number {
  return EARTH_R * lon * Math.PI / 180;
}

/** Web Mercator y of a latitude (clamped to ±{@linkcode MAX_MERC_LAT}). */
export function mercY(lat: number): number {
  const l = lat > MAX_MERC_LAT ? MAX_MERC_LAT : lat < -MAX_MERC_LAT ? -MAX_MERC_LAT : lat;
  return EARTH_R * Math.log(Math.tan(Math.PI / 4 + l * Math.PI / 360));
}

function invLat(y: number): number {
  return (2 * Math.atan(Math.exp(y / EARTH_R)) - Math.PI / 2) * 180 / Math.PI;
}

function invLon(x: number): number {
  return x / EARTH_R * 180 / Math.PI;
}

/** Packs axial (q, r) into one number key (per resolution). */
export function packCell(q: number, r: number): number {
  return (q + OFFSET) * 2 ** 24 + (r + OFFSET);
}

/** Axial q of a packed key. */
export function cellQ(key: number): number {
  return Math.floor(key / 2 ** 24) - OFFSET;
}

/** Axial r of a packed key. */
export function cellR(key: number): number {
  return (key % 2 ** 24) - OFFSET;
}

/** The packed cell key containing a point at `res` (projected coordinates given). */
export function cellOfMerc(x: number, y: number, res: number): number {
  const size = hexSize(res);
  const q = (SQRT3 / 3 * x - y / 3) / size;
  const r = (2 / 3 * y) / size;
  // cube rounding
  const cx = q, cz = r, cy = -cx - cz;
  let rx = Math.round(cx), ry = Math.round(cy), rz = Math.round(cz);
  const dx = Math.abs(rx - cx), dy = Math.abs(ry - cy), dz = Math.abs(rz - cz);
  if (dx > dy && dx > dz) rx = -ry - rz;
  else if (dy > dz) ry = -rx - rz;
  else rz = -rx - ry;
  return packCell(rx + 0, rz + 0);
}

/** The packed cell key containing (lat, lon) at `res`. */
export function cellOf(lat: number, lon: number, res: number): number {
  return cellOfMerc(mercX(lon), mercY(lat), res);
}

/** The `"res:q:r"` id of a packed key. */
export function cellId(res: number, key: number): string {
  return `${res}:${cellQ(key)}:${cellR(key)}`;
}

/** The closed `[lon, lat]` ring (7 points) of a cell. */
export function cellRing(res: number, key: number): [number, number][] {
  const size = hexSize(res);
  const q = cellQ(key), r = cellR(key);
  const cx = size * (SQRT3 * q + SQRT3 / 2 * r);
  const cy = size * 1.5 * r;
  const ring: [number, number][] = [];
  for (let i = 0; i < 6; i++) {
    const a = Math.PI / 180 * (60 * i - 30);
    ring.push([invLon(cx + size * Math.cos(a)), invLat(cy + size * Math.sin(a))]);
  }
  ring.push(ring[0]);
  return ring;
}

/** Latitude/longitude bounds of a cell: `[minLat, minLon, maxLat, maxLon]`. */
export function cellBounds(res: number, key: number): [number, number, number, number] {
  const size = hexSize(res);
  const q = cellQ(key), r = cellR(key);
  const cx = size * (SQRT3 * q + SQRT3 / 2 * r);
  const cy = size * 1.5 * r;
  return [
    invLat(cy - size),
    invLon(cx - size * SQRT3 / 2),
    invLat(cy + size),
    invLon(cx + size * SQRT3 / 2),
  ];
}
