/**
 * The scoring core of hop resolution: given the candidate node ids of every
 * hop of one path, decide which hops can be named, and how surely.
 *
 * Model. For a candidate `c` of hop `i`, every *anchor* `m` next to the hop
 * (the resolved hop before and after it, the ADVERT originator for the first
 * hop, the observer for the hop it heard) contributes a factor
 *   f(c, m) = pGeo(d) * lrGraph(w)
 * where `pGeo = 1 / (1 + (d / linkHalfKm)^linkShape)` is the chance of a link
 * at distance `d` when both ends have GPS (`unknownLinkProb` otherwise), and
 * `lrGraph` is a likelihood ratio from the decayed neighbor-graph weight `w`:
 * `1 + graphGain * (1 - exp(-w / graphScale))` for an observed edge,
 * `graphMissFactor` when both nodes have at least `missMinDegree` observed
 * neighbours but not each other, 1 otherwise. A candidate farther than
 * `maxLinkKm` from an anchor is rejected outright. The score is
 *   s(c) = prior(c) * prod_m (p_m * f(c, m) + (1 - p_m) * unknownLinkProb)
 * (`p_m` = the anchor's own confidence); `prior` falls for nodes not heard for
 * days or first heard after the packet. An "unknown node" alternative (a relay
 * hopwatch never heard advertise) competes with weight
 * `unknownNodePrior * unknownLinkProb^anchors`. A hop is resolved only when
 * `s(best) / (sum s + unknown) >= minConfidence`; otherwise it stays -1.
 *
 * Passes run forward then backward and repeat until nothing changes, so a hop
 * resolved late can still help its neighbours on either side.
 *
 * @module
 */

import type { NeighborGraph } from "./neighbor_graph.ts";
import type { PrefixTable } from "./prefix_table.ts";

/**
 * Why a hop got its result. Resolved: `unique` (the only relay-capable node
 * with the prefix), `excluded` (the only one left after removing keys used
 * elsewhere in the path: originator, observer, other hops), `only_plausible`
 * (the only one left within link range of a resolved neighbour), `adjacent`
 * (neighbor-graph evidence decided), `geo` (distance to resolved neighbours
 * decided, no graph edge). Unknown (-1): `no_match` (no relay-capable node has
 * the prefix), `ambiguous` (no candidate clearly better), `implausible` (every
 * candidate out of link range), `loop` (the only candidate is used elsewhere in
 * the path).
 */
export const HOP_LABELS = [
  "unique",
  "excluded",
  "only_plausible",
  "adjacent",
  "geo",
  "no_match",
  "ambiguous",
  "implausible",
  "loop",
] as const;

/** One of {@linkcode HOP_LABELS}. */
export type HopLabel = typeof HOP_LABELS[number];

/** Label codes, indexes into {@linkcode HOP_LABELS}. */
export const L = {
  unique: 0,
  excluded: 1,
  onlyPlausible: 2,
  adjacent: 3,
  geo: 4,
  noMatch: 5,
  ambiguous: 6,
  implausible: 7,
  loop: 8,
} as const;

/** Tunables of the scoring model (see the module doc). */
export interface EngineOptions {
  /** Longest plausible LoRa link, km (default 150). */
  maxLinkKm: number;
  /** Posterior needed to name a hop (default 0.9). */
  minConfidence: number;
  /** Distance at which the geographic link probability is 1/2, km (default 25). */
  linkHalfKm: number;
  /** Link probability to an anchor with no position or edge evidence (default 0.05). */
  unknownLinkProb: number;
  /** Exponent of the geographic fall-off (default 3). */
  linkShape: number;
  /** Likelihood ratio of a well-established graph edge, minus 1 (default 50). */
  graphGain: number;
  /** Decayed edge weight giving 63 % of `graphGain` (default 1). */
  graphScale: number;
  /** Factor when two well-observed nodes were never seen adjacent (default 0.3). */
  graphMissFactor: number;
  /** Observed neighbours each node needs before a missing edge counts (default 3). */
  missMinDegree: number;
  /** Prior weight of "a relay hopwatch never heard advertise" (default 0.25). */
  unknownNodePrior: number;
  /** A node not heard for this long starts losing prior weight, hours (default 72). */
  staleAfterHours: number;
  /** Half-life of that loss, hours (default 168). */
  staleHalfLifeHours: number;
  /** Prior factor for a node first heard after the packet (default 0.1). */
  notYetSeenFactor: number;
  /** Confidence reported for a unique 1-byte hop (default 0.95; 2/3-byte: 1). */
  uniqueConfidence1: number;
  /** Upper bound on forward+backward rounds (default 8). */
  maxRounds: number;
  /** How much better a repeated prefix's node must fit one position than the others (default 20). */
  clashRatio: number;
}

