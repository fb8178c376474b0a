/**
 * The ingest pipeline: one received packet becomes (at most) one stored
 * observation.
 *
 * decode -> content hash -> transmission (new or existing) -> observation
 * (unique per observer + path) -> node upsert (ADVERT with a valid signature)
 * -> observer upsert -> hop resolution -> DECODE WINDOW -> persist batch ->
 * broadcast.
 *
 * The decode window is {@linkcode IngestPipeline.ingestPacket}'s local
 * `resolved` value: the resolved path exists only inside that call. It feeds
 * the store's indexes (node index, relay last-seen, path-hop index,
 * resolved-pubkey index forward and reverse), the neighbor graph, the persisted
 * relay last-seen, the persist batch and the broadcast — the same array for
 * all of them, so what is broadcast is exactly what is stored — and is then
 * dropped.
 *
 * @module
 */

import {
  advertRole,
  decodePacket,
  hexToBytes,
  validateAdvert,
  verifyAdvertSignature,
} from "../meshcore/mod.ts";
import type { DecodedPacket } from "../meshcore/types.ts";
import type { DbWriter } from "../db/writer.ts";
import type { DbQueries } from "../db/queries.ts";
import type { HopResolver, ResolveContext } from "../resolve/resolver.ts";
import type { NodeDirectory } from "../store/node_directory.ts";
import type {
  AddResult,
  ObservationInput,
  ObservationView,
  TransmissionView,
} from "../store/types.ts";
import type { AddOptions } from "../store/store_core.ts";
import type { PacketMessage, StatusMessage } from "./messages.ts";
import type { Logger } from "../log/logger.ts";
import { PipelineCounters, type PipelineDropReason } from "./pipeline_counters.ts";
import type { GeoFilterGate } from "./geofilter.ts";
import type { LiveEvent } from "../api/ws_frame.ts";

/** What the pipeline needs of the in-memory store. */
export interface PipelineStore {
  txIdByHash(hash: string): number;
  addObservation(rec: ObservationInput, resolved: Int32Array | null, opts?: AddOptions): AddResult;
  getByTxId(txId: number, withObservations?: boolean): TransmissionView | null;
  getObservation(obsId: number): ObservationView | null;
}

/** Everything the pipeline writes to or reads from. */
export interface PipelineDeps {
  store: PipelineStore;
  nodes: NodeDirectory;
  resolver: HopResolver;
  writer: DbWriter;
  queries: DbQueries;
  /** Passed to `decodePacket` (channel key ring, region table). */
  decodeOptions: Parameters<typeof decodePacket>[1];
  validateSignatures: boolean;
  /** Node keys (lowercase) whose adverts are ignored. */
  nodeBlacklist?: ReadonlySet<string>;
  /** The `geo_filter` gate for ADVERT positions (`foreignAdverts.mode`); none when unset. */
  geoFilter?: GeoFilterGate;
  /** Receives one event per new observation (the WebSocket hub). */
  broadcast?: (event: LiveEvent) => void;
  log: Logger;
  now?: () => number;
}

/** What happened to one packet. */
export type IngestOutcome =
  | { status: "stored"; txId: number; obsId: number; txNew: boolean; decoded: DecodedPacket }
  | { status: "duplicate"; txId: number; obsId: number; decoded: DecodedPacket }
  | { status: "dropped"; reason: PipelineDropReason; detail: string; decoded?: DecodedPacket };

const PAYLOAD_ADVERT = 4;
const PAYLOAD_TRACE = 9;
const NO_HOPS = new Uint8Array(0);

