/**
 * The inference core of hop resolution: given the candidate node ids of every
 * hop of one path, decide which hops can be named, and how surely.
 *
 * 1. Unique prefixes are named first ({@linkcode L.unique}); a unique hop out
 *    of link range of the originator, the observer or another unique hop is
 *    dropped again (it is a node hopwatch does not know).
 * 2. The path is a chain: each hop's states are its live candidates plus "an
 *    unknown node". A forward and a backward pass (the forward-backward
 *    algorithm) combine, for every hop, the evidence from *both* sides: node
 *    priors (advert recency), the link model (`engine_model.ts`) between
 *    consecutive hops, and the originator / observer anchors. The result is
 *    each candidate's posterior probability.
 * 3. A hop is named only when one candidate's posterior reaches
 *    `minConfidence`. Named hops are fixed, their node is excluded from the
 *    other hops (no loops, except TRACE), and the passes run again until
 *    nothing changes (at most `maxRounds`).
 *
 * @module
 */

import {
  type CandidateEvidence,
  type EngineContext,
  type EngineOptions,
  L,
  LinkModel,
} from "./engine_model.ts";
import { chainPosteriors } from "./chain_posterior.ts";
import type { NeighborGraph } from "./neighbor_graph.ts";
import { implausibleUniques, settleClaims } from "./path_checks.ts";
import type { PrefixTable } from "./prefix_table.ts";

const OUT_OF_RANGE = 1;
const USED_ELSEWHERE = 2;

/** Most hops a path can have (6-bit hop count; 64 path bytes). */
export const MAX_HOPS = 64;

/**
 * Reusable scratch state for resolving one path at a time: call
 * {@linkcode PathEngine.begin}, {@linkcode PathEngine.push} per hop, then
 * {@linkcode PathEngine.run}; results are in `nodeIds`, `conf` and `labels`.
 */
export class PathEngine {
  /** Resolved node id per hop (-1 = unknown). */
  readonly nodeIds = new Int32Array(MAX_HOPS);
  /** Confidence per hop. */
  readonly conf = new Float32Array(MAX_HOPS);
  /** Label code per hop ({@linkcode L}). */
  readonly labels = new Uint8Array(MAX_HOPS);
  #start = new Int32Array(MAX_HOPS + 1);
  #cand = new Int32Array(512);
  #why = new Uint8Array(512); // 0 = alive, else OUT_OF_RANGE / USED_ELSEWHERE
  #prior = new Float64Array(512);
  #slotPost = new Float64Array(512);
  #fixed = new Uint8Array(MAX_HOPS);
  #blocked = new Uint8Array(MAX_HOPS);
  #aliveN = new Int32Array(MAX_HOPS);
  #excl = new Uint8Array(MAX_HOPS);
  #rej = new Uint8Array(MAX_HOPS);
  #clash = new Uint8Array(MAX_HOPS);
  #sStart = new Int32Array(MAX_HOPS + 1);
  #sId = new Int32Array(512);
  #sSlot = new Int32Array(512);
  #phi = new Float64Array(512);
  #alpha = new Float64Array(512);
  #beta = new Float64Array(512);
  #pOff = new Int32Array(MAX_HOPS);
  #psi = new Float64Array(4096);
  #n = 0;
  #len = 0;
  #ctx!: EngineContext;
  #model: LinkModel;
  #lambdaStale: number;

  /** Creates an engine over a prefix table and a neighbor graph. */
  constructor(
    readonly table: PrefixTable,
    readonly graph: NeighborGraph,
    readonly opt: EngineOptions,
  ) {
    this.#model = new LinkModel(table, graph, opt);
    this.#lambdaStale = Math.LN2 / (opt.staleHalfLifeHours * 3600_000);
  }

  /** Number of hops pushed. */
  get hopCount(): number {
    return this.#n;
  }

  /** Starts a path of `hopCount` hops (at most {@linkcode MAX_HOPS}). */
  begin(hopCount: number, ctx: EngineContext): void {
    if (hopCount > MAX_HOPS) throw new RangeError(`Cannot resolve ${hopCount} hops: at most 64`);
    this.#n = 0;
    this.#len = 0;
    this.#ctx = ctx;
  }

