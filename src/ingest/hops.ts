/**
 * The hop bytes of a decoded packet as the pipeline stores them: header path,
 * or the payload route for TRACE; and their `path_json` strings.
 *
 * @module
 */

import { hexToBytes } from "../meshcore/mod.ts";
import type { DecodedPacket } from "../meshcore/types.ts";
import type { ResolveContext } from "../resolve/resolver.ts";

const PAYLOAD_TRACE = 9;
const NO_HOPS = new Uint8Array(0);

/** A one-byte hash (`srcHash`/`destHash`) as a number, or -1. */
export function hashByte(v: unknown): number {
  if (typeof v !== "string" || v.length !== 2) return -1;
  const n = parseInt(v, 16);
  return Number.isNaN(n) ? -1 : n;
}

/** Hop bytes, hash size, count and kind of one packet. */
export interface Hops {
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
