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
import { validatePacketFields, validateStatusFields } from "./validate.ts";
import { hashByte, hopsOf, hopStrings } from "./hops.ts";

export { hopsOf, hopStrings } from "./hops.ts";
import type { GeoFilterGate } from "./geofilter.ts";
import type { LiveEvent } from "../api/ws_frame.ts";
import type { HealthSink } from "../store/health_store.ts";
import { checkStatusMetrics } from "./status_metrics_check.ts";

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
  /** Health aggregates: status metrics points, advert clock skew and telemetry. */
  health?: HealthSink;
}

/** What happened to one packet. */
export type IngestOutcome =
  | { status: "stored"; txId: number; obsId: number; txNew: boolean; decoded: DecodedPacket }
  | { status: "duplicate"; txId: number; obsId: number; decoded: DecodedPacket }
  | {
    status: "dropped";
    reason: PipelineDropReason;
    detail: string;
    decoded?: DecodedPacket;
    /** The refused field, when the validation boundary refused the packet. */
    field?: string;
  };

/** What happened to one status message. */
export type StatusOutcome =
  | { status: "stored" }
  | { status: "dropped"; reason: PipelineDropReason; detail: string };

const PAYLOAD_ADVERT = 4;

/** The single ingest path used by MQTT, `POST /api/packets` and the demo simulator. */
export class IngestPipeline {
  readonly counters: PipelineCounters = new PipelineCounters();
  #d: PipelineDeps;
  #now: () => number;

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Ingests one packet. Never throws: a refused field (the validation boundary), bad input or
   * an exception inside the pipeline (counted once as `internal-error`) gives a `dropped` outcome.
   */
  async ingestPacket(msg: PacketMessage): Promise<IngestOutcome> {
    const refused = validatePacketFields(msg);
    if (refused) return this.#drop(refused.reason, refused.detail, msg, undefined, refused.field);
    try {
      return await this.#ingestPacket(msg);
    } catch (err) {
      return this.#internal(err, msg);
    }
  }

  async #ingestPacket(msg: PacketMessage): Promise<IngestOutcome> {
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
    if (fromPubkey) d.health?.recordAdvert(fromPubkey, decoded.hash, payload, observerId, nowMs);
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

  /**
   * Registers or updates an observer from a status message. Never throws: a refused field or an
   * exception (counted as `internal-error`) is returned as the reason it was not stored.
   */
  ingestStatus(msg: StatusMessage): StatusOutcome {
    const refused = validateStatusFields(msg);
    if (refused) {
      this.#drop(refused.reason, refused.detail, msg);
      return { status: "dropped", reason: refused.reason, detail: refused.detail };
    }
    try {
      this.#ingestStatus(msg);
      return { status: "stored" };
    } catch (err) {
      const out = this.#internal(err, msg);
      return out as StatusOutcome;
    }
  }

  #ingestStatus(msg: StatusMessage): void {
    const w = this.#d.writer;
    const seenMs = msg.receivedAtMs || this.#now();
    const seenAt = new Date(seenMs).toISOString();
    // Garbage values never reach a row or a series; a message without metrics adds no point.
    const metrics = checkStatusMetrics(msg);
    this.#d.health?.recordStatus(msg.observerId, seenMs, metrics);
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
      batteryMv: metrics.clean.batteryMv,
      uptimeSecs: msg.uptimeSecs,
      noiseFloor: metrics.clean.noiseFloor,
      canRelay: msg.canRelay,
    });
    if (metrics.point) {
      w.insertObserverMetrics({ observerId: msg.observerId, timestamp: seenAt, ...metrics.point });
    }
    if (msg.canRelay !== null) {
      const node = this.#d.nodes.byKey(msg.observerId);
      if (node && node.canRelay !== msg.canRelay) {
        this.#d.nodes.upsert({ publicKey: node.publicKey, canRelay: msg.canRelay });
      }
    }
    this.counters.status++;
  }

  #internal(err: unknown, msg: PacketMessage | StatusMessage): IngestOutcome {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.counters.lastInternalError = text.slice(0, 300);
    return this.#drop("internal-error", text, msg);
  }

  #drop(
    reason: PipelineDropReason,
    detail: string,
    msg: PacketMessage | StatusMessage,
    decoded?: DecodedPacket,
    field?: string,
  ): IngestOutcome & { status: "dropped" } {
    this.counters.drop(reason);
    const level = reason === "internal-error" ? "error" : "warn";
    this.#d.log.throttled(
      `ingest-drop-${reason}`,
      60_000,
      level,
      `dropped ${msg.kind}: ${reason}`,
      {
        detail: detail.slice(0, 160),
        source: msg.source,
        observer: String(msg.observerId ?? "").slice(0, 64),
      },
    );
    return { status: "dropped", reason, detail, decoded, field };
  }
}
