/**
 * Deterministic Ed25519 identities: a 32-byte seed (from the simulator's
 * PRNG) is wrapped as a PKCS#8 Ed25519 private key and imported through
 * WebCrypto; the public key comes from the exported JWK's `x`.
 *
 * @module
 */

import { bytesToHex, concatBytes } from "../meshcore/encode.ts";

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

/** An Ed25519 identity. */
export interface Identity {
  /** Signing key (WebCrypto). */
  privateKey: CryptoKey;
  /** Raw 32-byte public key. */
  publicKey: Uint8Array;
  /** Lowercase hex of the public key. */
  keyHex: string;
}

/** Imports a 32-byte seed as an Ed25519 identity. */
export async function identityFromSeed(seed: Uint8Array): Promise<Identity> {
  if (seed.length !== 32) {
    throw new Error(`Cannot derive key: seed of ${seed.length} bytes, need 32`);
  }
  const privateKey = await crypto.subtle.importKey(
    "pkcs8",
    concatBytes(PKCS8_PREFIX, seed),
    { name: "Ed25519" },
    true,
    ["sign"],
  );
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  if (!jwk.x) throw new Error("Cannot derive key: JWK export lacks the public key");
  const publicKey = base64UrlDecode(jwk.x);
  return { privateKey, publicKey, keyHex: bytesToHex(publicKey) };
}

/** Verifies an Ed25519 signature with a raw public key. */
export async function verifyEd25519(
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", publicKey.slice(), { name: "Ed25519" }, false, [
    "verify",
  ]);
  return crypto.subtle.verify("Ed25519", key, signature.slice(), message.slice());
}

function base64UrlDecode(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
