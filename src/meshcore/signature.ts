/**
 * ADVERT signature check (wire §3.1): Ed25519 over
 * `pubkey(32) ‖ timestamp(4) ‖ appdata`, with WebCrypto.
 *
 * @module
 */

import { hexToBytes } from "./hex.ts";
import { emptyEnvelope, scanEnvelope } from "./envelope.ts";
import { PAYLOAD_TYPE } from "./header.ts";
import { ADVERT_MIN } from "./advert.ts";
import type { DecodedPacket } from "./types.ts";

/** The signed message of an ADVERT payload: pubkey ‖ timestamp ‖ appdata. */
export function advertSignedMessage(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const msg = new Uint8Array(payload.length - 64);
  msg.set(payload.subarray(0, 36));
  msg.set(payload.subarray(ADVERT_MIN), 36);
  return msg;
}

/**
 * Verify the signature of an ADVERT payload (the bytes after the path).
 * Resolves false for a short payload or any crypto failure; never rejects.
 */
export async function verifyAdvertPayload(payload: Uint8Array): Promise<boolean> {
  try {
    if (payload.length < ADVERT_MIN) return false;
    const key = await crypto.subtle.importKey(
      "raw",
      payload.slice(0, 32),
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    return await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      payload.slice(36, ADVERT_MIN),
      advertSignedMessage(payload),
    );
  } catch {
    return false;
  }
}

/** Extract the ADVERT payload of a raw packet, or null when it is not a valid ADVERT. */
function advertPayloadOf(bytes: Uint8Array): Uint8Array | null {
  const env = emptyEnvelope();
  if (scanEnvelope(bytes, bytes.length, env) !== null) return null;
  if (env.payloadType !== PAYLOAD_TYPE.ADVERT) return null;
  return bytes.subarray(env.payloadOffset);
}

/**
 * Verify an ADVERT's Ed25519 signature. Accepts the raw packet bytes, its hex,
 * or a `DecodedPacket` (its `raw` is used). Resolves false for anything that is
 * not a well-formed ADVERT or whose signature does not verify; never rejects.
 */
export async function verifyAdvertSignature(
  input: Uint8Array | string | DecodedPacket,
): Promise<boolean> {
  try {
    let bytes: Uint8Array | null;
    if (input instanceof Uint8Array) bytes = input;
    else if (typeof input === "string") bytes = hexToBytes(input);
    else bytes = input && typeof input.raw === "string" ? hexToBytes(input.raw) : null;
    if (bytes === null) return false;
    const payload = advertPayloadOf(bytes);
    return payload === null ? false : await verifyAdvertPayload(payload);
  } catch {
    return false;
  }
}
