/**
 * Which observers hear a packet, over which paths.
 *
 * An observer can hear every transmission of a radio neighbour:
 * - flood: the originator's own transmission (path `[]`) if it is a
 *   neighbour, and the rebroadcast of every neighbouring relay the flood
 *   reached (path = that relay's chain, ending with the relay), while
 *   `depth ≤ maxHops` and `depth × hashSize ≤ 64`; the k-th copy an
 *   observer hears has probability `pFirst × dup^k`;
 * - direct (each copy with probability `pRx`): stage i is sent by the originator (i = 0) or by `route[i-1]` and
 *   carries the remaining hops `route[i..]` (each relay removes itself);
 * - TRACE: like direct, but every stage is its own transmission (the content
 *   hash covers the header path length) and each copy's path is the whole
 *   intended route (see `traffic.ts`).
 * Copies of one transmission with the same observer and the same hop hex
 * (1-byte prefix collisions) collapse into the first, like the database's
 * uniqueness key.
 *
 * @module
 */

import type { Mesh } from "./mesh.ts";
import type { Prng } from "./prng.ts";
import { distanceKm } from "./geo.ts";
import { type Router, UNREACHED } from "./routing.ts";

/** One reception of a transmission by an observer (one observation row). */
export interface HeardCopy {
  /** Observer index. */
  observer: number;
  /** True node index of every hop in the copy's path. */
  hops: number[];
  /** Seconds after the origination time. */
  delay: number;
  snr: number;
  rssi: number;
  /** The transmitting node the observer heard. */
  from: number;
}

/** Radio signal for a link of `km` kilometres: SNR (quarter dB) and RSSI (dBm). */
export function linkSignal(rng: Prng, km: number): { snr: number; rssi: number } {
  const l = Math.log10(1 + km);
  const snr = Math.max(-20, Math.min(14, 11 - 14 * l + rng.normal(0, 2.5)));
  const rssi = Math.max(-135, Math.min(-35, -62 - 30 * l + rng.normal(0, 4)));
  return { snr: Math.round(snr * 4) / 4, rssi: Math.round(rssi) };
}

/** Computes copies for floods, direct routes and trace stages. */
export class Hearing {
  readonly #mesh: Mesh;
  readonly #router: Router;

  /** Hearing model over a mesh and its router. */
  constructor(mesh: Mesh, router: Router) {
    this.#mesh = mesh;
    this.#router = router;
  }

  /**
   * Copies of a flood from `origin` (tree variant `v`). Per observer the
   * candidate transmissions are taken in arrival order (hop depth) and the
   * k-th is heard with probability `pFirst × dup^h`, h = copies already heard
   * (later rebroadcasts collide or arrive while the radio is busy).
   */
  flood(
    rng: Prng,
    pFirst: number,
    dup: number,
    origin: number,
    v: number,
    hashSize: number,
    maxHops: number,
  ): HeardCopy[] {
    const mesh = this.#mesh;
    const tree = this.#router.tree(origin, v);
    const limit = Math.min(maxHops, Math.floor(64 / hashSize), 63);
    const out: HeardCopy[] = [];
    const cand: number[] = [];
    for (const ob of mesh.observers) {
      const x = mesh.nodes[ob.node];
      cand.length = 0;
      for (const nb of x.neighbors) {
        if (nb === origin) {
          cand.push(nb);
          continue;
        }
        const r = mesh.nodes[nb].relayIndex;
        if (r < 0) continue;
        const d = tree.depth[r];
        if (d === UNREACHED || d === 0 || d > limit || !tree.forwards[r]) continue;
        cand.push(nb);
      }
      if (cand.length === 0) continue;
      const depthOf = (nb: number) => nb === origin ? 0 : tree.depth[mesh.nodes[nb].relayIndex];
      cand.sort((a, b) => depthOf(a) - depthOf(b) || a - b);
      let heard = 0;
      for (const nb of cand) {
        if (!rng.chance(pFirst * Math.pow(dup, heard))) continue;
        heard++;
        const d = depthOf(nb);
        const hops = d === 0 ? [] : this.#router.chain(tree, mesh.nodes[nb].relayIndex);
        out.push(this.#copy(rng, ob.index, hops, nb, x.index, d));
      }
    }
    return dedupe(mesh, out, hashSize);
  }

  /** Copies of a direct packet from `origin` along `route` (relay node indexes). */
  direct(rng: Prng, pRx: number, origin: number, route: number[], hashSize: number): HeardCopy[] {
    const mesh = this.#mesh;
    const out: HeardCopy[] = [];
    for (let i = 0; i <= route.length; i++) {
      const sender = i === 0 ? origin : route[i - 1];
      for (const nb of mesh.nodes[sender].neighbors) {
        const ob = mesh.nodes[nb].observer;
        if (ob < 0 || !rng.chance(pRx)) continue;
        out.push(this.#copy(rng, ob, route.slice(i), sender, nb, i));
      }
    }
    return dedupe(mesh, out, hashSize);
  }

  /** Copies of trace stage `stage` (sent by origin or `route[stage-1]`); paths are the whole route. */
  traceStage(rng: Prng, pRx: number, origin: number, route: number[], stage: number): HeardCopy[] {
    const mesh = this.#mesh;
    const sender = stage === 0 ? origin : route[stage - 1];
    const out: HeardCopy[] = [];
    for (const nb of mesh.nodes[sender].neighbors) {
      const ob = mesh.nodes[nb].observer;
      if (ob < 0 || !rng.chance(pRx)) continue;
      out.push(this.#copy(rng, ob, route.slice(), sender, nb, stage));
    }
    return out;
  }

  #copy(
    rng: Prng,
    observer: number,
    hops: number[],
    from: number,
    at: number,
    depth: number,
  ): HeardCopy {
    const a = this.#mesh.nodes[from], b = this.#mesh.nodes[at];
    const sig = linkSignal(rng, distanceKm(a.lat, a.lon, b.lat, b.lon));
    const delay = depth * 0.9 + rng.uniform(0.05, 0.6) * (1 + depth * 0.3);
    return { observer, hops, delay, snr: sig.snr, rssi: sig.rssi, from };
  }
}

/** Sorts copies by delay and drops later copies with the same observer and hop hex. */
function dedupe(mesh: Mesh, copies: HeardCopy[], size: number): HeardCopy[] {
  copies.sort((a, b) => a.delay - b.delay || a.observer - b.observer);
  const seen = new Set<string>();
  const out: HeardCopy[] = [];
  for (const c of copies) {
    let key = `${c.observer}|`;
    for (const h of c.hops) key += mesh.hopHex(h, size);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}