/** Defaults of {@linkcode EngineOptions}. */
export const ENGINE_DEFAULTS: EngineOptions = {
  maxLinkKm: 150,
  minConfidence: 0.9,
  linkHalfKm: 25,
  linkShape: 3,
  unknownLinkProb: 0.05,
  graphGain: 50,
  graphScale: 1,
  graphMissFactor: 0.3,
  missMinDegree: 3,
  unknownNodePrior: 0.25,
  staleAfterHours: 72,
  staleHalfLifeHours: 168,
  notYetSeenFactor: 0.1,
  uniqueConfidence1: 0.95,
  maxRounds: 8,
  clashRatio: 20,
};

/** How anchors outside the hop list apply. */
export interface EngineContext {
  originatorId: number;
  observerId: number;
  /** Hop the observer heard directly, or -1. */
  observerHop: number;
  /** Whether hop 0 heard the originator directly. */
  originatorAdjacent: boolean;
  /** Whether a node may appear twice (TRACE round trips). */
  allowRepeats: boolean;
  /** Node id that cannot be any hop (the originator), or -1. */
  excludeId: number;
  nowMs: number;
}

/** Per-candidate evidence, for explanations. */
export interface CandidateEvidence {
  id: number;
  score: number;
  rejected: "" | "out_of_range" | "used_elsewhere";
  anchors: { id: number; weight: number; km: number }[];
}

/**
 * Reusable scratch state for resolving one path at a time. Fill the candidate
 * lists with {@linkcode PathEngine.begin} / {@linkcode PathEngine.push}, then
 * call {@linkcode PathEngine.run}; results are in `nodeIds`, `conf`, `labels`.
 */
export class PathEngine {
  /** Resolved node id per hop. */
  nodeIds = new Int32Array(64);
  /** Confidence per hop. */
  conf = new Float32Array(64);
  /** Label code per hop ({@linkcode L}). */
  labels = new Uint8Array(64);
  #start = new Int32Array(65);
  #cand = new Int32Array(512);
  #alive = new Uint8Array(512);
  #prior = new Float64Array(512);
  #score = new Float64Array(512);
  #final = new Uint8Array(64);
  #aliveN = new Int32Array(64);
  #excl = new Uint8Array(64);
  #rej = new Uint8Array(64);
  #clash = new Uint8Array(64);
  /** Neighbour ids at the last evaluation of a hop (-2 = evaluate again). */
  #seenL = new Int32Array(64);
  #seenR = new Int32Array(64);
  #n = 0;
  #len = 0;
  #ctx!: EngineContext;
  #anchorId = new Int32Array(4);
  #anchorP = new Float64Array(4);
  #lambdaStale = 0;

  /** Creates an engine over a prefix table and a neighbor graph. */
  constructor(
    readonly table: PrefixTable,
    readonly graph: NeighborGraph,
    readonly opt: EngineOptions,
  ) {
    this.#lambdaStale = Math.LN2 / (opt.staleHalfLifeHours * 3600_000);
  }

  /** Starts a path of `hopCount` hops. */
  begin(hopCount: number, ctx: EngineContext): void {
    if (hopCount > this.nodeIds.length) {
      const cap = Math.max(hopCount, this.nodeIds.length * 2);
      this.nodeIds = new Int32Array(cap);
      this.conf = new Float32Array(cap);
      this.labels = new Uint8Array(cap);
      this.#start = new Int32Array(cap + 1);
      this.#final = new Uint8Array(cap);
      this.#aliveN = new Int32Array(cap);
      this.#excl = new Uint8Array(cap);
      this.#rej = new Uint8Array(cap);
      this.#clash = new Uint8Array(cap);
      this.#seenL = new Int32Array(cap);
      this.#seenR = new Int32Array(cap);
    }
    this.#n = 0;
    this.#len = 0;
    this.#ctx = ctx;
    this.#start[0] = 0;
  }

