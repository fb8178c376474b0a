/**
 * Row sources for the packets table. `GroupedSource` pages `groupByHash`
 * results by offset (random access, so the scrollbar spans the full total);
 * `ObservationSource` loads transmissions with their observations page after
 * page and shows one row per observation. Both accept live rows on top.
 *
 * @module
 */

import { getJson, qs } from "./api.ts";
import { hopsOf, parseJson, typeName } from "./format.ts";
import type { LiveFrame } from "./ws.ts";

/** A packets-table row (a group or one observation). */
export interface PacketRow {
  id: number;
  hash: string;
  first_seen: string;
  latest?: string;
  timestamp?: string;
  route_type: number;
  payload_type: number;
  decoded_json?: string;
  raw_hex?: string;
  observer_id?: string;
  observer_name?: string;
  observer_iata?: string;
  snr?: number | null;
  rssi?: number | null;
  path_json?: string;
  observation_count?: number;
  count?: number;
  observer_count?: number;
  observations?: Record<string, unknown>[];
  /** Cached one-line summary. */
  _s?: string;
  /** Marks rows that arrived live. */
  _live?: boolean;
}

/** Filters applied to the packets query (already API parameter names). */
export type PacketFilters = Record<string, string | undefined>;

/** The interface both sources implement. */
export interface PacketSource {
  readonly count: number;
  readonly total: number;
  get(i: number): PacketRow | undefined;
  need(start: number, end: number): void;
  first(): Promise<void>;
  addLive(row: PacketRow): "new" | "updated" | "none";
  destroy(): void;
}

const PAGE = 250;

/** A one-line summary of a row's decoded payload (plain text). */
export function summary(r: PacketRow): string {
  if (r._s !== undefined) return r._s;
  const d = parseJson<Record<string, unknown>>(r.decoded_json, {});
  let s = "";
  if (d.name !== undefined) s = String(d.name);
  else if (d.text !== undefined) {
    s = (d.channel ? `[${d.channel}] ` : "") + String(d.text);
  } else if (d.channelHashHex) s = `enc ch ${d.channelHashHex}`;
  else if (d.destHash !== undefined) s = `${d.srcHash ?? "?"} → ${d.destHash}`;
  else if (d.extraHash) s = `ack ${d.extraHash}`;
  else s = typeName(r.payload_type);
  r._s = s.length > 160 ? s.slice(0, 160) + "…" : s;
  return r._s;
}

/** Number of hops in a row's path. */
export function hopCount(r: PacketRow): number {
  return hopsOf(r.path_json).length;
}

/** Converts a live WebSocket frame into a table row. */
export function frameToRow(f: LiveFrame): PacketRow {
  const p = (f.packet ?? {}) as Record<string, unknown>;
  const dec = f.decoded;
  const ts = f.timestamp ?? (p.timestamp as string) ?? f.first_seen ?? new Date().toISOString();
  return {
    id: Number(p.transmission_id ?? f.id),
    hash: String(f.hash ?? p.hash ?? ""),
    first_seen: f.first_seen ?? ts,
    latest: ts,
    timestamp: ts,
    route_type: Number(f.route_type ?? p.route_type ?? dec?.header?.routeType ?? -1),
    payload_type: Number(f.payload_type ?? p.payload_type ?? dec?.header?.payloadType ?? -1),
    decoded_json: f.decoded_json ?? (p.decoded_json as string) ??
      (dec?.payload ? JSON.stringify(dec.payload) : undefined),
    raw_hex: f.raw_hex ?? (p.raw_hex as string),
    observer_id: f.observer_id ?? (p.observer_id as string),
    observer_name: f.observer_name ?? (p.observer_name as string),
    snr: f.snr ?? (p.snr as number) ?? null,
    rssi: f.rssi ?? (p.rssi as number) ?? null,
    path_json: f.path_json ?? (p.path_json as string) ?? "[]",
    observation_count: f.observation_count ?? 1,
    count: 1,
    observer_count: 1,
    _live: true,
  };
}

