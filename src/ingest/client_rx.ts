/**
 * Roaming-client receptions (`meshcore/client/{pk}/packets` with a GPS fix):
 * which node the client heard directly (the heard key: last hop of a flood
 * path when it is 2–3 bytes, or the advertiser of a zero-hop ADVERT — the
 * reference's rule; 1-byte hops and direct routes are not evidence), stored in
 * `client_receptions` and added to the in-memory {@linkcode CoverageIndex}.
 * Retention removes rows older than the window from both.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { decodePacket } from "../meshcore/mod.ts";
import type { ClientReceptionMessage } from "./message_types.ts";
import { CoverageIndex, type ReceptionInput } from "../store/coverage_index.ts";

const DAY_MS = 86_400_000;
/** Rows per write transaction. */
export const BATCH_ROWS = 2000;
/** Longest a queued reception waits for its transaction, ms. */
export const BATCH_MS = 200;
const PAYLOAD_ADVERT = 4;

/** The heard key and its source (`rxlog` or `advert`), or null when the packet is no evidence. */
export function heardKeyOf(
  direction: string | null,
  routeType: number,
  hops: readonly string[],
  payloadType: number,
  advertKey: string | null,
): { key: string; src: "rxlog" | "advert" } | null {
  if ((direction ?? "").toLowerCase() !== "rx") return null;
  if (hops.length > 0) {
    if (routeType !== 0 && routeType !== 1) return null; // direct: the last hop is not the sender
    const last = hops[hops.length - 1].toLowerCase();
    return last.length >= 4 ? { key: last, src: "rxlog" } : null;
  }
  if (payloadType === PAYLOAD_ADVERT && advertKey) {
    return { key: advertKey.toLowerCase(), src: "advert" };
  }
  return null;
}

/** Counters of client-reception ingest. */
export interface ClientRxStats {
  stored: number;
  duplicate: number;
  /** Not direct evidence of a heard node (tx direction, direct route, 1-byte hop, undecodable). */
  skipped: number;
  expired: number;
}

