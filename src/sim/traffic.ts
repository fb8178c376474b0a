/**
 * Traffic of the synthetic mesh, as "exchanges" (an advert; a channel message
 * and maybe a bot reply; a DM with its ACK or PATH return; a request and its
 * response; a TRACE with one transmission per stage). Each exchange yields
 * {@linkcode SimPacket}s with the copies observers heard (see `hearing.ts`).
 *
 * Routing choices: adverts and channel messages flood; DMs and requests go
 * direct along a route learned from a flood (65 % / 60 %) or flood otherwise;
 * ACK/RESPONSE follow the reversed route; flood DMs are answered by a flood
 * PATH return. Repeaters and rooms also send zero-hop adverts (DIRECT, no
 * hops). Each flood has a reach (maximum hops, `1 + Exp(reachMean)`; adverts
 * serving the coverage queue are unlimited).
 *
 * One knob, the flood `intensity` κ (calibrated per shape), sets how far
 * floods reach and how many duplicate copies an observer hears:
 * `reachMean = 0.5 + 24·min(κ, 1)`, `dup = 0.25 + 0.7·clamp(κ − 1, 0, 1)`,
 * first-copy reception `0.85 + 0.15·clamp(κ − 2, 0, 1)`; a direct
 * transmission is heard by a neighbouring observer with probability 0.85.
 *
 * @module
 */

import type { Mesh } from "./mesh.ts";
import { Prng } from "./prng.ts";
import { Router, VARIANTS } from "./routing.ts";
import { type HeardCopy, Hearing, linkSignal } from "./hearing.ts";
import { distanceKm } from "./geo.ts";
import { PayloadFactory } from "./payloads.ts";

/** One transmission (one content hash) with the copies observers heard. */
export interface SimPacket {
  /** Origination time, epoch seconds (fractional). */
  time: number;
  /** 1 FLOOD or 2 DIRECT. */
  routeType: number;
  payloadType: number;
  /** Hop size of the header path (TRACE: 1, the header holds SNR bytes). */
  hashSize: number;
  /** Hop size of the observation paths (TRACE: the payload's hop size). */
  pathHopSize: number;
  /** Payload bytes (empty in pilot runs). */
  payload: Uint8Array;
  /** TRACE only: the header path bytes (one SNR byte per completed hop). */
  headerHops?: Uint8Array[];
  /** Originating node index. */
  origin: number;
  /** Channel name for GRP_TXT on a known channel, `null` for a private one. */
  channel?: string | null;
  /** Copies, earliest first. */
  copies: HeardCopy[];
}

/** Options of {@linkcode Traffic}. */
export interface TrafficOptions {
  /** Seed of the traffic stream. */
  seed: number;
  /** Stream label (pilot runs use their own). */
  label?: string;
  /** Flood intensity κ (see the module doc). */
  intensity: number;
  /** Build real payloads (signatures, encryption). Pilot runs skip them. */
  payloads?: boolean;
  /** Share of exchanges that are adverts. */
  advertShare?: number;
  /** Probability that an advert serves the "every node adverts once" queue. */
  coverageRate?: number;
  /** Router to share (its tree cache); one is created otherwise. */
  router?: Router;
}

const ZERO_HOP_SHARE = 0.3;
/** Reception probability of a direct transmission by a neighbouring observer. */
const P_RX = 0.85;

/** Flood parameters of an intensity κ. */
export interface FloodParams {
  /** Probability of hearing the first copy. */
  pFirst: number;
  /** Factor per copy already heard. */
  dup: number;
  /** Mean of the exponential part of the hop reach. */
  reachMean: number;
}

/** Flood parameters for intensity κ (monotone: more κ, more observations). */
export function floodParams(k: number): FloodParams {
  return {
    pFirst: P_RX + (1 - P_RX) * Math.min(1, Math.max(0, k - 2)),
    reachMean: 0.5 + 24 * Math.min(1, Math.max(0, k)),
    dup: 0.25 + 0.7 * Math.min(1, Math.max(0, k - 1)),
  };
}

