/**
 * Channel key ring (wire §5): keys from the built-in `Public` key, the
 * rainbow table, `hashChannels` and `channelKeys`, indexed by channel-hash
 * byte so a GRP_TXT tries only the keys whose hash matches its first byte.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { hexToBytes } from "./hex.ts";
import type { ChannelKey, KeyRing } from "./types.ts";

/** The built-in `Public` channel key (not derived; channel hash 0x11). */
export const PUBLIC_CHANNEL_KEY_HEX = "8b3387e9c5cdea6ac9e5edbaa115cd72";
/** Name of the built-in channel. */
export const PUBLIC_CHANNEL_NAME = "Public";

/** Options of `createKeyRing`. */
export interface KeyRingOptions {
  /** Configured `channelKeys`: name -> 32 hex (highest precedence). */
  channelKeys?: Record<string, string>;
  /** Configured `hashChannels`: names whose keys are derived (`#` added when missing). */
  hashChannels?: string[];
  /** The rainbow table (`channel-rainbow.json`): name -> 32 hex. */
  rainbow?: Record<string, string>;
  /** Include the built-in `Public` key (lowest precedence). Default true. */
  includePublic?: boolean;
  /** Also try keys whose hash byte does not match. Default false. */
  tryAllKeys?: boolean;
}

/** SHA-256 digest as bytes. */
function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

/**
 * Hashtag channel key: first 16 bytes of SHA-256 of the UTF-8 name including
 * the leading `#` (added when missing).
 */
export function deriveHashtagKey(name: string): Uint8Array {
  const n = name.startsWith("#") ? name : `#${name}`;
  return sha256(n).slice(0, 16);
}

/** Channel hash byte of a 16-byte key: first byte of SHA-256(key). */
export function channelHashByte(key: Uint8Array): number {
  return sha256(key)[0];
}

/** Normalise well-known channel names: `public` in any case becomes `Public`. */
export function normalizeChannelName(name: string): string {
  return name.toLowerCase() === "public" ? PUBLIC_CHANNEL_NAME : name;
}

/** Build one ring entry. */
function makeKey(name: string, key: Uint8Array, source: ChannelKey["source"]): ChannelKey {
  const secret = new Uint8Array(32);
  secret.set(key);
  return Object.freeze({ name, key, secret, hashByte: channelHashByte(key), source });
}

/** Parse a 16-byte key from hex; null when malformed. */
function parseKey(hex: unknown): Uint8Array | null {
  if (typeof hex !== "string") return null;
  const b = hexToBytes(hex.trim());
  return b !== null && b.length === 16 ? b : null;
}

/**
 * Build a key ring. Sources, lowest precedence first: built-in `Public`,
 * `rainbow`, `hashChannels` (derived), `channelKeys`; a name given by a
 * higher source replaces the lower one. Keys are tried highest precedence
 * first, in insertion order within a source. Malformed entries are skipped
 * and listed in `rejected`.
 */
export function createKeyRing(opts: KeyRingOptions = {}): KeyRing {
  const byName = new Map<string, ChannelKey>();
  const rejected: string[] = [];
  const put = (k: ChannelKey) => {
    byName.delete(k.name);
    byName.set(k.name, k);
  };
  if (opts.includePublic !== false) {
    put(makeKey(PUBLIC_CHANNEL_NAME, hexToBytes(PUBLIC_CHANNEL_KEY_HEX)!, "builtin"));
  }
  for (const [name, hex] of Object.entries(opts.rainbow ?? {})) {
    const key = parseKey(hex);
    if (key === null || name === "") rejected.push(`rainbow ${JSON.stringify(name)}: bad key`);
    else put(makeKey(name, key, "rainbow"));
  }
  for (const raw of opts.hashChannels ?? []) {
    const name = typeof raw === "string" ? raw.trim() : "";
    if (name === "" || name === "#") {
      rejected.push(`hashChannels ${JSON.stringify(raw)}: empty name`);
      continue;
    }
    const tagged = name.startsWith("#") ? name : `#${name}`;
    put(makeKey(tagged, deriveHashtagKey(tagged), "hashChannels"));
  }
  for (const [name, hex] of Object.entries(opts.channelKeys ?? {})) {
    const key = parseKey(hex);
    if (key === null || name === "") rejected.push(`channelKeys ${JSON.stringify(name)}: bad key`);
    else put(makeKey(name, key, "channelKeys"));
  }
  const rank = { channelKeys: 0, hashChannels: 1, rainbow: 2, builtin: 3 } as const;
  const all = [...byName.values()].map((k, i) => ({ k, i }))
    .sort((a, b) => rank[a.k.source] - rank[b.k.source] || a.i - b.i)
    .map((x) => x.k);
  const byHash: ChannelKey[][] = Array.from({ length: 256 }, () => []);
  for (const k of all) byHash[k.hashByte].push(k);
  return Object.freeze({
    byHash: Object.freeze(byHash.map((l) => Object.freeze(l))),
    all: Object.freeze(all),
    tryAllKeys: opts.tryAllKeys === true,
    rejected: Object.freeze(rejected),
  });
}
