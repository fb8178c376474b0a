/**
 * The loader's decode window, as a packed, transferable batch: the
 * transmissions of one id range and their observations, read from SQLite and
 * decoded into typed arrays (raw hex -> bytes, `path_json` -> hop bytes,
 * `resolved_path` parsed once -> key ids). Runs in a load worker
 * (`load_worker.ts`) or, as a fallback, in the loading thread; either way the
 * thread filling the store receives typed arrays and allocates next to nothing
 * per row (JS garbage is what inflates a V8 process's RSS for good).
 *
 * @module
 */

import { figureOrNaN } from "../ingest/validate.ts";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  bytesHex,
  hexInto,
  isLowerHex,
  type ParsedPath,
  parsePathJson,
  parseResolvedSpans,
  payloadOffset,
} from "./codec.ts";

const OBS_SQL = `SELECT id, transmission_id, observer_idx, direction, snr, rssi, score, path_json,
  timestamp, resolved_path FROM observations
  WHERE transmission_id BETWEEN ? AND ? ORDER BY transmission_id, id`;

/** Payload types whose payload starts with dest(1) src(1). */
const DEST_SRC = [true, true, true, false, false, false, false, false, true];

/** Transmission flag bits in a batch. */
export const BTX = { VERSION_NULL: 1, RAW_LOWER: 2, BAD_TIME: 4 } as const;

/** One id range of transmissions with their observations, in typed arrays. */
export interface PackedBatch {
  ntx: number;
  txId: Int32Array;
  firstSeen: Float64Array;
  /** Header byte route | type << 2 | version << 6 (columns win over the raw byte). */
  header: Uint8Array;
  txFlags: Uint8Array;
  rawOff: Uint32Array;
  rawLen: Uint16Array;
  raw: Uint8Array;
  hash: string[];
  /** Index into `strings` + 1; 0 = NULL. */
  channel: Int32Array;
  scope: Int32Array;
  /** Key id of the ADVERT originator, -1 none. */
  from: Int32Array;
  src: Int16Array;
  dest: Int16Array;
  /** Batch-local dictionary of channel and scope names. */
  strings: string[];
  n: number;
  id: Int32Array;
  tx: Int32Array;
  /** `observer_idx` (observers.rowid), -1 for NULL. */
  observer: Int32Array;
  /** Index into `strings` + 1; 0 = NULL. */
  dir: Int32Array;
  /** NaN = NULL. */
  snr: Float64Array;
  rssi: Float64Array;
  score: Float64Array;
  /** Epoch ms. */
  ts: Float64Array;
  hopCount: Uint8Array;
  hashSize: Uint8Array;
  pathOff: Uint32Array;
  hops: Uint8Array;
  /** Offset of the resolved key ids in `res`, -1 when the stored value counts as NULL. */
  resOff: Int32Array;
  res: Int32Array;
  /** Keys first used by this batch: key id `keyBase + i` is `newKeys[i]`. */
  keyBase: number;
  newKeys: string[];
  /** Observations whose `path_json` could not be parsed (kept with no hops). */
  badPaths: number;
}

/**
 * Interns public keys into a local id space (per worker) and hands the new
 * ones out per batch. Keys inside a JSON string are matched without making a
 * substring: by their first 8 hex digits, confirmed character by character.
 */
export class LocalKeys {
  keys: string[] = [];
  byKey: Map<string, number> = new Map();
  byPrefix: Map<number, number> = new Map();
  private base = 0;

