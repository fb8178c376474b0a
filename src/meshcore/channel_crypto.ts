/**
 * Channel crypto for GRP_TXT and GRP_DATA (wire §5): MAC check (first 2 bytes
 * of HMAC-SHA256 keyed with `key ‖ 16 zero bytes`), AES-128-ECB without
 * padding, plaintext parsing, acceptance rules and the sender split.
 *
 * @module
 */

import { HEX_LOWER, HEX_UPPER, hexRange } from "./hex.ts";
import { ecbDecipher, hmacHex, type MacState, macState } from "./hmac.ts";
import type { Decipheriv } from "node:crypto";
import { normalizeChannelName } from "./channel_keys.ts";
import { tooShort, u16, u32 } from "./payloads.ts";
import { utf8Length } from "./advert.ts";
import type {
  ChannelKey,
  ChannelTextPayload,
  GroupDataPayload,
  GroupEncryptedPayload,
  KeyRing,
  PayloadError,
} from "./types.ts";

/** Decryption is attempted only for ciphertexts of at least this many bytes. */
export const MIN_CIPHERTEXT = 5;
/** A decrypted text with more non-printable characters than this is rejected. */
export const MAX_NON_PRINTABLE = 2;
/** The sender separator must start before this byte index. */
export const SENDER_SPLIT_LIMIT = 50;

const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Per-key crypto objects, built on first use. */
interface KeyCrypto {
  mac: MacState;
  aes: Decipheriv;
}

const KEY_CRYPTO = new WeakMap<ChannelKey, KeyCrypto>();

function keyCrypto(key: ChannelKey): KeyCrypto {
  let kc = KEY_CRYPTO.get(key);
  if (kc === undefined) {
    kc = { mac: macState(key.secret), aes: ecbDecipher(key.key) };
    KEY_CRYPTO.set(key, kc);
  }
  return kc;
}

/**
 * Check the MAC of `ct` with `key` and decrypt it. Returns the plaintext or
 * null when the MAC fails or the length is not a non-zero multiple of 16.
 * `macHex` is the packet's 2-byte MAC as 4 lowercase hex characters.
 */
export function decryptChannelBlock(
  key: ChannelKey,
  ct: Uint8Array,
  macHex: string,
): Uint8Array | null {
  if (ct.length === 0 || (ct.length & 15) !== 0) return null;
  const kc = keyCrypto(key);
  if (!hmacHex(kc.mac, ct).startsWith(macHex)) return null;
  return kc.aes.update(ct);
}

/** Number of non-printable characters: below 0x20 other than TAB/LF, or U+FFFD. */
export function countNonPrintable(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0xfffd) n++;
  }
  return n;
}

/** Decoded channel text: timestamp, optional sender, full text. */
export interface ChannelText {
  timestamp: number;
  flags: number;
  sender: string | null;
  message: string;
  text: string;
}

/**
 * Split `"sender: message"`: the first `": "` must start at byte index 1–49
 * and the part before it must hold no `:`, `[` or `]`.
 */
export function splitSender(text: string): { sender: string | null; message: string } {
  const idx = text.indexOf(": ");
  if (idx <= 0) return { sender: null, message: text };
  const head = text.slice(0, idx);
  if (utf8Length(head) >= SENDER_SPLIT_LIMIT || /[:[\]]/.test(head)) {
    return { sender: null, message: text };
  }
  return { sender: head, message: text.slice(idx + 2) };
}

/**
 * Parse a GRP_TXT plaintext: timestamp u32, flags u8, UTF-8 text up to the
 * first NUL. Returns null when the text is not valid UTF-8 or has more than
 * 2 non-printable characters.
 */
export function parseChannelText(plain: Uint8Array): ChannelText | null {
  if (plain.length < 5) return null;
  let end = 5;
  while (end < plain.length && plain[end] !== 0) end++;
  let text: string;
  try {
    text = UTF8_STRICT.decode(plain.subarray(5, end));
  } catch {
    return null;
  }
  if (countNonPrintable(text) > MAX_NON_PRINTABLE) return null;
  const { sender, message } = splitSender(text);
  return { timestamp: u32(plain, 0), flags: plain[4], sender, message, text };
}

/** Candidate keys: matching hash byte first, then (with `tryAllKeys`) the rest. */
function* candidates(ring: KeyRing, hashByte: number): Generator<ChannelKey> {
  yield* ring.byHash[hashByte];
  if (!ring.tryAllKeys) return;
  for (const k of ring.all) if (k.hashByte !== hashByte) yield k;
}