  /** Adds the next hop with its candidate ids (`excludeId` is dropped). */
  push(ids: ArrayLike<number>): void {
    const i = this.#n++;
    const ctx = this.#ctx;
    if (this.#len + ids.length > this.#cand.length) this.#growSlots(this.#len + ids.length);
    let alive = 0;
    this.#excl[i] = 0;
    const now = ctx.nowMs;
    const staleMs = this.opt.staleAfterHours * 3600_000;
    this.#start[i] = this.#len;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const slot = this.#len++;
      this.#cand[slot] = id;
      this.#slotPost[slot] = 0;
      if (id === ctx.excludeId) {
        this.#why[slot] = USED_ELSEWHERE;
        this.#excl[i] = 1;
        continue;
      }
      this.#why[slot] = 0;
      alive++;
      let prior = 1;
      const last = this.table.lastSeenMs(id);
      if (last > 0 && now - last > staleMs) {
        prior = Math.exp(-this.#lambdaStale * (now - last - staleMs));
      }
      this.#prior[slot] = prior;
    }
    this.#start[i + 1] = this.#len;
    this.#aliveN[i] = alive;
    this.#rej[i] = 0;
    this.#clash[i] = 0;
    this.#fixed[i] = 0;
    this.#blocked[i] = 0;
    this.nodeIds[i] = -1;
    this.conf[i] = 0;
    this.labels[i] = ids.length === 0 ? L.noMatch : alive === 0 ? L.loop : L.ambiguous;
  }

  /** Resolves the pushed hops; `hashSize` sets the confidence of unique hops. */
  run(hashSize: number): void {
    const n = this.#n;
    if (n === 0) return;
    this.#uniquePhase(hashSize === 1 ? this.opt.uniqueConfidence1 : 1);
    for (let round = 0; round < this.opt.maxRounds; round++) {
      let open = false;
      for (let i = 0; i < n && !open; i++) open = !this.#fixed[i] && this.#aliveN[i] > 0;
      if (!open) break;
      this.#buildStates();
      this.#forwardBackward();
      if (!this.#decide()) break;
    }
    for (let i = 0; i < n; i++) {
      if (this.nodeIds[i] >= 0 || this.labels[i] !== L.ambiguous) continue;
      if (this.#clash[i]) this.labels[i] = L.loop;
      else if (this.#aliveN[i] === 0) this.labels[i] = this.#rej[i] ? L.implausible : L.loop;
    }
  }

  /** Evidence for every candidate of hop `i` (after {@linkcode run}). */
  explain(i: number): CandidateEvidence[] {
    const ctx = this.#ctx;
    const anchors: number[] = [];
    if (i > 0 && this.nodeIds[i - 1] >= 0) anchors.push(this.nodeIds[i - 1]);
    if (i + 1 < this.#n && this.nodeIds[i + 1] >= 0) anchors.push(this.nodeIds[i + 1]);
    if (i === 0 && ctx.originatorAdjacent && ctx.originatorId >= 0) anchors.push(ctx.originatorId);
    if (i === ctx.observerHop && ctx.observerId >= 0) anchors.push(ctx.observerId);
    const out: CandidateEvidence[] = [];
    for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
      const c = this.#cand[k];
      const why = this.#why[k];
      out.push({
        id: c,
        score: why ? 0 : this.#slotPost[k],
        rejected: why === OUT_OF_RANGE
          ? "out_of_range"
          : why === USED_ELSEWHERE
          ? "used_elsewhere"
          : "",
        anchors: anchors.map((m) => ({
          id: m,
          weight: this.graph.weight(c, m, ctx.nowMs),
          km: this.table.distanceKm(c, m),
        })),
      });
    }
    return out;
  }

  #uniquePhase(uconf: number): void {
    const n = this.#n;
    const ctx = this.#ctx;
    const only = this.#pOff; // reused: the single live candidate per hop, or -1
    for (let i = 0; i < n; i++) {
      only[i] = this.#aliveN[i] === 1 && this.#excl[i] === 0 ? this.#firstAlive(i) : -1;
    }
    for (let i = 0; i < n; i++) {
      const c = only[i];
      if (c < 0) continue;
      let clash = false;
      for (let j = 0; j < n && !ctx.allowRepeats; j++) if (j !== i && only[j] === c) clash = true;
      if (clash) this.#clash[i] = 1; // a prefix twice: at most one is c, the evidence decides
      else this.#name(i, c, uconf, L.unique);
    }
    const unique = this.#pOff; // reused: 1 = unique hop
    for (let i = 0; i < n; i++) unique[i] = this.labels[i] === L.unique ? 1 : 0;
    for (const i of implausibleUniques(n, unique, this.nodeIds, ctx, this.#model)) {
      this.#dropUnique(i);
    }
    if (!ctx.allowRepeats) {
      for (let i = 0; i < n; i++) if (this.nodeIds[i] >= 0) this.#excludeElsewhere(i);
    }
  }

  #dropUnique(i: number): void {
    for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
      if (this.#why[k] === 0) this.#why[k] = OUT_OF_RANGE;
      this.#slotPost[k] = 0;
    }
    this.nodeIds[i] = -1;
    this.conf[i] = 0;
    this.labels[i] = L.implausible;
    this.#fixed[i] = 0;
    this.#blocked[i] = 1;
    this.#aliveN[i] = 0;
    this.#rej[i] = 1;
  }

  /** Lays out the states of every hop, with unary factors (prior, anchors). */
  #buildStates(): void {
    const n = this.#n, ctx = this.#ctx, opt = this.opt, m = this.#model;
    const q = opt.unknownLinkProb;
    let s = 0;
    for (let i = 0; i < n; i++) {
      this.#sStart[i] = s;
      if (this.#fixed[i]) {
        s = this.#state(s, this.nodeIds[i], -1, 1);
        continue;
      }
      const orig = i === 0 && ctx.originatorAdjacent ? ctx.originatorId : -1;
      const obs = i === ctx.observerHop ? ctx.observerId : -1;
      const left = i > 0 && this.#fixed[i - 1] ? this.nodeIds[i - 1] : -1;
      const right = i + 1 < n && this.#fixed[i + 1] ? this.nodeIds[i + 1] : -1;
      let unknown = opt.unknownNodePrior;
      if (orig >= 0) unknown *= q;
      if (obs >= 0) unknown *= q;
      for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
        if (this.#why[k] !== 0) continue;
        const c = this.#cand[k];
        let phi = this.#prior[k];
        if (orig >= 0) phi *= m.link(c, orig, ctx.nowMs);
        if (obs >= 0) phi *= m.link(c, obs, ctx.nowMs);
        if (
          phi === 0 || (left >= 0 && m.outOfRange(c, left)) ||
          (right >= 0 && m.outOfRange(c, right))
        ) {
          this.#why[k] = OUT_OF_RANGE;
          this.#slotPost[k] = 0;
          this.#aliveN[i]--;
          this.#rej[i] = 1;
          continue;
        }
        s = this.#state(s, c, k, phi);
      }
      s = this.#state(s, -1, -1, unknown);
    }
    this.#sStart[n] = s;
    // Pairwise link factors between consecutive hops.
    let p = 0;
    for (let i = 0; i + 1 < n; i++) {
      this.#pOff[i] = p;
      const a0 = this.#sStart[i], a1 = this.#sStart[i + 1], b1 = this.#sStart[i + 2];
      const need = p + (a1 - a0) * (b1 - a1);
      if (need > this.#psi.length) this.#psi = growF(this.#psi, need * 2);
      const bothFixed = this.#fixed[i] === 1 && this.#fixed[i + 1] === 1;
      for (let x = a0; x < a1; x++) {
        const ix = this.#sId[x];
        for (let y = a1; y < b1; y++) {
          const iy = this.#sId[y];
          this.#psi[p++] = bothFixed ? 1 : ix < 0 || iy < 0 ? q : m.link(ix, iy, ctx.nowMs);
        }
      }
    }
  }

  #state(s: number, id: number, slot: number, phi: number): number {
    if (s >= this.#sId.length) {
      const cap = this.#sId.length * 2;
      this.#sId = growI(this.#sId, cap);
      this.#sSlot = growI(this.#sSlot, cap);
      this.#phi = growF(this.#phi, cap);
      this.#alpha = new Float64Array(cap);
      this.#beta = new Float64Array(cap);
    }
    this.#sId[s] = id;
    this.#sSlot[s] = slot;
    this.#phi[s] = phi;
    return s + 1;
  }

  /** Posterior of every state (in `#alpha`), by forward-backward over the chain. */
  #forwardBackward(): void {
    const n = this.#n, st = this.#sStart, alpha = this.#alpha;
    chainPosteriors(n, st, this.#phi, this.#psi, this.#pOff, alpha, this.#beta);
    for (let i = 0; i < n; i++) {
      for (let x = st[i]; x < st[i + 1]; x++) {
        const k = this.#sSlot[x];
        if (k >= 0) this.#slotPost[k] = alpha[x];
      }
    }
  }

  /** Names the hops whose best candidate is sure enough; returns whether any was named. */
  #decide(): boolean {
    const n = this.#n, st = this.#sStart, post = this.#alpha;
    const pick = this.#pOff; // reused: chosen state per hop, -1 = none
    let any = false;
    for (let i = 0; i < n; i++) {
      pick[i] = -1;
      if (this.#fixed[i] || this.#blocked[i]) continue;
      for (let x = st[i]; x < st[i + 1]; x++) {
        if (this.#sId[x] >= 0 && post[x] >= this.opt.minConfidence) pick[i] = x;
      }
    }
    if (!this.#ctx.allowRepeats) {
      settleClaims(n, pick, this.#sId, post, this.opt.minConfidence, this.#blocked, this.#clash);
    }
    for (let i = 0; i < n; i++) {
      const x = pick[i];
      if (x < 0) continue;
      const c = this.#sId[x];
      this.#name(i, c, post[x], this.#labelFor(i, c));
      if (!this.#ctx.allowRepeats) this.#excludeElsewhere(i);
      any = true;
    }
    return any;
  }

  #labelFor(i: number, c: number): number {
    if (this.#aliveN[i] === 1 && (this.#rej[i] || this.#excl[i])) {
      return this.#rej[i] ? L.onlyPlausible : L.excluded;
    }
    const ctx = this.#ctx, g = this.graph, now = ctx.nowMs;
    const near = (m: number) => m >= 0 && g.weight(c, m, now) > 0;
    if (
      (i === 0 && ctx.originatorAdjacent && near(ctx.originatorId)) ||
      (i === ctx.observerHop && near(ctx.observerId)) ||
      (i > 0 && near(this.#likely(i - 1))) || (i + 1 < this.#n && near(this.#likely(i + 1)))
    ) return L.adjacent;
    return L.geo;
  }

  /** The named node of hop `j`, else its most probable known candidate, else -1. */
  #likely(j: number): number {
    if (this.nodeIds[j] >= 0) return this.nodeIds[j];
    let best = -1, p = 0;
    for (let x = this.#sStart[j]; x < this.#sStart[j + 1]; x++) {
      if (this.#sId[x] >= 0 && this.#alpha[x] > p) {
        p = this.#alpha[x];
        best = this.#sId[x];
      }
    }
    return best;
  }

  #name(i: number, c: number, conf: number, label: number): void {
    this.nodeIds[i] = c;
    this.conf[i] = conf;
    this.labels[i] = label;
    this.#fixed[i] = 1;
    for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
      if (this.#cand[k] === c && this.#why[k] === 0) this.#slotPost[k] = conf;
    }
  }

  #excludeElsewhere(i: number): void {
    const c = this.nodeIds[i];
    for (let j = 0; j < this.#n; j++) {
      if (j === i || this.#fixed[j]) continue;
      for (let k = this.#start[j]; k < this.#start[j + 1]; k++) {
        if (this.#why[k] === 0 && this.#cand[k] === c) {
          this.#why[k] = USED_ELSEWHERE;
          this.#slotPost[k] = 0;
          this.#aliveN[j]--;
          this.#excl[j] = 1;
        }
      }
    }
  }

  #firstAlive(i: number): number {
    for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
      if (this.#why[k] === 0) return this.#cand[k];
    }
    return -1;
  }

  #growSlots(min: number): void {
    let cap = this.#cand.length;
    while (cap < min) cap *= 2;
    this.#cand = growI(this.#cand, cap);
    this.#prior = growF(this.#prior, cap);
    this.#slotPost = growF(this.#slotPost, cap);
    const why = new Uint8Array(cap);
    why.set(this.#why);
    this.#why = why;
  }
}

function growI(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

function growF(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