  /** Id of a key (lowercased). */
  intern(key: string): number {
    const k = key.toLowerCase();
    let id = this.byKey.get(k);
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(k);
      this.byKey.set(k, id);
      const p = prefix32(k, 0);
      if (p >= 0 && !this.byPrefix.has(p)) this.byPrefix.set(p, id);
    }
    return id;
  }

  /** Id of the key `json[start, end)`. */
  internAt = (json: string, start: number, end: number): number => {
    const p = end - start === 64 ? prefix32(json, start) : -1;
    if (p >= 0) {
      const id = this.byPrefix.get(p);
      // Native comparison; a key in another case falls through to the slow path.
      if (id !== undefined && json.startsWith(this.keys[id], start)) return id;
    }
    return this.intern(json.slice(start, end));
  };

  /** Takes the keys added since the previous call. */
  take(): { keyBase: number; newKeys: string[] } {
    const out = { keyBase: this.base, newKeys: this.keys.slice(this.base) };
    this.base = this.keys.length;
    return out;
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

function prefix32(s: string, at: number): number {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const h = hexVal(s.charCodeAt(at + i));
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/** Prepared statements of one connection. */
export interface BatchQueries {
  db: DatabaseSync;
  obs: StatementSync;
  tx: Map<string, StatementSync>;
  hasScope: boolean;
}

function arrays(stmt: StatementSync): StatementSync {
  const s = stmt as unknown as { setReturnArrays?: (on: boolean) => void };
  // all() with arrays costs about half the CPU of iterate()/objects per row (measured).
  if (typeof s.setReturnArrays === "function") s.setReturnArrays(true);
  else throw new Error("Cannot load: node:sqlite lacks StatementSync.setReturnArrays");
  return stmt;
}

/** Prepares the batch queries on `db`. */
export function prepareBatchQueries(db: DatabaseSync): BatchQueries {
  const cols = db.prepare(`PRAGMA table_info(transmissions)`).all().map((r) => String(r.name));
  return {
    db,
    obs: arrays(db.prepare(OBS_SQL)),
    tx: new Map(),
    hasScope: cols.includes("scope_name"),
  };
}

function txStatement(q: BatchQueries, pred: string): StatementSync {
  let s = q.tx.get(pred);
  if (!s) {
    s = arrays(q.db.prepare(
      `SELECT id, raw_hex, hash, first_seen, route_type, payload_type, payload_version,
       channel_hash, from_pubkey, ${q.hasScope ? "scope_name" : "NULL"} FROM transmissions
       WHERE id BETWEEN ? AND ? AND (${pred}) ORDER BY id`,
    ));
    q.tx.set(pred, s);
  }
  return s;
}

/** Reads and packs transmissions `lo..hi` matching `pred` and their observations. */
export function readBatch(
  q: BatchQueries,
  lo: number,
  hi: number,
  pred: string,
  keys: LocalKeys,
): PackedBatch {
  const strings: string[] = [];
  const codes = new Map<string, number>();
  const code = (s: unknown): number => {
    if (s === null || s === undefined) return 0;
    const k = String(s);
    let c = codes.get(k);
    if (c === undefined) {
      c = strings.push(k);
      codes.set(k, c);
    }
    return c;
  };
  const txRows = txStatement(q, pred).all(lo, hi) as unknown as unknown[][];
  const ntx = txRows.length;
  const b = newTxPart(ntx);
  const ids = new Set<number>();
  let rawUsed = 0;
  const rawBuf = new Uint8Array(4096);
  let raw = new Uint8Array(ntx * 64 + 64);
  for (let i = 0; i < ntx; i++) {
    const t = txRows[i];
    const id = Number(t[0]);
    ids.add(id);
    b.txId[i] = id;
    const hex = String(t[1] ?? "").replace(/\s+/g, "");
    const n = Math.max(0, hexInto(hex, rawBuf));
    if (rawUsed + n > raw.length) {
      const next = new Uint8Array(Math.max(rawUsed + n, raw.length * 2));
      next.set(raw.subarray(0, rawUsed));
      raw = next;
    }
    raw.set(rawBuf.subarray(0, n), rawUsed);
    b.rawOff[i] = rawUsed;
    b.rawLen[i] = n;
    const bytes = raw.subarray(rawUsed, rawUsed + n);
    rawUsed += n;
    b.hash[i] = String(t[2]);
    const fs = Date.parse(String(t[3]));
    b.firstSeen[i] = fs;
    const route = t[4] === null ? (bytes[0] ?? 0) & 3 : Number(t[4]) & 3;
    const type = t[5] === null ? ((bytes[0] ?? 0) >> 2) & 15 : Number(t[5]) & 15;
    const version = t[6] === null ? 0 : Number(t[6]) & 3;
    b.header[i] = route | (type << 2) | (version << 6);
    b.txFlags[i] = (t[6] === null ? BTX.VERSION_NULL : 0) | (isLowerHex(hex) ? BTX.RAW_LOWER : 0) |
      (Number.isFinite(fs) ? 0 : BTX.BAD_TIME);
    b.channel[i] = code(t[7]);
    b.scope[i] = code(t[9]);
    const po = n > 0 ? payloadOffset(bytes) : -1;
    b.from[i] = t[8]
      ? keys.intern(String(t[8]))
      : type === 4 && po >= 0 && n - po >= 32
      ? keys.intern(bytesHex(bytes, po, po + 32, true))
      : -1;
    b.src[i] = -1;
    b.dest[i] = -1;
    if (po >= 0 && DEST_SRC[type] && n - po >= 2) {
      b.dest[i] = bytes[po];
      b.src[i] = bytes[po + 1];
    } else if (po >= 0 && type === 7 && n - po >= 1) {
      b.dest[i] = bytes[po];
    }
  }
  const obsRows = ntx === 0 ? [] : q.obs.all(lo, hi) as unknown as unknown[][];
  const o = packObservations(obsRows, ids, keys, code);
  const k = keys.take();
  return {
    ...b,
    raw: raw.slice(0, rawUsed),
    strings,
    ...o,
    keyBase: k.keyBase,
    newKeys: k.newKeys,
  };
}

function newTxPart(ntx: number) {
  return {
    ntx,
    txId: new Int32Array(ntx),
    firstSeen: new Float64Array(ntx),
    header: new Uint8Array(ntx),
    txFlags: new Uint8Array(ntx),
    rawOff: new Uint32Array(ntx),
    rawLen: new Uint16Array(ntx),
    hash: new Array<string>(ntx),
    channel: new Int32Array(ntx),
    scope: new Int32Array(ntx),
    from: new Int32Array(ntx),
    src: new Int16Array(ntx),
    dest: new Int16Array(ntx),
  };
}

function packObservations(
  rows: unknown[][],
  txIds: Set<number>,
  keys: LocalKeys,
  code: (s: unknown) => number,
) {
  const cap = rows.length;
  const p = {
    n: 0,
    id: new Int32Array(cap),
    tx: new Int32Array(cap),
    observer: new Int32Array(cap),
    dir: new Int32Array(cap),
    snr: new Float64Array(cap),
    rssi: new Float64Array(cap),
    score: new Float64Array(cap),
    ts: new Float64Array(cap),
    hopCount: new Uint8Array(cap),
    hashSize: new Uint8Array(cap),
    pathOff: new Uint32Array(cap),
    hops: new Uint8Array(0),
    resOff: new Int32Array(cap),
    res: new Int32Array(0),
    badPaths: 0,
  };
  let hops = new Uint8Array(cap * 8 + 64);
  let res = new Int32Array(cap * 8 + 64);
  let hopsUsed = 0;
  let resUsed = 0;
  const pathBuf = new Uint8Array(2048);
  const resBuf = new Int32Array(1024);
  const parsed: ParsedPath = { hopCount: 0, hashSize: 0, bytes: 0 };
  let n = 0;
  for (const o of rows) {
    const tx = Number(o[1]);
    if (!txIds.has(tx)) continue;
    p.id[n] = Number(o[0]);
    p.tx[n] = tx;
    p.observer[n] = o[2] === null ? -1 : Number(o[2]);
    p.dir[n] = code(o[3]);
    // Out-of-range figures of rows written before the ingest boundary read as absent.
    p.snr[n] = figureOrNaN("snr", o[4]);
    p.rssi[n] = figureOrNaN("rssi", o[5]);
    p.score[n] = figureOrNaN("score", o[6]);
    p.ts[n] = Number(o[8]) * 1000;
    try {
      parsePathJson(o[7] as string | null, pathBuf, parsed);
      if (parsed.hopCount > 255) throw new RangeError("too many hops");
    } catch {
      p.badPaths++;
      parsed.hopCount = parsed.hashSize = parsed.bytes = 0;
    }
    p.hopCount[n] = parsed.hopCount;
    p.hashSize[n] = parsed.hashSize;
    if (hopsUsed + parsed.bytes > hops.length) {
      const next = new Uint8Array(Math.max(hopsUsed + parsed.bytes, hops.length * 2));
      next.set(hops.subarray(0, hopsUsed));
      hops = next;
    }
    for (let i = 0; i < parsed.bytes; i++) hops[hopsUsed + i] = pathBuf[i];
    p.pathOff[n] = hopsUsed;
    hopsUsed += parsed.bytes;
    const k = parseResolvedSpans(o[9] as string | null, parsed.hopCount, resBuf, keys.internAt);
    if (k > 0) {
      if (resUsed + k > res.length) {
        const next = new Int32Array(Math.max(resUsed + k, res.length * 2));
        next.set(res.subarray(0, resUsed));
        res = next;
      }
      for (let i = 0; i < k; i++) res[resUsed + i] = resBuf[i];
      p.resOff[n] = resUsed;
      resUsed += k;
    } else {
      p.resOff[n] = -1;
    }
    n++;
  }
  p.n = n;
  p.hops = hops.slice(0, hopsUsed);
  p.res = res.slice(0, resUsed);
  return p;
}

/** The transferable buffers of a batch (for `postMessage`). */
export function batchBuffers(b: PackedBatch): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const v of Object.values(b)) {
    if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer);
  }
  return out;
}
