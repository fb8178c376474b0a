/**
 * Formatting and small parsing helpers shared by the pages.
 *
 * @module
 */

/** Payload type names by number (wire §2). */
export const PAYLOAD_TYPES: Record<number, string> = {
  0: "REQ",
  1: "RESPONSE",
  2: "TXT_MSG",
  3: "ACK",
  4: "ADVERT",
  5: "GRP_TXT",
  6: "GRP_DATA",
  7: "ANON_REQ",
  8: "PATH",
  9: "TRACE",
  10: "MULTIPART",
  11: "CONTROL",
  15: "RAW_CUSTOM",
};

/** Route type names by number (wire §1.1). */
export const ROUTE_TYPES: Record<number, string> = {
  0: "TRANSPORT_FLOOD",
  1: "FLOOD",
  2: "DIRECT",
  3: "TRANSPORT_DIRECT",
};

/** Node roles in display order. */
export const ROLES = ["repeater", "room", "companion", "sensor"];

/** Name for a payload type number. */
export function typeName(t: number | null | undefined): string {
  return t === null || t === undefined ? "?" : PAYLOAD_TYPES[t] ?? `TYPE_${t}`;
}

/** Name for a route type number. */
export function routeName(t: number | null | undefined): string {
  return t === null || t === undefined ? "?" : ROUTE_TYPES[t] ?? `ROUTE_${t}`;
}

/** A CSS class suffix for a payload type (`t-advert`). */
export function typeClass(t: number | null | undefined): string {
  return "t-" + typeName(t).toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** A CSS class suffix for a role (`r-repeater`), restricted to known roles. */
export function roleClass(role: string | null | undefined): string {
  return "r-" + (ROLES.includes(role ?? "") ? role : "other");
}

/** Parses a JSON string, returning `fallback` on any error. */
export function parseJson<T>(s: unknown, fallback: T): T {
  if (typeof s !== "string") return (s as T) ?? fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

/** Hops of a `path_json` string (or array). */
export function hopsOf(pathJson: unknown): string[] {
  const v = parseJson<unknown>(pathJson, []);
  return Array.isArray(v) ? v.map(String) : [];
}

/** Milliseconds since epoch of an ISO string or unix seconds; NaN if unknown. */
export function toMs(t: unknown): number {
  if (typeof t === "number") return t < 1e12 ? t * 1000 : t;
  if (typeof t === "string" && t) return Date.parse(t);
  return NaN;
}

/** "12s ago", "5m ago", "3h ago", "2d ago". */
export function ago(t: unknown, now = Date.now()): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return "—";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** Local date-time `YYYY-MM-DD HH:MM:SS`. */
export function dateTime(t: unknown): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return "—";
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Local time `HH:MM:SS`. */
export function clock(t: unknown): string {
  const s = dateTime(t);
  return s.length > 11 ? s.slice(11) : s;
}

/** A number with fixed decimals, or "—". */
export function num(v: unknown, digits = 0): string {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—";
}

/** An integer with thousands separators, or "—". */
export function int(v: unknown): string {
  return typeof v === "number" && Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "—";
}

/** First `n` characters of a key, uppercase. */
export function shortKey(k: string | null | undefined, n = 8): string {
  return k ? k.slice(0, n).toUpperCase() : "—";
}

/** A time-window keyword to an ISO `since`, or undefined. */
export function windowSince(w: string | null | undefined, now = Date.now()): string | undefined {
  const m = /^(\d+)([hdw])$/.exec(w ?? "");
  if (!m) return undefined;
  const unit = m[2] === "h" ? 3600e3 : m[2] === "d" ? 86400e3 : 7 * 86400e3;
  return new Date(now - Number(m[1]) * unit).toISOString();
}

/** Time windows offered in filters. */
export const WINDOWS: [string, string][] = [
  ["", "All time"],
  ["1h", "Last hour"],
  ["24h", "Last 24 h"],
  ["3d", "Last 3 days"],
  ["7d", "Last 7 days"],
  ["30d", "Last 30 days"],
];

/** Liveness of a timestamp against thresholds in ms: `ok`, `warn` or `dead`. */
export function liveness(last: unknown, okMs: number, warnMs: number): "ok" | "warn" | "dead" {
  const ms = toMs(last);
  if (!Number.isFinite(ms)) return "dead";
  const age = Date.now() - ms;
  return age <= okMs ? "ok" : age <= warnMs ? "warn" : "dead";
}

/** A valid finite latitude/longitude pair (0,0 counts as unknown). */
export function hasLoc(lat: unknown, lon: unknown): boolean {
  return typeof lat === "number" && typeof lon === "number" && Number.isFinite(lat) &&
    Number.isFinite(lon) && !(lat === 0 && lon === 0) && Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180;
}

/** Health thresholds in ms (defaults of api.md §4; replaced from `/api/config/client`). */
export const HEALTH: Record<string, number> = {
  infraDegradedMs: 24 * 3600e3,
  infraSilentMs: 72 * 3600e3,
  nodeDegradedMs: 3600e3,
  nodeSilentMs: 24 * 3600e3,
  observerDegradedMs: 60 * 60e3,
  observerSilentMs: 1440 * 60e3,
};

/** Merges numeric thresholds from the client config into {@link HEALTH}. */
export function setHealth(t: unknown): void {
  if (!t || typeof t !== "object") return;
  for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
    if (typeof v === "number" && v > 0 && k in HEALTH) HEALTH[k] = v;
  }
}
