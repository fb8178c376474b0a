/**
 * Payload bytes for simulated traffic: signed adverts, encrypted channel
 * messages on hashtag channels, `Public` and private channels, peer messages
 * (REQ, RESPONSE, TXT_MSG, PATH, ANON_REQ with random ciphertext), ACKs and
 * TRACE payloads. Node clocks carry a per-node skew (most within seconds, a
 * few minutes, 3 % days to months off) for advert and message timestamps.
 *
 * @module
 */

import {
  buildAckPayload,
  buildAdvertPayload,
  buildAnonReqPayload,
  buildGroupTextPayload,
  buildPeerPayload,
  buildTracePayload,
  hashtagChannelKey,
  hexToBytes,
  PUBLIC_CHANNEL_KEY,
} from "../meshcore/encode.ts";
import type { Mesh } from "./mesh.ts";
import type { Prng } from "./prng.ts";
import { botReply, channelText, fit } from "./names.ts";
import { HILLS } from "./geo.ts";

/** A channel the simulator posts on. `name` null = a private channel (no public key). */
export interface SimChannel {
  name: string | null;
  key: Uint8Array;
  weight: number;
}

/** Hashtag channels whose keys anyone can derive. */
export const HASHTAG_CHANNELS: readonly string[] = ["#test", "#wardriving", "#bot", "#chat"];

/** Channels with their posting weights (three private channels use seeded random keys). */
export function simChannels(rng: Prng): SimChannel[] {
  return [
    { name: "Public", key: PUBLIC_CHANNEL_KEY, weight: 26 },
    { name: "#test", key: hashtagChannelKey("#test"), weight: 14 },
    { name: "#wardriving", key: hashtagChannelKey("#wardriving"), weight: 14 },
    { name: "#bot", key: hashtagChannelKey("#bot"), weight: 6 },
    { name: "#chat", key: hashtagChannelKey("#chat"), weight: 8 },
    { name: null, key: rng.bytes(16), weight: 14 },
    { name: null, key: rng.bytes(16), weight: 9 },
    { name: null, key: rng.bytes(16), weight: 5 },
  ];
}

const EMPTY = new Uint8Array(0);

/** Builds payloads for one mesh from one random stream. */
export class PayloadFactory {
  readonly #mesh: Mesh;
  readonly #rng: Prng;
  readonly #skew: Int32Array;
  readonly #sharesLocation: Uint8Array;
  readonly #channels: SimChannel[];
  readonly #weights: number[];

