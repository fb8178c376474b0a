/**
 * `decoded_json` on demand: the store keeps raw bytes only, so the API decodes
 * a transmission's raw hex (with the configured channel keys) when a response
 * needs it, and keeps the result in a bounded LRU keyed by transmission id.
 * Decoding is synchronous and cheap; the cache makes list pages and repeated
 * polling nearly free.
 *
 * @module
 */

import { LRUCache } from "lru-cache";
import { decodePacket } from "../meshcore/mod.ts";
import type { DecodedPacket, KeyRing } from "../meshcore/types.ts";

/** One cached decode. */
export interface DecodedEntry {
  decoded: DecodedPacket;
  /** `JSON.stringify(decoded.payload)`, or null when the packet has no payload. */
  json: string | null;
}

/** Cache statistics for `/metrics`. */
export interface DecodedCacheStats {
  size: number;
  hits: number;
  misses: number;
}

/** Reads the stored `decoded_json` of a transmission (SQL), or null. */
export type StoredDecodedJson = (txId: number) => string | null;

/**
 * LRU of decoded transmissions. A group message this process cannot decrypt
 * (no key configured) falls back to the stored `decoded_json` when that one
 * was decrypted at ingest (`type: "CHAN"`), so configuring fewer keys never
 * hides text that is already in the database.
 */
export class DecodedCache {
  readonly #lru: LRUCache<number, DecodedEntry>;
  readonly #keyRing: KeyRing | undefined;
  readonly #stored: StoredDecodedJson | undefined;
  #hits = 0;
  #misses = 0;

  /** Creates a cache of at most `max` entries. */
  constructor(keyRing?: KeyRing, stored?: StoredDecodedJson, max = 20_000) {
    this.#keyRing = keyRing;
    this.#stored = stored;
    this.#lru = new LRUCache({ max });
  }

  /** Decoded packet and payload JSON of transmission `txId` with raw hex `rawHex`. */
  get(txId: number, rawHex: string): DecodedEntry {
    const hit = this.#lru.get(txId);
    if (hit) {
      this.#hits++;
      return hit;
    }
    this.#misses++;
    const decoded = decodePacket(rawHex, { keyRing: this.#keyRing });
    let json = decoded.payload ? JSON.stringify(decoded.payload) : null;
    const status = (decoded.payload as { decryptionStatus?: string } | null)?.decryptionStatus;
    if (this.#stored && status !== undefined && status !== "decrypted") {
      const old = this.#stored(txId);
      if (old && old.includes('"decrypted"')) {
        try {
          const payload = JSON.parse(old);
          if (payload && typeof payload === "object") {
            decoded.payload = payload;
            json = old;
          }
        } catch { /* keep the fresh decode */ }
      }
    }
    const entry = { decoded, json };
    this.#lru.set(txId, entry);
    return entry;
  }

  /** Payload JSON of a transmission (`decoded_json`). */
  json(txId: number, rawHex: string): string | null {
    return this.get(txId, rawHex).json;
  }

  /** Drops one entry (after a transmission changed). */
  forget(txId: number): void {
    this.#lru.delete(txId);
  }

  /** Counters for `/metrics`. */
  stats(): DecodedCacheStats {
    return { size: this.#lru.size, hits: this.#hits, misses: this.#misses };
  }
}