/** Whether a live row passes the client-side part of `f` (`iata` maps observer → IATA). */
export function matchesFilters(r: PacketRow, f: PacketFilters, iata: Map<string, string>): boolean {
  if (f.type && !f.type.split(",").includes(String(r.payload_type))) return false;
  if (f.route && String(r.route_type) !== f.route) return false;
  if (f.hash && !r.hash.startsWith(f.hash.toLowerCase())) return false;
  if (f.observer && !f.observer.split(",").includes(r.observer_id ?? "")) return false;
  if (f.region && f.region !== "All") {
    const code = iata.get(r.observer_id ?? "") ?? r.observer_iata ?? "";
    if (!f.region.split(",").includes(code)) return false;
  }
  const dj = (r.decoded_json ?? "").toLowerCase();
  if (f.node && !dj.includes(f.node.toLowerCase())) return false;
  if (f.channel && !dj.includes(f.channel.toLowerCase().replace(/^enc_/, ""))) return false;
  return true;
}

/** Grouped-by-hash rows with random-access paging. */
export class GroupedSource implements PacketSource {
  #f: PacketFilters;
  #pages = new Map<number, PacketRow[]>();
  #loading = new Set<number>();
  #live: PacketRow[] = [];
  #byHash = new Map<string, PacketRow>();
  #serverTotal = 0;
  #until: string | undefined;
  #onChange: () => void;
  #onError: (e: unknown) => void;
  #ctl = new AbortController();
  #firstP: Promise<void> | undefined;
  #want: [number, number] = [0, 0];
  #needTimer: ReturnType<typeof setTimeout> | undefined;
  #needSince = 0;

  /** Creates a source for `filters`; `onChange` is called when rows arrive. */
  constructor(filters: PacketFilters, onChange: () => void, onError: (e: unknown) => void) {
    this.#f = filters;
    this.#until = filters.until;
    this.#onChange = onChange;
    this.#onError = onError;
  }

  get count(): number {
    return this.#live.length + this.#serverTotal;
  }

  get total(): number {
    return this.count;
  }

  get(i: number): PacketRow | undefined {
    if (i < this.#live.length) return this.#live[i];
    const j = i - this.#live.length;
    return this.#pages.get(Math.floor(j / PAGE))?.[j % PAGE];
  }

  first(): Promise<void> {
    return this.#firstP ??= this.#load(0).then(() => {
      const top = this.#pages.get(0)?.[0];
      if (!this.#until && top) this.#until = top.latest ?? top.first_seen;
    });
  }