  /** A factory over `mesh` drawing from `rng`. */
  constructor(mesh: Mesh, rng: Prng) {
    this.#mesh = mesh;
    this.#rng = rng;
    const n = mesh.nodes.length;
    this.#skew = new Int32Array(n);
    this.#sharesLocation = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = rng.float();
      this.#skew[i] = r < 0.85
        ? Math.round(rng.normal(0, 2))
        : r < 0.97
        ? Math.round(rng.normal(0, 180))
        : -rng.range(2, 400) * 86400;
      const role = mesh.nodes[i].role;
      this.#sharesLocation[i] = role === "companion" ? (rng.chance(0.55) ? 1 : 0) : 1;
    }
    this.#channels = simChannels(rng.fork("channels"));
    this.#weights = this.#channels.map((c) => c.weight);
  }

  /** The node's clock at real time `t` (epoch seconds, integer). */
  clock(node: number, t: number): number {
    return Math.max(0, Math.floor(t) + this.#skew[node]);
  }

  /** A signed ADVERT payload of node `o` at time `t`. */
  advert(o: number, t: number): Promise<Uint8Array> {
    const nd = this.#mesh.nodes[o];
    const loc = this.#sharesLocation[o] === 1;
    const tel = nd.telemetry
      ? {
        batteryMv: nd.telemetry.batteryMv - this.#rng.int(40),
        temperatureC: Math.round((nd.telemetry.temperatureC + this.#rng.normal(0, 1.5)) * 100) /
          100,
      }
      : undefined;
    return buildAdvertPayload({
      privateKey: nd.privateKey,
      publicKey: nd.publicKey,
      timestamp: this.clock(o, t),
      role: nd.role,
      lat: loc ? nd.lat : undefined,
      lon: loc ? nd.lon : undefined,
      name: nd.name,
      telemetry: tel,
    });
  }

  /** A channel message from node `s`; `channel` is null for a private channel. */
  channelMessage(
    s: number,
    t: number,
    build: boolean,
  ): { payload: Uint8Array; channel: string | null } {
    const rng = this.#rng;
    const ch = this.#channels[rng.weighted(this.#weights)];
    const nd = this.#mesh.nodes[s];
    const vars = { city: nd.town, hill: rng.pick(HILLS).name, who: nd.name, path: "" };
    const body = channelText(rng, ch.name ?? "private", vars, nd.lat, nd.lon);
    if (!build) return { payload: EMPTY, channel: ch.name };
    const text = fit(`${nd.name}: ${body}`, 150);
    const payload = buildGroupTextPayload(ch.key, { timestamp: this.clock(s, t), flags: 0, text });
    return { payload, channel: ch.name };
  }

  /** A `#bot` reply from node `bot` to node `to`. */
  botReply(bot: number, to: number, t: number, hops: number, build: boolean): {
    payload: Uint8Array;
    channel: string;
  } {
    const rng = this.#rng;
    const nd = this.#mesh.nodes[bot];
    const vars = {
      who: this.#mesh.nodes[to].name,
      city: this.#mesh.nodes[to].town,
      n: String(hops),
      path: `${hops} hops`,
    };
    const body = botReply(rng, vars);
    const ch = this.#channels.find((c) => c.name === "#bot")!;
    if (!build) return { payload: EMPTY, channel: "#bot" };
    const text = fit(`${nd.name}: ${body}`, 150);
    return {
      payload: buildGroupTextPayload(ch.key, { timestamp: this.clock(bot, t), flags: 0, text }),
      channel: "#bot",
    };
  }

  /**
   * A peer payload of type 0 REQ, 1 RESPONSE, 2 TXT_MSG, 7 ANON_REQ or 8 PATH
   * from `src` to `dest` (1-byte hashes), with random MAC and ciphertext.
   */
  peer(type: number, dest: number, src: number, build: boolean): Uint8Array {
    const rng = this.#rng;
    const blocks = type === 2
      ? rng.range(1, 6)
      : type === 1
      ? rng.range(1, 8)
      : type === 8
      ? rng.range(1, 2)
      : rng.range(1, 2);
    if (!build) return EMPTY;
    const d = this.#mesh.nodes[dest].publicKey[0];
    const s = this.#mesh.nodes[src].publicKey[0];
    if (type === 7) {
      return buildAnonReqPayload(d, rng.bytes(32), rng.bytes(2), rng.bytes(16 * blocks));
    }
    return buildPeerPayload(d, s, rng.bytes(2), rng.bytes(16 * blocks));
  }

  /** An ACK payload (4, 5 or 6 bytes). */
  ack(build: boolean): Uint8Array {
    const rng = this.#rng;
    const crc = rng.u32();
    const r = rng.float();
    if (!build) return EMPTY;
    if (r < 0.6) return buildAckPayload(crc);
    if (r < 0.8) return buildAckPayload(crc, rng.int(4));
    return buildAckPayload(crc, rng.int(4), rng.int(256));
  }

  /** A TRACE payload over `route` (node indexes) with hops of `size` (1 or 2) bytes. */
  trace(route: number[], size: number): Uint8Array {
    const rng = this.#rng;
    const hops = route.map((n) => hexToBytes(this.#mesh.hopHex(n, size)));
    return buildTracePayload(rng.u32(), rng.u32(), size === 1 ? 0 : 1, hops);
  }
}
