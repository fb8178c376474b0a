/**
 * Test helpers for the packet store: synthetic observation inputs and a
 * temporary copy of the fixture database.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { ObservationInput } from "../../src/store/types.ts";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { PacketStore, type StoreOptions } from "../../src/store/packet_store.ts";

/** The fixture database (read-only; copy before writing). */
export const FIXTURE = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url);

/** Copies the fixture into a fresh temp dir; returns the copy's path. */
export function fixtureCopy(): string {
  const dir = Deno.makeTempDirSync({ prefix: "hw-store-" });
  const path = `${dir}/fixture.db`;
  Deno.copyFileSync(FIXTURE, path);
  Deno.chmodSync(path, 0o644);
  return path;
}

/** Opens a fixture copy with node:sqlite (older schema, no migration). */
export function openFixtureCopy(): { db: DatabaseSync; path: string } {
  const path = fixtureCopy();
  return { db: new DatabaseSync(path), path };
}

/** A 64-hex key whose first byte is `first` (and second `second`). */
export function key(n: number, first = n & 0xff, second = (n >> 8) & 0xff): string {
  const h = (v: number) => v.toString(16).padStart(2, "0");
  return (h(first) + h(second) + n.toString(16).padStart(8, "0")).padEnd(64, "7");
}

/** A fresh store with its node directory. */
export function newStore(opts: StoreOptions = {}): { store: PacketStore; nodes: NodeDirectory } {
  const nodes = new NodeDirectory();
  return { store: new PacketStore(nodes, opts), nodes };
}

const BASE_MS = Date.parse("2026-05-17T12:00:00Z");

/** Parameters of {@linkcode obsInput}. */
export interface ObsSpec {
  txId: number;
  obsId: number;
  hash?: string;
  observer?: string | null;
  iata?: string | null;
  /** Hop bytes (1-byte hops unless hashSize says otherwise). */
  hops?: number[];
  hashSize?: number;
  payloadType?: number;
  routeType?: number;
  /** Minutes after BASE for first_seen. */
  at?: number;
  /** Minutes after BASE for the observation (default `at`). */
  obsAt?: number;
  channel?: string | null;
  fromNodeId?: number;
  snr?: number | null;
  scope?: string | null;
}

/** A synthetic observation input. */
export function obsInput(s: ObsSpec): ObservationInput {
  const hashSize = s.hashSize ?? 1;
  const hops = s.hops ?? [];
  const hopCount = hops.length / hashSize;
  const type = s.payloadType ?? 2;
  const route = s.routeType ?? 1;
  const raw = new Uint8Array([
    route | (type << 2),
    ((hashSize - 1) << 6) | hopCount,
    ...hops,
    0xaa,
    0xbb,
    s.txId & 0xff,
    (s.txId >> 8) & 0xff,
  ]);
  const at = s.at ?? 0;
  return {
    txId: s.txId,
    hash: s.hash ?? s.txId.toString(16).padStart(16, "0"),
    raw,
    firstSeenMs: BASE_MS + at * 60_000,
    routeType: route,
    payloadType: type,
    payloadVersion: 0,
    channel: s.channel ?? null,
    fromNodeId: s.fromNodeId ?? -1,
    srcHash: type === 2 ? 0xbb : -1,
    destHash: type === 2 ? 0xaa : -1,
    scopeName: s.scope ?? null,
    obsId: s.obsId,
    observerId: s.observer === undefined ? "OBS1" : s.observer,
    observerName: s.observer === null ? null : `name-${s.observer ?? "OBS1"}`,
    observerIata: s.iata ?? "SJC",
    direction: "rx",
    snr: s.snr === undefined ? 5.25 : s.snr,
    rssi: -92,
    score: null,
    timestampMs: BASE_MS + (s.obsAt ?? at) * 60_000,
    pathBytes: new Uint8Array(hops),
    hashSize,
    hopCount,
  };
}

/** Epoch ms of `minutes` after the synthetic base time. */
export function at(minutes: number): number {
  return BASE_MS + minutes * 60_000;
}

/** Resolved ids from node ids (-1 unknown). */
export function ids(...v: number[]): Int32Array {
  return Int32Array.from(v);
}
