/**
 * Labels, tunables and the link model of hop resolution.
 *
 * Link model. The chance that two nodes `a` and `b` share a radio link,
 * relative to a random pair, is
 *   f(a, b) = pGeo(d) * lrGraph(w)
 * where `pGeo = 1 / (1 + (d / linkHalfKm)^linkShape)` for their distance `d`
 * when both have GPS (`unknownLinkProb` otherwise, and 0 beyond `maxLinkKm`),
 * and `lrGraph` is a likelihood ratio from the decayed neighbor-graph weight
 * `w`: `1 + graphGain * (1 - exp(-w / graphScale))` for an observed edge,
 * `graphMissFactor` when both nodes have at least `missMinDegree` observed
 * neighbours but never each other, 1 otherwise. A relay hopwatch never heard
 * advertise (the "unknown node") links to anything with `unknownLinkProb`.
 *
 * @module
 */

import type { NeighborGraph } from "./neighbor_graph.ts";
import type { PrefixTable } from "./prefix_table.ts";

/**
 * Why a hop got its result. Resolved: `unique` (the only relay-capable node
 * with the prefix), `excluded` (the only one left after removing keys used
 * elsewhere in the path: the originator, other hops), `only_plausible` (the
 * only one left within link range of its neighbours), `adjacent` (neighbor-
 * graph evidence decided), `geo` (distances decided, no graph edge). Unknown
 * (-1): `no_match` (no relay-capable node has the prefix), `ambiguous` (no
 * candidate clearly better), `implausible` (every candidate out of link
 * range), `loop` (the candidate is claimed by another hop of the path too).
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

/** Tunables of the model (see the module doc of this file and `path_engine.ts`). */
export interface EngineOptions {
  /** Longest plausible LoRa link, km (default 150). */
  maxLinkKm: number;
  /** Posterior probability needed to name a hop (default 0.9). */
  minConfidence: number;
  /** Distance at which the geographic link chance halves, km (default 25). */
  linkHalfKm: number;
  /** Exponent of the geographic fall-off (default 3). */
  linkShape: number;
  /** Link chance without position or edge evidence (default 0.05). */
  unknownLinkProb: number;
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
  /** Confidence reported for a unique 1-byte hop (default 0.95; 2/3-byte: 1). */
  uniqueConfidence1: number;
  /** Forward-backward rounds, each fixing the hops named so far (default 4). */
  maxRounds: number;
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
  uniqueConfidence1: 0.95,
  maxRounds: 4,
};

/** How anchors outside the hop list apply to one path. */
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
  /** Posterior probability (0 when rejected). */
  score: number;
  rejected: "" | "out_of_range" | "used_elsewhere";
  /** The hop's neighbours (resolved or most likely) and anchors: edge weight and km. */
  anchors: { id: number; weight: number; km: number }[];
}

/** Evaluates {@linkcode EngineOptions}' link model over a table and a graph. */
export class LinkModel {
  /** Creates the model. */
  constructor(
    readonly table: PrefixTable,
    readonly graph: NeighborGraph,
    readonly opt: EngineOptions,
  ) {}

  /** Relative link chance of nodes `a` and `b` (ids >= 0) at `nowMs`; 0 = impossible. */
  link(a: number, b: number, nowMs: number): number {
    const opt = this.opt;
    const d = this.table.distanceKm(a, b);
    if (d > opt.maxLinkKm) return 0;
    let f = opt.unknownLinkProb;
    if (d === d) {
      const r = d / opt.linkHalfKm;
      f = 1 / (1 + (opt.linkShape === 3 ? r * r * r : Math.pow(r, opt.linkShape)));
    }
    const g = this.graph;
    const w = g.weight(a, b, nowMs);
    if (w > 0) f *= 1 + opt.graphGain * (1 - Math.exp(-w / opt.graphScale));
    else if (g.degree(a) >= opt.missMinDegree && g.degree(b) >= opt.missMinDegree) {
      f *= opt.graphMissFactor;
    }
    return f;
  }

  /** Whether `a` and `b` are farther apart than `maxLinkKm` (false without positions). */
  outOfRange(a: number, b: number): boolean {
    return this.table.distanceKm(a, b) > this.opt.maxLinkKm;
  }
}