/** The single ingest path used by MQTT, `POST /api/packets` and the demo simulator. */
export class IngestPipeline {
  readonly counters: PipelineCounters = new PipelineCounters();
  #d: PipelineDeps;
  #now: () => number;

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Ingests one packet. Never throws for bad input: the outcome says why it was dropped. */
  async ingestPacket(msg: PacketMessage): Promise<IngestOutcome> {
    const d = this.#d;
    const nowMs = msg.receivedAtMs || this.#now();
    const bytes = hexToBytes(msg.raw);
    if (!bytes) return this.#drop("bad-hex", `raw is not hex: ${msg.raw.slice(0, 40)}`, msg);
    const decoded = decodePacket(bytes, d.decodeOptions);
    if (!decoded.valid || !decoded.header || !decoded.path) {
      return this.#drop("decode-error", decoded.error ?? "invalid packet", msg, decoded);
    }
    const payloadType = decoded.header.payloadType;
    const payload = (decoded.payload ?? {}) as Record<string, unknown>;
    const nowIso = new Date(nowMs).toISOString();

    // Transmission: existing in memory, existing only in SQLite (evicted), or new.
    let txId = d.store.txIdByHash(decoded.hash);
    if (txId < 0) txId = d.queries.findTransmissionIdByHash(decoded.hash) ?? -1;

    // ADVERT validation and signature. The content hash covers every signed byte, so a known
    // transmission was verified when it was first stored: only new ones are checked.
    let fromPubkey: string | null = null;
    let foreign: 1 | null = null;
    if (payloadType === PAYLOAD_ADVERT) {
      const invalid = validateAdvert(decoded.payload as Parameters<typeof validateAdvert>[0]);
      if (invalid) return this.#drop("invalid-advert", invalid, msg, decoded);
      fromPubkey = String(payload.pubKey).toLowerCase();
      if (d.nodeBlacklist?.has(fromPubkey)) {
        return this.#drop("blacklisted-node", fromPubkey, msg, decoded);
      }
      if (d.validateSignatures && txId < 0 && !(await verifyAdvertSignature(bytes))) {
        d.writer.insertDroppedPacket({
          hash: decoded.hash,
          rawHex: msg.raw,
          reason: "invalid signature",
          observerId: msg.observerId,
          observerName: msg.observerName,
          nodePubkey: fromPubkey,
          nodeName: typeof payload.name === "string" ? payload.name : null,
          droppedAt: nowIso,
        });
        return this.#drop("invalid-signature", fromPubkey, msg, decoded);
      }
      // The await may have let another sighting of the same packet in first.
      if (txId < 0) txId = d.store.txIdByHash(decoded.hash);
      if (d.geoFilter?.judge(payload.lat, payload.lon) === "foreign") {
        if (d.geoFilter.mode === "flag") foreign = 1;
        else {
          d.writer.insertDroppedPacket(d.geoFilter.dropRow(decoded.hash, msg, payload, nowIso));
          return this.#drop("outside-geofilter", fromPubkey, msg, decoded);
        }
      }
    }
    const txNew = txId < 0;
    if (txNew) txId = d.writer.nextTransmissionId();

    // Observer first, so the observation never gets a NULL observer_idx.
    const observerId = msg.observerId ?? "http";
    const observerIdx = d.writer.observerIdx(observerId);
    d.writer.upsertObserver({
      id: observerId,
      name: msg.observerName,
      iata: msg.iata,
      seenAt: nowIso,
    });

    // Nodes from a verified ADVERT: the directory (prefix table follows by event) and SQLite.
    let originatorId = -1;
    if (fromPubkey) {
      const flags = payload.flags as { type: number } | undefined;
      const role = advertRole(flags ?? null);
      const node = d.nodes.upsert({
        publicKey: fromPubkey,
        name: typeof payload.name === "string" ? payload.name : null,
        role,
        lat: typeof payload.lat === "number" ? payload.lat : null,
        lon: typeof payload.lon === "number" ? payload.lon : null,
        lastSeen: nowIso,
        batteryMv: typeof payload.battery_mv === "number" ? payload.battery_mv : null,
        temperatureC: typeof payload.temperature_c === "number" ? payload.temperature_c : null,
        foreign: foreign === 1 ? true : undefined,
      });
      if (txNew) node.advertCount++;
      originatorId = node.id;
      d.writer.upsertNode({
        publicKey: fromPubkey,
        name: node.name,
        role,
        lat: node.lat,
        lon: node.lon,
        lastSeen: nowIso,
        batteryMv: node.batteryMv,
        temperatureC: node.temperatureC,
        defaultScope: decoded.scopeName || null,
        foreignAdvert: foreign,
        advertIncrement: txNew ? 1 : 0,
      });
    }

    // Hops: header path bytes, or for TRACE the payload hops.
    const { pathBytes, hashSize, hopCount, kind } = hopsOf(decoded, bytes);
    const observerNode = d.nodes.idOf(observerId);
    const ctx: ResolveContext = {
      nowMs,
      kind,
      originatorId: originatorId >= 0 ? originatorId : undefined,
      observerId: observerNode,
      traceCompleted: kind === "trace" ? decoded.path.hopsCompleted : undefined,
    };

    // ---- decode window: `resolved` lives only inside this block ----
    const resolved = hopCount > 0 && hashSize >= 1 && hashSize <= 3
      ? d.resolver.observe(pathBytes, hashSize as 1 | 2 | 3, hopCount, ctx)
      : null;
    const resolvedIds = resolved?.nodeIds ?? null;
    const resolvedJson = resolved ? d.resolver.toResolvedPathJson(resolved) : null;
    const obsId = d.writer.nextObservationId();
    const input: ObservationInput = {
      txId,
      hash: decoded.hash,
      raw: bytes,
      firstSeenMs: nowMs,
      routeType: decoded.header.routeType,
      payloadType,
      payloadVersion: decoded.header.payloadVersion,
      channel: decoded.channelHash ?? null,
      fromNodeId: originatorId,
      srcHash: hashByte(payload.srcHash),
      destHash: hashByte(payload.destHash),
      scopeName: decoded.scopeName ?? null,
      obsId,
      observerId,
      observerName: msg.observerName,
      observerIata: msg.iata,
      direction: msg.direction,
      snr: msg.snr,
      rssi: msg.rssi,
      score: msg.score,
      timestampMs: nowMs,
      pathBytes,
      hashSize,
      hopCount,
    };
    const added = d.store.addObservation(input, resolvedIds, { resolvedJson });

    if (txNew) {
      d.writer.insertTransmission({
        id: txId,
        rawHex: msg.raw,
        hash: decoded.hash,
        firstSeen: nowIso,
        routeType: decoded.header.routeType,
        payloadType,
        payloadVersion: decoded.header.payloadVersion,
        decodedJson: decoded.payload ? JSON.stringify(decoded.payload) : null,
        channelHash: decoded.channelHash ?? null,
        fromPubkey,
        lastSeen: Math.floor(nowMs / 1000),
        scopeName: decoded.scopeName ?? null,
      });
    }
    d.writer.upsertObservation({
      id: obsId,
      transmissionId: added.txId,
      observerIdx,
      direction: msg.direction,
      snr: msg.snr,
      rssi: msg.rssi,
      score: msg.score,
      pathJson: JSON.stringify(hopStrings(pathBytes, hashSize, hopCount)),
      timestamp: Math.floor(nowMs / 1000),
      // A repeat sighting keeps the path already stored and indexed (COALESCE(NULL, old)).
      resolvedPath: added.obsNew ? resolvedJson : null,
      rawHex: msg.raw,
    });
    if (!added.obsNew) {
      this.counters.duplicate++;
      return { status: "duplicate", txId: added.txId, obsId: added.obsId, decoded };
    }
    if (resolvedIds) {
      for (let i = 0; i < resolvedIds.length; i++) {
        const id = resolvedIds[i];
        if (id >= 0) d.writer.touchRelay(d.nodes.keyOf(id), nowIso);
      }
    }
    if (d.broadcast) {
      const tx = d.store.getByTxId(added.txId, false);
      const obs = d.store.getObservation(added.obsId);
      if (tx && obs) {
        // Parsed from the very string persisted above: live and stored cannot disagree.
        const resolvedPath = resolvedJson ? JSON.parse(resolvedJson) as (string | null)[] : null;
        d.broadcast({ tx, obs, decoded, resolvedPath });
      }
    }
    // ---- end of the decode window ----

    this.counters.stored++;
    if (txNew) this.counters.newTransmissions++;
    return { status: "stored", txId: added.txId, obsId: added.obsId, txNew, decoded };
  }

