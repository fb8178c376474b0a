/**
 * Bay Area-like geography for the synthetic mesh: population clusters, hill
 * sites for long-range repeaters, distances and observer regions (IATA).
 *
 * Every position lies in lat 37.0–38.5, lon −122.6 … −121.5.
 *
 * @module
 */

import type { Prng } from "./prng.ts";

/** A named place with a weight (share of nodes) and a spread in km. */
export interface Place {
  name: string;
  /** Short tag used in node names. */
  tag: string;
  lat: number;
  lon: number;
  weight: number;
  spreadKm: number;
}

/** Population clusters (towns). */
export const CITIES: readonly Place[] = [
  { name: "San Francisco", tag: "SF", lat: 37.765, lon: -122.435, weight: 14, spreadKm: 4 },
  { name: "Oakland", tag: "OAK", lat: 37.805, lon: -122.255, weight: 9, spreadKm: 4 },
  { name: "Berkeley", tag: "BRK", lat: 37.87, lon: -122.27, weight: 6, spreadKm: 3 },
  { name: "San Jose", tag: "SJ", lat: 37.335, lon: -121.89, weight: 12, spreadKm: 6 },
  { name: "Palo Alto", tag: "PA", lat: 37.44, lon: -122.14, weight: 5, spreadKm: 3 },
  { name: "Mountain View", tag: "MV", lat: 37.39, lon: -122.08, weight: 4, spreadKm: 3 },
  { name: "Fremont", tag: "FRE", lat: 37.55, lon: -121.98, weight: 5, spreadKm: 4 },
  { name: "Hayward", tag: "HWD", lat: 37.67, lon: -122.08, weight: 4, spreadKm: 3 },
  { name: "Walnut Creek", tag: "WC", lat: 37.905, lon: -122.06, weight: 4, spreadKm: 3 },
  { name: "Concord", tag: "CON", lat: 37.975, lon: -122.03, weight: 3, spreadKm: 3 },
  { name: "San Mateo", tag: "SM", lat: 37.56, lon: -122.32, weight: 4, spreadKm: 3 },
  { name: "Redwood City", tag: "RWC", lat: 37.485, lon: -122.23, weight: 3, spreadKm: 3 },
  { name: "Petaluma", tag: "PET", lat: 38.235, lon: -122.6, weight: 2, spreadKm: 3 },
  { name: "Napa", tag: "NAPA", lat: 38.3, lon: -122.29, weight: 2, spreadKm: 3 },
  { name: "Vallejo", tag: "VAL", lat: 38.105, lon: -122.25, weight: 2, spreadKm: 3 },
  { name: "San Rafael", tag: "SR", lat: 37.975, lon: -122.53, weight: 2, spreadKm: 3 },
  { name: "Livermore", tag: "LIV", lat: 37.68, lon: -121.77, weight: 3, spreadKm: 4 },
  { name: "Dublin", tag: "DUB", lat: 37.705, lon: -121.92, weight: 2, spreadKm: 3 },
  { name: "Morgan Hill", tag: "MH", lat: 37.13, lon: -121.65, weight: 2, spreadKm: 3 },
  { name: "Gilroy", tag: "GIL", lat: 37.01, lon: -121.57, weight: 1, spreadKm: 3 },
  { name: "Half Moon Bay", tag: "HMB", lat: 37.46, lon: -122.43, weight: 1, spreadKm: 3 },
  { name: "Fairfield", tag: "FF", lat: 38.25, lon: -122.04, weight: 2, spreadKm: 4 },
  { name: "Antioch", tag: "ANT", lat: 38.0, lon: -121.8, weight: 2, spreadKm: 4 },
  { name: "Richmond", tag: "RICH", lat: 37.935, lon: -122.35, weight: 2, spreadKm: 3 },
];

/** Hill sites where long-range repeaters sit. */
export const HILLS: readonly Place[] = [
  { name: "Mt Diablo", tag: "Diablo", lat: 37.882, lon: -121.914, weight: 3, spreadKm: 2 },
  { name: "Mt Tam", tag: "Tam", lat: 37.923, lon: -122.597, weight: 3, spreadKm: 1 },
  { name: "Mt Hamilton", tag: "Hamilton", lat: 37.341, lon: -121.642, weight: 2, spreadKm: 2 },
  { name: "Sutro", tag: "Sutro", lat: 37.755, lon: -122.453, weight: 2, spreadKm: 1 },
  { name: "Mt Umunhum", tag: "Umunhum", lat: 37.16, lon: -121.898, weight: 2, spreadKm: 2 },
  { name: "San Bruno Mtn", tag: "SBM", lat: 37.685, lon: -122.434, weight: 2, spreadKm: 1 },
  { name: "Mission Peak", tag: "Mission", lat: 37.512, lon: -121.881, weight: 2, spreadKm: 1 },
  { name: "Mt Vaca", tag: "Vaca", lat: 38.4, lon: -122.105, weight: 1, spreadKm: 2 },
  { name: "Loma Prieta", tag: "Loma", lat: 37.111, lon: -121.843, weight: 1, spreadKm: 2 },
  { name: "Grizzly Peak", tag: "Grizzly", lat: 37.882, lon: -122.233, weight: 2, spreadKm: 1 },
  { name: "Kings Mtn", tag: "Kings", lat: 37.46, lon: -122.31, weight: 1, spreadKm: 2 },
  { name: "Sonoma Mtn", tag: "Sonoma", lat: 38.33, lon: -122.55, weight: 1, spreadKm: 2 },
];

const LAT_MIN = 37.0, LAT_MAX = 38.5, LON_MIN = -122.6, LON_MAX = -121.5;
const KM_PER_DEG_LAT = 111.32;

/** A position drawn around `place` (Gaussian, `spreadKm` standard deviation), clamped to the map. */
export function positionNear(rng: Prng, place: Place, scale = 1): { lat: number; lon: number } {
  const sd = place.spreadKm * scale;
  const dLat = rng.normal(0, sd) / KM_PER_DEG_LAT;
  const dLon = rng.normal(0, sd) / (KM_PER_DEG_LAT * Math.cos((place.lat * Math.PI) / 180));
  return {
    lat: round6(clamp(place.lat + dLat, LAT_MIN, LAT_MAX)),
    lon: round6(clamp(place.lon + dLon, LON_MIN, LON_MAX)),
  };
}

/** A uniformly random position on the map. */
export function randomPosition(rng: Prng): { lat: number; lon: number } {
  return {
    lat: round6(rng.uniform(LAT_MIN, LAT_MAX)),
    lon: round6(rng.uniform(LON_MIN, LON_MAX)),
  };
}

/** Great-circle distance in km. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 +
    Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The observer region (IATA code) of a position. */
export function iataFor(lat: number, lon: number): string {
  if (lat >= 38.05) return "STS";
  if (lat < 37.47 && lon > -122.2) return "SJC";
  if (lon > -122.36 && lat >= 37.47) return "OAK";
  return "SFO";
}

/** The nearest city to a position. */
export function nearestCity(lat: number, lon: number): Place {
  let best = CITIES[0];
  let bestD = Infinity;
  for (const c of CITIES) {
    const d = distanceKm(lat, lon, c.lat, c.lon);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