/** See the module doc. */
export class ClientRxIngest {
  readonly index: CoverageIndex;
  readonly stats: ClientRxStats = { stored: 0, duplicate: 0, skipped: 0, expired: 0 };
  #db: DatabaseSync;
  #insert: StatementSync;
  #retentionMs: number;
  #decodeOptions: Parameters<typeof decodePacket>[1];
  #now: () => number;
  #lastExpire = 0;
  #pending: { r: ReceptionInput; accM: number | null; src: string }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: {
    db: DatabaseSync;
    index?: CoverageIndex;
    retentionDays: number;
    decodeOptions?: Parameters<typeof decodePacket>[1];
    now?: () => number;
  }) {
    this.#db = opts.db;
    this.index = opts.index ?? new CoverageIndex();
    // 0 (or less) keeps every reception, as the reference's `retention.clientRxDays` 0 does.
    this.#retentionMs = opts.retentionDays > 0 ? opts.retentionDays * DAY_MS : Infinity;
    this.#decodeOptions = opts.decodeOptions;
    this.#now = opts.now ?? Date.now;
    this.#insert = opts.db.prepare(
      `INSERT OR IGNORE INTO client_receptions (rx_pubkey, heard_key, heard_keylen, rssi, snr,
        lat, lon, pos_acc_m, rx_at, ingested_at, src) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
    );
  }

  /** Loads the retained rows into the index (startup). Returns the count. */
  load(): number {
    const since = Number.isFinite(this.#retentionMs)
      ? new Date(this.#now() - this.#retentionMs).toISOString()
      : "";
    const rows = this.#db.prepare(
      `SELECT rx_pubkey, heard_key, lat, lon, snr, rssi, rx_at FROM client_receptions
       WHERE rx_at >= ? ORDER BY rx_at`,
    ).iterate(since);
    let n = 0;
    for (const r of rows) {
      const at = Date.parse(String(r.rx_at));
      if (!Number.isFinite(at)) continue;
      this.index.add({
        rxPubkey: String(r.rx_pubkey),
        heardKey: String(r.heard_key),
        lat: Number(r.lat),
        lon: Number(r.lon),
        snr: r.snr === null ? null : Number(r.snr),
        rssi: r.rssi === null ? null : Number(r.rssi),
        rxAtMs: at,
      });
      n++;
    }
    this.#lastExpire = this.#now();
    return n;
  }

  /** Ingests one client reception; true when it is evidence of a heard node and was queued. */
  ingest(msg: ClientReceptionMessage): boolean {
    const decoded = decodePacket(msg.raw, this.#decodeOptions);
    if (!decoded.valid || !decoded.header || !decoded.path) {
      this.stats.skipped++;
      return false;
    }
    const payload = (decoded.payload ?? {}) as { pubKey?: unknown };
    const heard = heardKeyOf(
      msg.direction,
      decoded.header.routeType,
      decoded.path.hops,
      decoded.header.payloadType,
      typeof payload.pubKey === "string" ? payload.pubKey : null,
    );
    if (!heard) {
      this.stats.skipped++;
      return false;
    }
    const rxAtMs = msg.receivedAtMs || this.#now();
    return this.add(
      {
        rxPubkey: msg.clientKey,
        heardKey: heard.key,
        lat: msg.lat,
        lon: msg.lon,
        snr: msg.snr,
        rssi: msg.rssi,
        rxAtMs,
      },
      msg.accM,
      heard.src,
    );
  }

  /**
   * Queues one reception; rows are written in one transaction per batch (every
   * {@linkcode BATCH_ROWS} rows or {@linkcode BATCH_MS} ms) and enter the index as their
   * INSERT succeeds (the UNIQUE constraint refuses duplicates). Returns true when queued.
   */
  add(r: ReceptionInput, accM: number | null = null, src = "rxlog"): boolean {
    this.#pending.push({ r, accM, src });
    if (this.#pending.length >= BATCH_ROWS) this.flush();
    else if (this.#timer === undefined) {
      const timer = setTimeout(() => this.flush(), BATCH_MS);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
    return true;
  }

  /** Writes the queued receptions (one transaction) and adds the new ones to the index. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    if (batch.length === 0) return;
    if (this.#db.isTransaction) {
      // another component holds a transaction across a yield: try again shortly
      const timer = setTimeout(() => this.flush(), BATCH_MS);
      Deno.unrefTimer(timer);
      this.#timer = timer;
      return;
    }
    this.#pending = [];
    const ingestedAt = new Date(this.#now()).toISOString();
    this.#db.exec("BEGIN IMMEDIATE");
    const added: ReceptionInput[] = [];
    try {
      for (const { r, accM, src } of batch) {
        const res = this.#insert.run(
          r.rxPubkey.toLowerCase(),
          r.heardKey.toLowerCase(),
          r.heardKey.length >> 1,
          r.rssi === null ? null : Math.round(r.rssi),
          r.snr,
          r.lat,
          r.lon,
          accM,
          new Date(r.rxAtMs).toISOString(),
          ingestedAt,
          src,
        );
        if (Number(res.changes) === 0) this.stats.duplicate++;
        else added.push(r);
      }
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
    for (const r of added) this.index.add(r);
    this.stats.stored += added.length;
    if (this.#now() - this.#lastExpire > 3_600_000) this.expire();
  }

  /** Drops receptions older than the retention window from SQLite and the index. */
  expire(): number {
    const cutoffMs = this.#now() - this.#retentionMs;
    this.#lastExpire = this.#now();
    if (!Number.isFinite(cutoffMs)) return 0;
    this.#db.prepare(`DELETE FROM client_receptions WHERE rx_at < ?`)
      .run(new Date(cutoffMs).toISOString());
    const n = this.index.expireBefore(cutoffMs);
    this.stats.expired += n;
    return n;
  }
}
