/**
 * Observers as the API shows them: the `observers` table (read through the
 * injected read connection), joined with the node directory (position, role)
 * and the last hour's packet counts. The table is small; the list is cached
 * for `ttlMs` (30 s by default, like the reference).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { NodeDirectory } from "../store/node_directory.ts";
import { iso } from "./shapes.ts";

/** One observer in the API shape (api.md §2.3). */
export interface ObserverJson {
  id: string;
  name: string | null;
  iata: string | null;
  last_seen: string | null;
  first_seen: string | null;
  packet_count: number;
  model: string | null;
  firmware: string | null;
  client_version: string | null;
  radio: string | null;
  battery_mv: number | null;
  uptime_secs: number | null;
  noise_floor: number | null;
  last_packet_at: string | null;
  packetsLastHour: number;
  lat: number | null;
  lon: number | null;
  nodeRole: string | null;
  clock_naive: boolean;
  clock_skew_seconds: number | null;
  clock_skew_count_24h: number;
  can_relay: boolean | null;
  inactive: boolean;
  /** `observers.rowid` (joins `observations.observer_idx`). */
  rowid: number;
}

type Row = Record<string, unknown>;

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "bigint") return Number(v);
  return null;
}

/** Normalises a stored time (RFC3339 or epoch) to ISO-8601 with ms. */
function time(v: unknown): string | null {
  if (typeof v === "number") return iso(v > 1e12 ? v : v * 1000);
  const s = str(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? iso(ms) : s;
}

/** Cached observer list over the read connection. */
export class ObserverSource {
  readonly #db: DatabaseSync;
  readonly #nodes: NodeDirectory;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #cache: { at: number; list: ObserverJson[]; byId: Map<string, ObserverJson> } | null = null;

  /** Creates a source; `ttlMs` = 0 disables caching. */
  constructor(
    db: DatabaseSync,
    nodes: NodeDirectory,
    ttlMs = 30_000,
    now: () => number = Date.now,
  ) {
    this.#db = db;
    this.#nodes = nodes;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Age of the cached list in seconds (0 when freshly read). */
  cacheAgeSeconds(): number {
    return this.#cache ? Math.floor((this.#now() - this.#cache.at) / 1000) : 0;
  }

  /** Every observer, most recently seen first. */
  list(): ObserverJson[] {
    return this.#load().list;
  }

  /** One observer by id (case-insensitive), or undefined. */
  get(id: string): ObserverJson | undefined {
    return this.#load().byId.get(id.toUpperCase());
  }

  /** Distinct IATA codes of all observers, sorted. */
  iatas(): string[] {
    const set = new Set<string>();
    for (const o of this.list()) if (o.iata) set.add(o.iata);
    return [...set].sort();
  }

  /** Forgets the cached list. */
  invalidate(): void {
    this.#cache = null;
  }

  #load() {
    const now = this.#now();
    if (this.#cache && now - this.#cache.at < this.#ttlMs) return this.#cache;
    const rows = this.#db.prepare(`SELECT rowid AS _rowid, * FROM observers`).all() as Row[];
    const hourAgo = Math.floor(now / 1000) - 3600;
    const counts = new Map<number, number>();
    for (
      const r of this.#db.prepare(
        `SELECT observer_idx AS i, COUNT(*) AS n FROM observations
         WHERE timestamp >= ? GROUP BY observer_idx`,
      ).all(hourAgo) as Row[]
    ) {
      if (r.i !== null) counts.set(Number(r.i), Number(r.n));
    }
    const list = rows.map((r) => this.#toJson(r, counts));
    list.sort((a, b) => (b.last_seen ?? "").localeCompare(a.last_seen ?? ""));
    const byId = new Map(list.map((o) => [o.id.toUpperCase(), o]));
    this.#cache = { at: now, list, byId };
    return this.#cache;
  }

  #toJson(r: Row, counts: Map<number, number>): ObserverJson {
    const id = String(r.id);
    const rowid = Number(r._rowid);
    const node = /^[0-9a-fA-F]{64}$/.test(id) ? this.#nodes.byKey(id) : undefined;
    const canRelaySeen = num(r.can_relay_seen) === 1;
    return {
      id,
      name: str(r.name),
      iata: str(r.iata),
      last_seen: time(r.last_seen),
      first_seen: time(r.first_seen),
      packet_count: num(r.packet_count) ?? 0,
      model: str(r.model),
      firmware: str(r.firmware),
      client_version: str(r.client_version),
      radio: str(r.radio),
      battery_mv: num(r.battery_mv),
      uptime_secs: num(r.uptime_secs),
      noise_floor: num(r.noise_floor),
      last_packet_at: time(r.last_packet_at),
      packetsLastHour: counts.get(rowid) ?? 0,
      lat: node?.lat ?? null,
      lon: node?.lon ?? null,
      nodeRole: node?.role ?? null,
      clock_naive: str(r.clock_last_naive_at) !== null,
      clock_skew_seconds: num(r.clock_skew_seconds),
      clock_skew_count_24h: num(r.clock_skew_count_24h) ?? 0,
      can_relay: canRelaySeen ? num(r.can_relay) === 1 : null,
      inactive: num(r.inactive) === 1,
      rowid,
    };
  }
}