  /** Adds the next hop with its candidate ids (`excludeId` is dropped). */
  push(ids: ArrayLike<number>): void {
    const i = this.#n++;
    const ctx = this.#ctx;
    if (this.#len + ids.length > this.#cand.length) this.#grow(this.#len + ids.length);
    let excluded = 0;
    let alive = 0;
    const now = ctx.nowMs;
    const staleMs = this.opt.staleAfterHours * 3600_000;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const slot = this.#len++;
      this.#cand[slot] = id;
      if (id === ctx.excludeId) {
        this.#alive[slot] = 0;
        excluded = 1;
        continue;
      }
      this.#alive[slot] = 1;
      alive++;
      let prior = 1;
      const last = this.table.lastSeenMs(id);
      if (last > 0 && now - last > staleMs) {
        prior = Math.exp(-this.#lambdaStale * (now - last - staleMs));
      }
      if (this.table.firstSeenMs(id) > now) prior *= this.opt.notYetSeenFactor;
      this.#prior[slot] = prior;
    }
    this.#start[this.#n] = this.#len;
    this.#aliveN[i] = alive;
    this.#excl[i] = excluded;
    this.#rej[i] = 0;
    this.#clash[i] = 0;
    this.#seenL[i] = -2;
    this.#final[i] = 0;
    this.nodeIds[i] = -1;
    this.conf[i] = 0;
    this.labels[i] = ids.length === 0 ? L.noMatch : alive === 0 ? L.loop : L.ambiguous;
  }

  /** Resolves the pushed hops; `hashSize` sets the confidence of unique hops. */
  run(hashSize: number): void {
    const n = this.#n;
    this.#uniquePhase(hashSize);
    for (let round = 0; round < this.opt.maxRounds; round++) {
      let changed = false;
      for (let i = 0; i < n; i++) if (this.#final[i] === 0 && this.#tryHop(i)) changed = true;
      for (let i = n - 1; i >= 0; i--) if (this.#final[i] === 0 && this.#tryHop(i)) changed = true;
      if (!changed) break;
    }
    for (let i = 0; i < n; i++) {
      if (this.nodeIds[i] < 0 && this.#clash[i] && this.labels[i] === L.ambiguous) {
        this.labels[i] = L.loop;
      }
    }
  }

  /** Number of hops pushed. */
  get hopCount(): number {
    return this.#n;
  }

  /** Evidence for every candidate of hop `i` against the final anchors. */
  explain(i: number): CandidateEvidence[] {
    const out: CandidateEvidence[] = [];
    const na = this.#anchors(i);
    for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
      const c = this.#cand[k];
      const anchors = [];
      let rejected: CandidateEvidence["rejected"] = "";
      for (let a = 0; a < na; a++) {
        const m = this.#anchorId[a];
        const km = this.#km(c, m);
        if (km > this.opt.maxLinkKm) rejected = "out_of_range";
        anchors.push({ id: m, weight: this.graph.weight(c, m, this.#ctx.nowMs), km });
      }
      if (!rejected && this.#alive[k] === 0 && this.nodeIds[i] !== c) rejected = "used_elsewhere";
      const score = this.#alive[k] || this.nodeIds[i] === c ? this.#scoreOf(k, na) : 0;
      out.push({ id: c, score, rejected, anchors });
    }
    return out;
  }

  #uniquePhase(hashSize: number): void {
    const n = this.#n;
    const ctx = this.#ctx;
    const uconf = hashSize === 1 ? this.opt.uniqueConfidence1 : 1;
    for (let i = 0; i < n; i++) {
      if (this.#aliveN[i] !== 1 || this.#excl[i] !== 0) continue;
      const c = this.#firstAlive(i);
      let clash = false;
      if (!ctx.allowRepeats) {
        for (let j = 0; j < n; j++) {
          if (j !== i && this.#aliveN[j] === 1 && this.#excl[j] === 0 && this.#firstAlive(j) === c) {
            clash = true;
          }
        }
      }
      if (clash) {
        this.#clash[i] = 1; // left to the evidence passes
        continue;
      }
      this.nodeIds[i] = c;
      this.conf[i] = uconf;
      this.labels[i] = L.unique;
      this.#final[i] = 1;
    }
    this.#dropImplausibleUniques();
    if (!ctx.allowRepeats) {
      for (let i = 0; i < n; i++) if (this.nodeIds[i] >= 0) this.#excludeElsewhere(i);
    }
  }

  /**
   * A unique hop out of link range of the originator or observer is not the
   * node we know: drop it. Two unique neighbours out of range of each other
   * cannot both be right: drop the one with more such conflicts, then the one
   * with fewer in-range anchors, and both when that still ties.
   */
  #dropImplausibleUniques(): void {
    const n = this.#n;
    const ctx = this.#ctx;
    const max = this.opt.maxLinkKm;
    const uniqueAt = (j: number) => j >= 0 && j < n && this.labels[j] === L.unique;
    for (let i = 0; i < n; i++) {
      if (!uniqueAt(i)) continue;
      const c = this.nodeIds[i];
      if (
        (i === 0 && ctx.originatorAdjacent && this.#km(c, ctx.originatorId) > max) ||
        (i === ctx.observerHop && this.#km(c, ctx.observerId) > max)
      ) this.#dropUnique(i);
    }
    for (let guard = 0; guard < n; guard++) {
      let worst = -1;
      let worstConf = 0;
      let worstSupport = 0;
      let tie = false;
      for (let i = 0; i < n; i++) {
        if (!uniqueAt(i)) continue;
        let conflicts = 0;
        let support = 0;
        for (const j of [i - 1, i + 1]) {
          if (!uniqueAt(j)) continue;
          const d = this.#km(this.nodeIds[i], this.nodeIds[j]);
          if (d > max) conflicts++;
          else if (d === d) support++;
        }
        if (i === 0 && ctx.originatorAdjacent && ctx.originatorId >= 0) support++;
        if (i === ctx.observerHop && ctx.observerId >= 0) support++;
        if (conflicts === 0) continue;
        if (
          worst < 0 || conflicts > worstConf ||
          (conflicts === worstConf && support < worstSupport)
        ) {
          worst = i;
          worstConf = conflicts;
          worstSupport = support;
          tie = false;
        } else if (conflicts === worstConf && support === worstSupport) tie = true;
      }
      if (worst < 0) return;
      if (tie) {
        // Drop every hop in the tied conflict set.
        const drop: number[] = [];
        for (let i = 0; i < n; i++) {
          if (!uniqueAt(i)) continue;
          for (const j of [i - 1, i + 1]) {
            if (uniqueAt(j) && this.#km(this.nodeIds[i], this.nodeIds[j]) > max) drop.push(i);
          }
        }
        for (const i of drop) this.#dropUnique(i);
        return;
      }
      this.#dropUnique(worst);
    }
  }

  #dropUnique(i: number): void {
    this.nodeIds[i] = -1;
    this.conf[i] = 0;
    this.labels[i] = L.implausible;
    this.#final[i] = 1;
    this.#aliveN[i] = 0;
    this.#rej[i] = 1;
  }

  /** Tries to resolve hop `i`; returns whether it became resolved. */
  #tryHop(i: number): boolean {
    const opt = this.opt;
    const left = i > 0 ? this.nodeIds[i - 1] : -1;
    const right = i + 1 < this.#n ? this.nodeIds[i + 1] : -1;
    if (this.#seenL[i] === left && this.#seenR[i] === right) return false; // nothing new
    this.#seenL[i] = left;
    this.#seenR[i] = right;
    const na = this.#anchors(i);
    if (this.#aliveN[i] === 0) {
      this.#final[i] = 1;
      if (this.labels[i] === L.ambiguous) this.labels[i] = this.#rej[i] ? L.implausible : L.loop;
      return false;
    }
    if (na === 0 && this.#aliveN[i] !== 1) return false;
    let best = -1;
    let bestScore = 0;
    let total = 0;
    for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
      if (this.#alive[k] === 0) continue;
      const c = this.#cand[k];
      let out = false;
      for (let a = 0; a < na; a++) {
        if (this.#km(c, this.#anchorId[a]) > opt.maxLinkKm) out = true;
      }
      if (out) {
        this.#alive[k] = 0;
        this.#aliveN[i]--;
        this.#rej[i] = 1;
        continue;
      }
      const s = this.#scoreOf(k, na);
      this.#score[k] = s;
      total += s;
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    if (this.#aliveN[i] === 0) {
      this.#final[i] = 1;
      this.labels[i] = L.implausible;
      return false;
    }
    if (best < 0) return false;
    const unknown = opt.unknownNodePrior * Math.pow(opt.unknownLinkProb, na);
    const conf = bestScore / (total + unknown);
    if (conf < opt.minConfidence) return false;
    const c = this.#cand[best];
    if (!this.#ctx.allowRepeats && !this.#beatsOtherPositions(i, c, bestScore / unknown)) {
      return false;
    }
    this.#anchors(i);
    this.nodeIds[i] = c;
    this.conf[i] = conf;
    if (this.#aliveN[i] === 1) {
      this.labels[i] = this.#rej[i] ? L.onlyPlausible : L.excluded;
    } else {
      let graph = false;
      for (let a = 0; a < na; a++) {
        if (this.graph.weight(c, this.#anchorId[a], this.#ctx.nowMs) > 0) graph = true;
      }
      this.labels[i] = graph ? L.adjacent : L.geo;
    }
    this.#final[i] = 1;
    if (!this.#ctx.allowRepeats) this.#excludeElsewhere(i);
    return true;
  }

  /**
   * When `c` is also a live candidate of other unresolved hops (a repeated
   * prefix), it may sit at only one of them: require its likelihood ratio
   * against an unknown node at hop `i` to be `clashRatio` times that at any
   * other position. Leaves the anchor arrays clobbered.
   */
  #beatsOtherPositions(i: number, c: number, ratioHere: number): boolean {
    const opt = this.opt;
    for (let j = 0; j < this.#n; j++) {
      if (j === i || this.nodeIds[j] >= 0) continue;
      for (let k = this.#start[j]; k < this.#start[j + 1]; k++) {
        if (this.#alive[k] === 0 || this.#cand[k] !== c) continue;
        const na = this.#anchors(j);
        const there = this.#scoreOf(k, na) /
          (opt.unknownNodePrior * Math.pow(opt.unknownLinkProb, na));
        if (ratioHere < opt.clashRatio * there) return false;
      }
    }
    return true;
  }

  #scoreOf(k: number, na: number): number {
    const opt = this.opt;
    const c = this.#cand[k];
    const now = this.#ctx.nowMs;
    const g = this.graph;
    let s = this.#prior[k];
    for (let a = 0; a < na; a++) {
      const m = this.#anchorId[a];
      const p = this.#anchorP[a];
      const d = this.#km(c, m);
      let f = opt.unknownLinkProb;
      if (d === d) {
        const r = d / opt.linkHalfKm;
        f = 1 / (1 + (opt.linkShape === 3 ? r * r * r : Math.pow(r, opt.linkShape)));
      }
      const w = g.weight(c, m, now);
      if (w > 0) f *= 1 + opt.graphGain * (1 - Math.exp(-w / opt.graphScale));
      else if (g.degree(c) >= opt.missMinDegree && g.degree(m) >= opt.missMinDegree) {
        f *= opt.graphMissFactor;
      }
      s *= p * f + (1 - p) * opt.unknownLinkProb;
    }
    return s;
  }

  /** Fills the anchor arrays for hop `i`; returns their number. */
  #anchors(i: number): number {
    const ctx = this.#ctx;
    let na = 0;
    if (i > 0 && this.nodeIds[i - 1] >= 0) {
      this.#anchorId[na] = this.nodeIds[i - 1];
      this.#anchorP[na++] = this.conf[i - 1];
    }
    if (i === 0 && ctx.originatorAdjacent && ctx.originatorId >= 0) {
      this.#anchorId[na] = ctx.originatorId;
      this.#anchorP[na++] = 1;
    }
    if (i + 1 < this.#n && this.nodeIds[i + 1] >= 0) {
      this.#anchorId[na] = this.nodeIds[i + 1];
      this.#anchorP[na++] = this.conf[i + 1];
    }
    if (i === ctx.observerHop && ctx.observerId >= 0) {
      this.#anchorId[na] = ctx.observerId;
      this.#anchorP[na++] = 1;
    }
    return na;
  }

  #excludeElsewhere(i: number): void {
    const c = this.nodeIds[i];
    for (let j = 0; j < this.#n; j++) {
      if (j === i || this.nodeIds[j] >= 0) continue;
      for (let k = this.#start[j]; k < this.#start[j + 1]; k++) {
        if (this.#alive[k] === 1 && this.#cand[k] === c) {
          this.#alive[k] = 0;
          this.#aliveN[j]--;
          this.#excl[j] = 1;
          this.#seenL[j] = -2;
        }
      }
    }
  }

  #firstAlive(i: number): number {
    for (let k = this.#start[i]; k < this.#start[i + 1]; k++) {
      if (this.#alive[k] === 1) return this.#cand[k];
    }
    return -1;
  }

  #km(a: number, b: number): number {
    return this.table.distanceKm(a, b);
  }

  #grow(min: number): void {
    let cap = this.#cand.length;
    while (cap < min) cap *= 2;
    const cand = new Int32Array(cap);
    cand.set(this.#cand);
    this.#cand = cand;
    const alive = new Uint8Array(cap);
    alive.set(this.#alive);
    this.#alive = alive;
    const prior = new Float64Array(cap);
    prior.set(this.#prior);
    this.#prior = prior;
    this.#score = new Float64Array(cap);
  }
}