/**
 * Decode a GRP_TXT payload `b[s, e)`: channelHash(1) mac(2) ciphertext. With a
 * non-empty key ring and at least 5 ciphertext bytes, keys are tried and the
 * first accepted plaintext gives the `CHAN` form.
 */
export function decodeGrpTxt(
  b: Uint8Array,
  s: number,
  e: number,
  ring: KeyRing | undefined,
): ChannelTextPayload | GroupEncryptedPayload | PayloadError {
  return tryChannelKeys("GRP_TXT", b, s, e, ring, (plain, key, ch) => {
    const t = parseChannelText(plain);
    return t === null ? null : chanPayload(ch, normalizeChannelName(key.name), t);
  });
}

/**
 * The key-trial loop of GRP_TXT and GRP_DATA: with a non-empty ring and enough ciphertext, tries
 * the keys for the payload's channel byte (MAC checked first) and returns what `accept` makes of
 * the first plaintext it takes; otherwise the encrypted form (`no_key` / `decryption_failed`).
 */
function tryChannelKeys<T>(
  type: "GRP_TXT" | "GRP_DATA",
  b: Uint8Array,
  s: number,
  e: number,
  ring: KeyRing | undefined,
  accept: (plain: Uint8Array, key: ChannelKey, ch: number) => T | null,
): T | GroupEncryptedPayload | PayloadError {
  if (e - s < 3) return tooShort(type, b, s, e);
  const ch = b[s];
  let status: "no_key" | "decryption_failed" = "no_key";
  if (ring !== undefined && ring.all.length > 0 && e - s - 3 >= MIN_CIPHERTEXT) {
    status = "decryption_failed";
    const ct = b.subarray(s + 3, e);
    const macHex = HEX_LOWER[b[s + 1]] + HEX_LOWER[b[s + 2]];
    for (const key of candidates(ring, ch)) {
      const plain = decryptChannelBlock(key, ct, macHex);
      if (plain === null) continue;
      const out = accept(plain, key, ch);
      if (out !== null) return out;
    }
  }
  return encryptedForm(type, b, s, e, status);
}

/** The decrypted GRP_TXT form, in the reference's field order. */
function chanPayload(ch: number, channel: string, t: ChannelText): ChannelTextPayload {
  return {
    type: "CHAN",
    channelHash: ch,
    channelHashHex: HEX_UPPER[ch],
    decryptionStatus: "decrypted",
    channel,
    text: t.text,
    ...(t.sender === null ? {} : { sender: t.sender }),
    sender_timestamp: t.timestamp,
  };
}

/** The not-decrypted form of GRP_TXT / GRP_DATA. */
function encryptedForm(
  type: "GRP_TXT" | "GRP_DATA",
  b: Uint8Array,
  s: number,
  e: number,
  status: "no_key" | "decryption_failed",
): GroupEncryptedPayload {
  const ch = b[s];
  return {
    type,
    mac: hexRange(b, s + 1, s + 3),
    encryptedData: hexRange(b, s + 3, e),
    channelHash: ch,
    channelHashHex: HEX_UPPER[ch],
    decryptionStatus: status,
  };
}

/**
 * Decode a GRP_DATA payload: outer layout as GRP_TXT; the first key whose MAC
 * matches decrypts it, and the inner `dataType u16, dataLen u8, blob` is read.
 */
export function decodeGrpData(
  b: Uint8Array,
  s: number,
  e: number,
  ring: KeyRing | undefined,
): GroupDataPayload | GroupEncryptedPayload | PayloadError {
  return tryChannelKeys("GRP_DATA", b, s, e, ring, (plain, key, ch) => {
    const p: GroupDataPayload = {
      type: "GRP_DATA",
      channelHash: ch,
      channelHashHex: HEX_UPPER[ch],
      decryptionStatus: "decrypted",
      channel: normalizeChannelName(key.name),
    };
    if (plain.length < 3) {
      p.error = "inner too short";
      return p;
    }
    const dataLen = plain[2];
    p.dataType = u16(plain, 0);
    p.dataLen = dataLen;
    if (3 + dataLen > plain.length) p.error = "inner data_len exceeds buffer";
    else p.decryptedBlob = hexRange(plain, 3, 3 + dataLen);
    return p;
  });
}