  /** Registers or updates an observer from a status message. */
  ingestStatus(msg: StatusMessage): void {
    const w = this.#d.writer;
    const seenAt = new Date(msg.receivedAtMs || this.#now()).toISOString();
    w.observerIdx(msg.observerId);
    w.updateObserverStatus({
      id: msg.observerId,
      name: msg.name,
      iata: msg.iata,
      seenAt,
      model: msg.model,
      firmware: msg.firmware,
      clientVersion: msg.clientVersion,
      radio: msg.radio,
      batteryMv: msg.batteryMv,
      uptimeSecs: msg.uptimeSecs,
      noiseFloor: msg.noiseFloor,
      canRelay: msg.canRelay,
    });
    w.insertObserverMetrics({
      observerId: msg.observerId,
      timestamp: seenAt,
      noiseFloor: msg.noiseFloor,
      txAirSecs: msg.txAirSecs,
      rxAirSecs: msg.rxAirSecs,
      recvErrors: msg.recvErrors,
      batteryMv: msg.batteryMv,
      packetsSent: msg.packetsSent,
      packetsRecv: msg.packetsRecv,
    });
    if (msg.canRelay !== null) {
      const node = this.#d.nodes.byKey(msg.observerId);
      if (node && node.canRelay !== msg.canRelay) {
        this.#d.nodes.upsert({ publicKey: node.publicKey, canRelay: msg.canRelay });
      }
    }
    this.counters.status++;
  }

  #drop(
    reason: PipelineDropReason,
    detail: string,
    msg: PacketMessage,
    decoded?: DecodedPacket,
  ): IngestOutcome {
    this.counters.drop(reason);
    this.#d.log.throttled(`ingest-drop-${reason}`, 60_000, "warn", `dropped packet: ${reason}`, {
      detail: detail.slice(0, 160),
      source: msg.source,
      observer: msg.observerId ?? "",
    });
    return { status: "dropped", reason, detail, decoded };
  }
}