  need(start: number, end: number): void {
    // Debounced (80 ms, at most 300 ms late) so flinging the scrollbar across
    // thousands of rows only fetches where it settles.
    this.#want = [start, end];
    const now = performance.now();
    if (this.#needTimer === undefined) this.#needSince = now;
    clearTimeout(this.#needTimer);
    const wait = !this.#pages.size || now - this.#needSince > 300 ? 0 : 80;
    this.#needTimer = setTimeout(() => this.#fetchWanted(), wait);
  }

  #fetchWanted(): void {
    this.#needTimer = undefined;
    const [s, e] = this.#want;
    const a = Math.max(0, s - this.#live.length);
    const b = Math.max(0, e - this.#live.length);
    for (let p = Math.floor(a / PAGE); p <= Math.floor(b / PAGE); p++) {
      if (!this.#pages.has(p) && !this.#loading.has(p) && p * PAGE < this.#serverTotal) {
        this.#load(p).catch(this.#onError);
      }
    }
  }

  async #load(p: number): Promise<void> {
    this.#loading.add(p);
    try {
      const res = await getJson<{ packets: PacketRow[]; total: number }>(
        "/api/packets" +
          qs({ ...this.#f, groupByHash: true, limit: PAGE, offset: p * PAGE, until: this.#until }),
        this.#ctl.signal,
      );
      const rows = res.packets ?? [];
      for (const r of rows) this.#byHash.set(r.hash, r);
      this.#pages.set(p, rows);
      if (typeof res.total === "number") this.#serverTotal = res.total;
      else this.#serverTotal = Math.max(this.#serverTotal, p * PAGE + rows.length);
      this.#onChange();
    } finally {
      this.#loading.delete(p);
    }
  }

  addLive(row: PacketRow): "new" | "updated" | "none" {
    const old = this.#byHash.get(row.hash);
    if (old) {
      old.count = (old.count ?? old.observation_count ?? 1) + 1;
      old.observation_count = old.count;
      old.latest = row.latest;
      return "updated";
    }
    this.#byHash.set(row.hash, row);
    this.#live.unshift(row);
    return "new";
  }

  destroy(): void {
    this.#ctl.abort();
  }
}

/** One row per observation, loaded page after page (`expand=observations`). */
export class ObservationSource implements PacketSource {
  #f: PacketFilters;
  #rows: PacketRow[] = [];
  #live: PacketRow[] = [];
  #offset = 0;
  #more = true;
  #busy = false;
  #txTotal = 0;
  #until: string | undefined;
  #onChange: () => void;
  #onError: (e: unknown) => void;
  #ctl = new AbortController();
  #firstP: Promise<void> | undefined;

  /** Creates a source for `filters`. */
  constructor(filters: PacketFilters, onChange: () => void, onError: (e: unknown) => void) {
    this.#f = filters;
    this.#until = filters.until;
    this.#onChange = onChange;
    this.#onError = onError;
  }

  get count(): number {
    return this.#live.length + this.#rows.length + (this.#more ? Math.min(50, PAGE) : 0);
  }

  get total(): number {
    return this.#live.length + this.#rows.length;
  }

  get(i: number): PacketRow | undefined {
    if (i < this.#live.length) return this.#live[i];
    return this.#rows[i - this.#live.length];
  }

  first(): Promise<void> {
    return this.#firstP ??= this.#next().then(() => {
      if (!this.#until && this.#rows[0]) this.#until = this.#rows[0].first_seen;
    });
  }

  need(_start: number, end: number): void {
    if (end > this.#live.length + this.#rows.length && this.#more && !this.#busy) {
      this.#next().catch(this.#onError);
    }
  }

  async #next(): Promise<void> {
    this.#busy = true;
    try {
      const res = await getJson<{ packets: PacketRow[]; total: number }>(
        "/api/packets" +
          qs({
            ...this.#f,
            expand: "observations",
            limit: PAGE,
            offset: this.#offset,
            until: this.#until,
          }),
        this.#ctl.signal,
      );
      const tx = res.packets ?? [];
      this.#offset += tx.length;
      this.#txTotal = res.total ?? this.#offset;
      this.#more = tx.length > 0 && this.#offset < this.#txTotal;
      for (const t of tx) {
        const obs = t.observations?.length
          ? t.observations
          : [t as unknown as Record<string, unknown>];
        for (const o of obs) {
          this.#rows.push({
            ...t,
            observations: undefined,
            observer_id: o.observer_id as string,
            observer_name: o.observer_name as string,
            observer_iata: (o.observer_iata as string) ?? t.observer_iata,
            snr: o.snr as number,
            rssi: o.rssi as number,
            path_json: (o.path_json as string) ?? t.path_json,
            timestamp: (o.timestamp as string) ?? t.first_seen,
            latest: (o.timestamp as string) ?? t.first_seen,
          });
        }
      }
      this.#onChange();
    } finally {
      this.#busy = false;
    }
  }

  addLive(row: PacketRow): "new" | "updated" | "none" {
    this.#live.unshift(row);
    return "new";
  }

  destroy(): void {
    this.#ctl.abort();
  }
}
