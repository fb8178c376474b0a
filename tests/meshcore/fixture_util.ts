/**
 * Shared fixture access for the meshcore tests: the reference's end-to-end
 * database (opened read-only) and the channel rainbow table.
 *
 * @module
 */

import { createCipheriv, createHmac } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { createKeyRing } from "../../src/meshcore/mod.ts";
import type { KeyRing } from "../../src/meshcore/mod.ts";

/** URL of a file in shared/fixtures. */
export function fixtureUrl(name: string): URL {
  return new URL(`../../../shared/fixtures/${name}`, import.meta.url);
}

/** One transmissions row of the fixture. */
export interface FixtureRow {
  id: number;
  raw_hex: string;
  hash: string;
  route_type: number;
  payload_type: number;
  payload_version: number;
  decoded_json: string;
  channel_hash: string | null;
  from_pubkey: string | null;
}

let cached: FixtureRow[] | null = null;

/** Every transmissions row, ordered by id (read once, read-only). */
export function fixtureRows(): FixtureRow[] {
  if (cached !== null) return cached;
  const db = new DatabaseSync(fixtureUrl("corescope-e2e.db").pathname, { readOnly: true });
  try {
    const rows = db.prepare(
      `SELECT id, raw_hex, hash, route_type, payload_type, payload_version, decoded_json,
              channel_hash, from_pubkey
         FROM transmissions ORDER BY id`,
    ).all() as unknown as FixtureRow[];
    cached = rows.map((r) => ({ ...r }));
    return cached;
  } finally {
    db.close();
  }
}

/** The rainbow table: channel name -> 32-hex key. */
export function rainbow(): Record<string, string> {
  return JSON.parse(Deno.readTextFileSync(fixtureUrl("channel-rainbow.json")));
}

/** Key ring of the reference fixture run: built-in Public plus the rainbow table. */
export function fixtureKeyRing(opts: { tryAllKeys?: boolean } = {}): KeyRing {
  return createKeyRing({ rainbow: rainbow(), tryAllKeys: opts.tryAllKeys });
}

/** Deterministic PRNG (mulberry32) for reproducible fuzzing. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Concatenate byte arrays and numbers (single bytes) into one array. */
export function bytes(...parts: (Uint8Array | number[] | number)[]): Uint8Array {
  const flat: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") flat.push(p & 0xff);
    else flat.push(...p);
  }
  return new Uint8Array(flat);
}

/**
 * Build the payload of an encrypted channel packet (GRP_TXT / GRP_DATA):
 * channelHash, 2-byte MAC (HMAC-SHA256 with key ‖ 16 zeros), AES-128-ECB of
 * the plaintext zero-padded to a multiple of 16.
 */
export function channelPayload(key: Uint8Array, hashByte: number, plain: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.max(16, Math.ceil(plain.length / 16) * 16));
  padded.set(plain);
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  const ct = new Uint8Array([...c.update(padded), ...c.final()]);
  const secret = new Uint8Array(32);
  secret.set(key);
  const mac = createHmac("sha256", secret).update(ct).digest();
  return bytes(hashByte, mac[0], mac[1], ct);
}

/** GRP_TXT plaintext: timestamp u32 LE, flags, UTF-8 text (no NUL; padding adds them). */
export function textPlain(ts: number, text: string | Uint8Array, flags = 0): Uint8Array {
  const t = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return bytes([ts & 0xff, (ts >> 8) & 0xff, (ts >> 16) & 0xff, (ts >>> 24) & 0xff], flags, t);
}
