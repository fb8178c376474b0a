/**
 * The reference's store BEFORE its decode-window fix, rebuilt for a
 * like-for-like memory comparison: one JS object per observation holding its
 * PARSED resolved path (an array of key strings), one object per
 * transmission (with `decoded_json`, display fields copied from the best
 * observation and a string set for deduplication), and string-keyed maps for
 * the indexes (hash, id, observation id, observer, payload type, node, path
 * hop). The sub-path index of the reference is left out, so the baseline errs
 * on the small side.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** An observation as the naive store keeps it. */
export interface NaiveObservation {
  id: number;
  txId: number;
  observerId: string | null;
  observerName: string | null;
  observerIata: string | null;
  direction: string | null;
  snr: number | null;
  rssi: number | null;
  score: number | null;
  pathJSON: string;
  /** ISO with milliseconds. */
  timestamp: string;
  /** The decoded resolved path, kept on every observation (what the fix removed). */
  resolvedPath: (string | null)[] | null;
}

/** A transmission as the naive store keeps it. */
export interface NaiveTransmission {
  id: number;
  rawHex: string;
  hash: string;
  firstSeen: string;
  routeType: number | null;
  payloadType: number | null;
  decodedJSON: string | null;
  channelHash: string | null;
  fromPubkey: string | null;
  observations: NaiveObservation[];
  observationCount: number;
  uniqueObserverCount: number;
  latestSeen: string;
  observerId: string | null;
  observerName: string | null;
  observerIata: string | null;
  snr: number | null;
  rssi: number | null;
  pathJSON: string;
  direction: string | null;
  dedupKeys: Set<string>;
}

/** The naive store. */
export interface NaiveStore {
  list: NaiveTransmission[];
  byHash: Map<string, NaiveTransmission>;
  byId: Map<number, NaiveTransmission>;
  byObsId: Map<number, NaiveObservation>;
  byObserver: Map<string, NaiveObservation[]>;
  byPayloadType: Map<number, NaiveTransmission[]>;
  byNode: Map<string, NaiveTransmission[]>;
  byPathHop: Map<string, NaiveTransmission[]>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** Loads every transmission and observation of `db` the naive way. */
export function loadNaive(db: DatabaseSync, chunk = 10_000): NaiveStore {
  const s: NaiveStore = {
    list: [],
    byHash: new Map(),
    byId: new Map(),
    byObsId: new Map(),
    byObserver: new Map(),
    byPayloadType: new Map(),
    byNode: new Map(),
    byPathHop: new Map(),
  };
  const observers = new Map<number, { id: string; name: string | null; iata: string | null }>();
  for (const r of db.prepare("SELECT rowid AS rid, id, name, iata FROM observers").all()) {
    observers.set(Number(r.rid), {
      id: String(r.id),
      name: r.name as string | null,
      iata: r.iata as string | null,
    });
  }
  const txStmt = db.prepare(
    `SELECT id, raw_hex, hash, first_seen, route_type, payload_type, decoded_json, channel_hash,
     from_pubkey FROM transmissions WHERE id > ? ORDER BY id LIMIT ${chunk}`,
  );
  const obsStmt = db.prepare(
    `SELECT id, transmission_id, observer_idx, direction, snr, rssi, score, path_json, timestamp,
     resolved_path FROM observations WHERE transmission_id BETWEEN ? AND ? ORDER BY id`,
  );
  let cursor = -1;
  for (;;) {
    const rows = txStmt.all(cursor);
    if (rows.length === 0) break;
    cursor = Number(rows[rows.length - 1].id);
    for (const r of rows) {
      const tx: NaiveTransmission = {
        id: Number(r.id),
        rawHex: String(r.raw_hex),
        hash: String(r.hash),
        firstSeen: String(r.first_seen),
        routeType: num(r.route_type),
        payloadType: num(r.payload_type),
        decodedJSON: r.decoded_json as string | null,
        channelHash: r.channel_hash as string | null,
        fromPubkey: r.from_pubkey as string | null,
        observations: [],
        observationCount: 0,
        uniqueObserverCount: 0,
        latestSeen: String(r.first_seen),
        observerId: null,
        observerName: null,
        observerIata: null,
        snr: null,
        rssi: null,
        pathJSON: "[]",
        direction: null,
        dedupKeys: new Set(),
      };
      s.list.push(tx);
      s.byHash.set(tx.hash, tx);
      s.byId.set(tx.id, tx);
      push(s.byPayloadType, tx.payloadType ?? -1, tx);
      if (tx.fromPubkey) push(s.byNode, tx.fromPubkey, tx);
    }
    const lo = Number(rows[0].id);
    for (const o of obsStmt.all(lo, cursor)) {
      const tx = s.byId.get(Number(o.transmission_id));
      if (!tx) continue;
      const ob = o.observer_idx === null ? undefined : observers.get(Number(o.observer_idx));
      const pathJSON = String(o.path_json ?? "[]");
      const dedup = `${ob?.id ?? ""}|${pathJSON}`;
      if (tx.dedupKeys.has(dedup)) continue;
      tx.dedupKeys.add(dedup);
      let resolved: (string | null)[] | null = null;
      if (o.resolved_path !== null) {
        const v = JSON.parse(String(o.resolved_path)) as (string | null)[];
        resolved = v.some((x) => x !== null) ? v : null;
      }
      const obs: NaiveObservation = {
        id: Number(o.id),
        txId: tx.id,
        observerId: ob?.id ?? null,
        observerName: ob?.name ?? null,
        observerIata: ob?.iata ?? null,
        direction: o.direction as string | null,
        snr: num(o.snr),
        rssi: num(o.rssi),
        score: num(o.score),
        pathJSON,
        timestamp: new Date(Number(o.timestamp) * 1000).toISOString(),
        resolvedPath: resolved,
      };
      tx.observations.push(obs);
      tx.observationCount++;
      tx.uniqueObserverCount = new Set(tx.observations.map((x) => x.observerId)).size;
      if (obs.timestamp > tx.latestSeen) tx.latestSeen = obs.timestamp;
      const bestHops = (JSON.parse(tx.pathJSON) as string[]).length;
      const hops = JSON.parse(pathJSON) as string[];
      if (tx.observations.length === 1 || hops.length > bestHops) {
        tx.observerId = obs.observerId;
        tx.observerName = obs.observerName;
        tx.observerIata = obs.observerIata;
        tx.snr = obs.snr;
        tx.rssi = obs.rssi;
        tx.pathJSON = pathJSON;
        tx.direction = obs.direction;
        for (const h of hops) push(s.byPathHop, h.toLowerCase(), tx);
      }
      if (resolved) { for (const k of resolved) if (k) push(s.byPathHop, k, tx); }
      s.byObsId.set(obs.id, obs);
      if (obs.observerId) push(s.byObserver, obs.observerId, obs);
    }
  }
  s.list.sort((a, b) => (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : 0));
  return s;
}