/** Deterministic exchange generator. */
export class Traffic {
  readonly mesh: Mesh;
  readonly router: Router;
  /** Intensity multiplier used by the next exchange (feedback control). */
  intensityScale = 1;
  /** Progress 0–1 of the caller; above 0.8 every advert serves the coverage queue. */
  progress = 0;
  /** Set by the caller when few transmissions remain: the next exchange serves the queue. */
  coverageUrgent = false;
  readonly #rng: Prng;
  readonly #hearing: Hearing;
  readonly #pay: PayloadFactory;
  readonly #opts: Required<Omit<TrafficOptions, "router" | "label">>;
  readonly #queue: number[];
  readonly #misses = new Map<number, number>();
  readonly #chatCum: Float64Array;
  readonly #chatters: number[];
  readonly #advCum: Float64Array;
  readonly #bots: number[];
  readonly #servers: number[];
  readonly #kindCum: Float64Array;

  /** Traffic over `mesh`. */
  constructor(mesh: Mesh, opts: TrafficOptions) {
    this.mesh = mesh;
    this.router = opts.router ?? new Router(mesh, mesh.seed);
    this.#hearing = new Hearing(mesh, this.router);
    this.#rng = new Prng(opts.seed, `traffic:${opts.label ?? "main"}`);
    this.#opts = {
      seed: opts.seed,
      intensity: opts.intensity,
      payloads: opts.payloads ?? true,
      advertShare: opts.advertShare ?? 0.2,
      coverageRate: opts.coverageRate ?? 0.5,
    };
    this.#pay = new PayloadFactory(mesh, this.#rng.fork("payloads"));
    const nodes = mesh.nodes;
    this.#queue = this.#rng.shuffle(nodes.map((n) => n.index));
    this.#chatters = nodes.filter((n) => n.role === "companion" || n.role === "room").map((n) =>
      n.index
    );
    this.#chatCum = cumulative(this.#chatters.map(() => Math.exp(this.#rng.normal(0, 1.1))));
    const roleW = { repeater: 4, room: 3, sensor: 2, companion: 1 } as const;
    this.#advCum = cumulative(nodes.map((n) => roleW[n.role]));
    this.#bots = nodes.filter((n) => n.role === "room").slice(0, 2).map((n) => n.index);
    this.#servers = nodes.filter((n) => n.role === "room" || n.role === "repeater").map((n) =>
      n.index
    );
    const a = this.#opts.advertShare;
    // advert, channel, dm, request, trace
    this.#kindCum = cumulative([a, (1 - a) * 0.5, (1 - a) * 0.17, (1 - a) * 0.31, (1 - a) * 0.02]);
  }

  /** Nodes still waiting for their first heard advert. */
  get coverageRemaining(): number {
    return this.#queue.length;
  }

  /** Generates the next exchange starting at epoch second `t`. */
  async exchange(t: number): Promise<SimPacket[]> {
    const k = pickCum(this.#rng, this.#kindCum);
    if (k === 0 || (this.coverageUrgent && this.#queue.length > 0)) return [await this.#advert(t)];
    if (k === 1) return this.#channel(t);
    if (k === 2) return this.#dm(t);
    if (k === 3) return this.#request(t);
    return this.#trace(t);
  }

  get #pRx(): number {
    return P_RX;
  }

  /** Copies of a flood from `origin` (reach drawn unless `unlimited`). */
  #flood(origin: number, size: number, unlimited = false): HeardCopy[] {
    const rng = this.#rng;
    const f = floodParams(this.#opts.intensity * this.intensityScale);
    const reach = unlimited ? 63 : 1 + Math.floor(rng.exp(f.reachMean));
    return this.#hearing.flood(rng, f.pFirst, f.dup, origin, rng.int(VARIANTS), size, reach);
  }

  async #advert(t: number): Promise<SimPacket> {
    const rng = this.#rng;
    const covering = this.#queue.length > 0 &&
      (this.coverageUrgent || this.progress > 0.8 || rng.chance(this.#opts.coverageRate));
    const o = covering ? this.#queue.shift()! : pickCum(rng, this.#advCum);
    const node = this.mesh.nodes[o];
    const zeroHop = !covering && (node.role === "repeater" || node.role === "room") &&
      rng.chance(ZERO_HOP_SHARE);
    const size = node.hashSize;
    const copies = zeroHop
      ? this.#hearing.direct(rng, this.#pRx, o, [], size)
      : this.#flood(o, size, covering);
    if (covering && copies.length === 0) {
      // Unheard: retry later (a node unheard 20 times is given up on).
      const tries = (this.#misses.get(o) ?? 0) + 1;
      this.#misses.set(o, tries);
      if (tries < 20) this.#queue.push(o);
    }
    const payload = this.#opts.payloads ? await this.#pay.advert(o, t) : EMPTY;
    return this.#packet(t, zeroHop ? 2 : 1, 4, size, payload, o, copies);
  }

  #channel(t: number): SimPacket[] {
    const rng = this.#rng;
    const s = this.#chatters[pickCum(rng, this.#chatCum)];
    const size = this.mesh.nodes[s].hashSize;
    const msg = this.#pay.channelMessage(s, t, this.#opts.payloads);
    const copies = this.#flood(s, size);
    const out = [this.#packet(t, 1, 5, size, msg.payload, s, copies, msg.channel)];
    if (msg.channel === "#bot" && this.#bots.length > 0) {
      const bot = rng.pick(this.#bots);
      const t2 = t + rng.uniform(2, 6);
      const hops = copies.length ? copies[copies.length - 1].hops.length : 0;
      const reply = this.#pay.botReply(bot, s, t2, hops, this.#opts.payloads);
      const bsize = this.mesh.nodes[bot].hashSize;
      const c2 = this.#flood(bot, bsize);
      out.push(this.#packet(t2, 1, 5, bsize, reply.payload, bot, c2, reply.channel));
    }
    return out;
  }

  #dm(t: number): SimPacket[] {
    const rng = this.#rng;
    const s = this.#chatters[pickCum(rng, this.#chatCum)];
    let d = this.#chatters[pickCum(rng, this.#chatCum)];
    if (d === s) d = this.#chatters[(this.#chatters.indexOf(s) + 1) % this.#chatters.length];
    return this.#conversation(t, s, d, 2, rng.chance(0.65));
  }

  #request(t: number): SimPacket[] {
    const rng = this.#rng;
    const mesh = this.mesh;
    const s = this.#chatters[pickCum(rng, this.#chatCum)];
    let d: number;
    if (rng.chance(0.6)) {
      // A repeater within a few hops (admin, status, telemetry of nearby infrastructure).
      const tree = this.router.tree(s, 0);
      const near: number[] = [];
      for (let r = 0; r < tree.depth.length; r++) {
        if (tree.depth[r] >= 1 && tree.depth[r] <= 4) near.push(r);
      }
      d = near.length ? mesh.relays[rng.pick(near)] : mesh.relays[rng.int(mesh.relays.length)];
    } else {
      d = rng.pick(this.#servers);
    }
    if (d === s) d = mesh.relays[0] === s ? mesh.relays[1] : mesh.relays[0];
    return this.#conversation(t, s, d, rng.chance(0.15) ? 7 : 0, rng.chance(0.6));
  }

  /** A message from s to d (type `type`), answered by ACK/RESPONSE (direct) or PATH (flood). */
  #conversation(t: number, s: number, d: number, type: number, wantDirect: boolean): SimPacket[] {
    const rng = this.#rng;
    const size = this.mesh.nodes[s].hashSize;
    const v = rng.int(VARIANTS);
    const route = wantDirect ? this.router.route(s, d, v) : undefined;
    const direct = route !== undefined && route.length * size <= 64;
    const pl = this.#opts.payloads;
    const first = this.#pay.peer(type, d, s, pl);
    const out: SimPacket[] = [];
    const t2 = t + rng.uniform(1.5, 5);
    const replyType = type === 2 ? 3 : 1;
    if (direct) {
      out.push(
        this.#packet(
          t,
          2,
          type,
          size,
          first,
          s,
          this.#hearing.direct(rng, this.#pRx, s, route!, size),
        ),
      );
      const back = route!.slice().reverse();
      const reply = replyType === 3 ? this.#pay.ack(pl) : this.#pay.peer(1, s, d, pl);
      out.push(
        this.#packet(
          t2,
          2,
          replyType,
          size,
          reply,
          d,
          this.#hearing.direct(rng, this.#pRx, d, back, size),
        ),
      );
    } else {
      const c1 = this.#flood(s, size);
      out.push(this.#packet(t, 1, type, size, first, s, c1));
      const dsize = this.mesh.nodes[d].hashSize;
      const c2 = this.#flood(d, dsize);
      const replyT = type === 2 || rng.chance(0.4) ? 8 : replyType;
      const reply = replyT === 8
        ? this.#pay.peer(8, s, d, pl)
        : replyT === 3
        ? this.#pay.ack(pl)
        : this.#pay.peer(1, s, d, pl);
      out.push(this.#packet(t2, 1, replyT, dsize, reply, d, c2));
    }
    return out;
  }

  #trace(t: number): SimPacket[] {
    const rng = this.#rng;
    const mesh = this.mesh;
    const s = rng.chance(0.5)
      ? this.#chatters[pickCum(rng, this.#chatCum)]
      : mesh.relays[rng.int(mesh.relays.length)];
    const tree = this.router.tree(s, rng.int(VARIANTS));
    const want = rng.range(1, 5);
    const at: number[] = [];
    for (let r = 0; r < tree.depth.length; r++) {
      if (tree.depth[r] === want && tree.forwards[r]) at.push(r);
    }
    if (at.length === 0) return [];
    let route = this.router.chain(tree, rng.pick(at));
    if (rng.chance(0.5)) route = route.concat(route.slice(0, -1).reverse());
    const size = mesh.nodes[s].hashSize === 1 ? 1 : 2;
    const payload = this.#opts.payloads ? this.#pay.trace(route, size) : EMPTY;
    const snrs: Uint8Array[] = [];
    const out: SimPacket[] = [];
    for (let i = 0; i < route.length; i++) {
      const sender = i === 0 ? s : route[i - 1];
      const ti = t + i * rng.uniform(0.6, 1.2);
      const copies = this.#hearing.traceStage(rng, this.#pRx, s, route, i);
      const p = this.#packet(ti, 2, 9, 1, payload, s, copies);
      p.pathHopSize = size;
      p.headerHops = snrs.slice();
      out.push(p);
      const a = mesh.nodes[sender], b = mesh.nodes[route[i]];
      const sig = linkSignal(rng, distanceKm(a.lat, a.lon, b.lat, b.lon));
      snrs.push(Uint8Array.of(Math.round(sig.snr * 4) & 0xff));
    }
    return out;
  }

  #packet(
    t: number,
    routeType: number,
    payloadType: number,
    hashSize: number,
    payload: Uint8Array,
    origin: number,
    copies: HeardCopy[],
    channel?: string | null,
  ): SimPacket {
    return {
      time: t,
      routeType,
      payloadType,
      hashSize,
      pathHopSize: hashSize,
      payload,
      origin,
      copies,
      channel,
    };
  }
}

const EMPTY = new Uint8Array(0);

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) out[i] = acc += weights[i];
  return out;
}

function pickCum(rng: Prng, cum: Float64Array): number {
  const x = rng.float() * cum[cum.length - 1];
  let lo = 0, hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
