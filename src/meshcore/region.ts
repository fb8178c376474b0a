/**
 * Region scope codes (wire §6). A transport-routed packet with a non-zero
 * `code1` is scoped; the code is the first two bytes of
 * `HMAC-SHA256(SHA256("#name")[0:16], payloadType ‖ payload)` read as u16 LE,
 * with 0 mapped to 1 and 0xFFFF to 0xFFFE.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { hmacHex, type MacState, macState } from "./hmac.ts";
import { HEX_UPPER } from "./hex.ts";
import type { RegionEntry, RegionTable } from "./types.ts";

/** Normalise a region name: trimmed, with a leading `#`. */
export function normalizeRegionName(name: string): string {
  const n = name.trim();
  return n.startsWith("#") ? n : `#${n}`;
}

/** Region key: first 16 bytes of SHA-256 of `#name` (`#` added when missing). */
export function regionKey(name: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(normalizeRegionName(name)).digest()).slice(
    0,
    16,
  );
}

/** Build a region table from configured names (`hashRegions`); blanks and duplicates are skipped. */
export function createRegionTable(names: string[]): RegionTable {
  const seen = new Set<string>();
  const regions: RegionEntry[] = [];
  for (const raw of names ?? []) {
    if (typeof raw !== "string") continue;
    const name = normalizeRegionName(raw);
    if (name === "#" || seen.has(name)) continue;
    seen.add(name);
    regions.push(Object.freeze({ name, key: regionKey(name) }));
  }
  return Object.freeze({ regions: Object.freeze(regions) });
}

const MAC_STATES = new WeakMap<Uint8Array, MacState>();
const TYPE_BYTE = Array.from({ length: 16 }, (_, t) => new Uint8Array([t]));

/**
 * Scope code of a payload for one region key, as the transport `code1` would
 * print it: two bytes little-endian, uppercase hex (e.g. `"9A52"`).
 */
export function scopeCode(key: Uint8Array, payloadType: number, payload: Uint8Array): string {
  let st = MAC_STATES.get(key);
  if (st === undefined) {
    st = macState(key);
    MAC_STATES.set(key, st);
  }
  const h = hmacHex(st, payload, TYPE_BYTE[payloadType & 0x0f]);
  let v = parseInt(h.slice(0, 2), 16) | (parseInt(h.slice(2, 4), 16) << 8);
  if (v === 0) v = 1;
  else if (v === 0xffff) v = 0xfffe;
  return HEX_UPPER[v & 0xff] + HEX_UPPER[v >> 8];
}

/**
 * `transmissions.scope_name` for a packet: null when not transport-scoped
 * (`code1` null or `"0000"`), `""` when scoped but no region matches, or the
 * matching `#name` (first match in table order).
 */
export function matchScope(
  table: RegionTable | undefined,
  code1: string | null,
  payloadType: number,
  payload: Uint8Array,
): string | null {
  if (code1 === null || code1 === "0000") return null;
  if (table === undefined) return "";
  const want = code1.toUpperCase();
  for (const r of table.regions) {
    if (scopeCode(r.key, payloadType, payload) === want) return r.name;
  }
  return "";
}
