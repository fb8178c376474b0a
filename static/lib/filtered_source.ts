/**
 * A packets-table source for client-side filter expressions and column
 * sorting: it scans the newest grouped packets (the server-side filters still
 * apply) page after page up to a cap, keeps the rows the compiled expression
 * matches and orders them by the chosen sort. Live rows are tested the same way.
 *
 * @module
 */

import { getJson, qs } from "./api.ts";
import type { CompiledFilter } from "./filter_lang.ts";
import { hopsOf } from "./format.ts";
import type { PacketFilters, PacketRow, PacketSource } from "./packet_source.ts";

/** Rows scanned at most for one expression. */
export const SCAN_CAP = 20_000;
const PAGE = 2000;

/** Sort keys offered on the packets page: `[key, label]`. */
export const PACKET_SORTS: [string, string][] = [
  ["", "Newest first"],
  ["time:asc", "Oldest first"],
  ["snr:desc", "SNR ↓"],
  ["snr:asc", "SNR ↑"],
  ["rssi:desc", "RSSI ↓"],
  ["hops:asc", "Path ↑ (shortest)"],
  ["hops:desc", "Path ↓ (longest)"],
  ["obs:desc", "Most observations"],
  ["size:desc", "Largest"],
  ["type:asc", "Type"],
  ["observer:asc", "Observer"],
  ["hash:asc", "Hash"],
];

const KEY: Record<string, (r: PacketRow) => number | string> = {
  time: (r) => Date.parse(r.latest ?? r.timestamp ?? r.first_seen) || 0,
  snr: (r) => r.snr ?? -Infinity,
  rssi: (r) => r.rssi ?? -Infinity,
  hops: (r) => hopsOf(r.path_json).length,
  obs: (r) => r.count ?? r.observation_count ?? 1,
  size: (r) => (r.raw_hex?.length ?? 0) / 2,
  type: (r) => r.payload_type,
  observer: (r) => (r.observer_name ?? r.observer_id ?? "").toLowerCase(),
  hash: (r) => r.hash,
};

/** A comparator for a sort token `key:dir` (or `null` for the server's newest-first order). */
export function sortComparator(
  token: string | undefined,
): ((a: PacketRow, b: PacketRow) => number) | null {
  if (!token) return null;
  const [k, dir] = token.split(":");
  const key = KEY[k];
  if (!key) return null;
  const m = dir === "asc" ? 1 : -1;
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * m;
  };
}

/** Whether a sort token needs the client-side source (time:desc / empty is the server's). */
export function needsClientSort(token: string | undefined): boolean {
  return !!token && token !== "time:desc" && sortComparator(token) !== null;
}

/** One row per observation of each transmission in `tx` (`expand=observations` rows). */
export function flattenObservations(tx: PacketRow[]): PacketRow[] {
  const out: PacketRow[] = [];
  for (const t of tx) {
    const obs = t.observations?.length ? t.observations : [t as unknown as Record<string, unknown>];
    for (const o of obs) {
      const ts = (o.timestamp as string) ?? t.first_seen;
      out.push({
        ...t,
        observations: undefined,
        observer_id: o.observer_id as string,
        observer_name: o.observer_name as string,
        observer_iata: (o.observer_iata as string) ?? t.observer_iata,
        snr: o.snr as number,
        rssi: o.rssi as number,
        path_json: (o.path_json as string) ?? t.path_json,
        timestamp: ts,
        latest: ts,
        count: 1,
      });
    }
  }
  return out;
}

/** Scans, filters and sorts on the client (grouped rows, or one per observation). */
export class FilteredSource implements PacketSource {
  #f: PacketFilters;
  #test: CompiledFilter | null;
  #cmp: ((a: PacketRow, b: PacketRow) => number) | null;
  #rows: PacketRow[] = [];
  #scanned = 0;
  #done = false;
  #onChange: () => void;
  #onError: (e: unknown) => void;
  #ctl = new AbortController();
  #firstP: Promise<void> | undefined;
  #perObs: boolean;

  /**
   * Creates a source over `filters`, keeping rows that pass `expr`, ordered by
   * `sort`; `perObservation` tests and shows each observation on its own.
   */
  constructor(
    filters: PacketFilters,
    expr: CompiledFilter | null,
    sort: string | undefined,
    onChange: () => void,
    onError: (e: unknown) => void,
    perObservation = false,
  ) {
    this.#perObs = perObservation;
    this.#f = filters;
    this.#test = expr;
    this.#cmp = sortComparator(sort);
    this.#onChange = onChange;
    this.#onError = onError;
  }

  get count(): number {
    return this.#rows.length;
  }

  get total(): number {
    return this.#rows.length;
  }

  /** Rows examined so far and whether the scan stopped at the cap. */
  get progress(): { scanned: number; done: boolean; capped: boolean } {
    return { scanned: this.#scanned, done: this.#done, capped: this.#scanned >= SCAN_CAP };
  }

  get(i: number): PacketRow | undefined {
    return this.#rows[i];
  }

  need(): void {}

  first(): Promise<void> {
    return this.#firstP ??= this.#scan();
  }

  async #scan(): Promise<void> {
    let until = this.#f.until;
    let offset = 0;
    const now = Date.now();
    try {
      while (this.#scanned < SCAN_CAP) {
        const page = this.#perObs ? PAGE / 4 : PAGE;
        const res = await getJson<{ packets: PacketRow[]; total: number }>(
          "/api/packets" + qs({
            ...this.#f,
            ...(this.#perObs ? { expand: "observations" } : { groupByHash: true }),
            limit: page,
            offset,
            until,
          }),
          this.#ctl.signal,
        );
        const tx = res.packets ?? [];
        if (!until && tx[0]) until = tx[0].latest ?? tx[0].first_seen;
        offset += tx.length;
        const rows = this.#perObs ? flattenObservations(tx) : tx;
        this.#scanned += rows.length;
        for (const r of rows) if (!this.#test || this.#test.test(r, now)) this.#rows.push(r);
        if (this.#cmp) this.#rows.sort(this.#cmp);
        this.#onChange();
        if (tx.length < page || offset >= (res.total ?? 0)) break;
      }
    } catch (e) {
      if ((e as Error).name !== "AbortError") this.#onError(e);
      throw e;
    } finally {
      this.#done = true;
      this.#onChange();
    }
  }

  addLive(row: PacketRow): "new" | "updated" | "none" {
    if (this.#test && !this.#test.test(row)) return "none";
    const old = this.#perObs ? undefined : this.#rows.find((r) => r.hash === row.hash);
    if (old) {
      old.count = (old.count ?? old.observation_count ?? 1) + 1;
      old.latest = row.latest;
      return "updated";
    }
    if (this.#cmp) {
      const at = this.#rows.findIndex((r) => this.#cmp!(row, r) < 0);
      this.#rows.splice(at < 0 ? this.#rows.length : at, 0, row);
    } else this.#rows.unshift(row);
    return "new";
  }

  destroy(): void {
    this.#ctl.abort();
  }
}
