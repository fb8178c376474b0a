/**
 * HMAC-SHA256 with precomputed pad states, and reusable AES-128-ECB
 * decipher objects. Both are cached per key so decrypting a packet does not
 * construct crypto objects beyond two hash copies.
 *
 * HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)); the hashes of the 64-byte
 * pad blocks are computed once and copied per message.
 *
 * @module
 */

import { createDecipheriv, createHash } from "node:crypto";
import type { Decipheriv, Hash } from "node:crypto";

/** Hash states after absorbing the inner and outer pad blocks of one key. */
export interface MacState {
  readonly inner: Hash;
  readonly outer: Hash;
}

const BLOCK = 64;

/** Precompute the HMAC-SHA256 pad states of a key (at most 64 bytes). */
export function macState(key: Uint8Array): MacState {
  if (key.length > BLOCK) throw new RangeError("HMAC key longer than one block");
  const ipad = new Uint8Array(BLOCK).fill(0x36);
  const opad = new Uint8Array(BLOCK).fill(0x5c);
  for (let i = 0; i < key.length; i++) {
    ipad[i] ^= key[i];
    opad[i] ^= key[i];
  }
  return { inner: createHash("sha256").update(ipad), outer: createHash("sha256").update(opad) };
}

/** HMAC-SHA256 of `head ‖ data` (head optional) as lowercase hex. */
export function hmacHex(state: MacState, data: Uint8Array, head?: Uint8Array): string {
  const inner = state.inner.copy();
  if (head !== undefined) inner.update(head);
  return state.outer.copy().update(inner.update(data).digest()).digest("hex");
}

/**
 * A reusable AES-128-ECB decipher without padding. ECB has no chaining, so
 * `update` on whole blocks can be called for any number of messages; callers
 * must only pass lengths that are multiples of 16.
 */
export function ecbDecipher(key: Uint8Array): Decipheriv {
  const d = createDecipheriv("aes-128-ecb", key, null);
  d.setAutoPadding(false);
  return d;
}