function hashByte(v: unknown): number {
  if (typeof v !== "string" || v.length !== 2) return -1;
  const n = parseInt(v, 16);
  return Number.isNaN(n) ? -1 : n;
}

interface Hops {
  pathBytes: Uint8Array;
  hashSize: number;
  hopCount: number;
  kind: ResolveContext["kind"];
}

/** The hop bytes of a decoded packet: header path, or the payload route for TRACE. */
export function hopsOf(decoded: DecodedPacket, bytes: Uint8Array): Hops {
  const path = decoded.path!;
  const route = decoded.header!.routeType;
  const kind: ResolveContext["kind"] = decoded.header!.payloadType === PAYLOAD_TRACE
    ? "trace"
    : route === 1 || route === 0
    ? "flood"
    : "direct";
  if (path.hashCount === 0) {
    return { pathBytes: NO_HOPS, hashSize: Math.max(path.hashSize, 1), hopCount: 0, kind };
  }
  if (kind === "trace") {
    const out = new Uint8Array(path.hops.length * path.hashSize);
    path.hops.forEach((h, i) => out.set(hexToBytes(h)!, i * path.hashSize));
    return { pathBytes: out, hashSize: path.hashSize, hopCount: path.hops.length, kind };
  }
  const start = decoded.pathOffset + 1;
  const pathBytes = bytes.slice(start, start + path.hashCount * path.hashSize);
  return { pathBytes, hashSize: path.hashSize, hopCount: path.hashCount, kind };
}

const HEX_UP = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0").toUpperCase());

/** Uppercase hop strings, as `path_json` holds them. */
export function hopStrings(bytes: Uint8Array, hashSize: number, hopCount: number): string[] {
  const out: string[] = new Array(hopCount);
  for (let i = 0; i < hopCount; i++) {
    let s = "";
    for (let j = 0; j < hashSize; j++) s += HEX_UP[bytes[i * hashSize + j]];
    out[i] = s;
  }
  return out;
}
