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

  constructor(opts: {
    db: DatabaseSync;
    index?: CoverageIndex;
    retentionDays: number;
    decodeOptions?: Parameters<typeof decodePacket>[1];
    now?: () => number;
  }) {
    this.#db = opts.db;
    this.index = opts.index ?? new CoverageIndex();
    this.#retentionMs = Math.max(1, opts.retentionDays) * DAY_MS;
    this.#decodeOptions = opts.decodeOptions;
    this.#now = opts.now ?? Date.now;
    this.#insert = opts.db.prepare(
      `INSERT OR IGNORE INTO client_receptions (rx_pubkey, heard_key, heard_keylen, rssi, snr,
        lat, lon, pos_acc_m, rx_at, ingested_at, src) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
    );
  }

  /** Loads the retained rows into the index (startup). Returns the count. */
  load(): number {
    const since = new Date(this.#now() - this.#retentionMs).toISOString();
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

  /** Ingests one client reception; true when it was new evidence and stored. */
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

  /** Stores one reception (row + index); false for a duplicate. */
  add(r: ReceptionInput, accM: number | null = null, src = "rxlog"): boolean {
    const at = new Date(r.rxAtMs).toISOString();
    const res = this.#insert.run(
      r.rxPubkey.toLowerCase(),
      r.heardKey.toLowerCase(),
      r.heardKey.length >> 1,
      r.rssi === null ? null : Math.round(r.rssi),
      r.snr,
      r.lat,
      r.lon,
      accM,
      at,
      new Date(this.#now()).toISOString(),
      src,
    );
    if (Number(res.changes) === 0) {
      this.stats.duplicate++;
      return false;
    }
    this.index.add(r);
    this.stats.stored++;
    if (this.#now() - this.#lastExpire > 3_600_000) this.expire();
    return true;
  }

  /** Drops receptions older than the retention window from SQLite and the index. */
  expire(): number {
    const cutoffMs = this.#now() - this.#retentionMs;
    this.#lastExpire = this.#now();
    this.#db.prepare(`DELETE FROM client_receptions WHERE rx_at < ?`)
      .run(new Date(cutoffMs).toISOString());
    const n = this.index.expireBefore(cutoffMs);
    this.stats.expired += n;
    return n;
  }
}
