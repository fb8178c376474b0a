/**
 * hopwatch's one hop resolver, used at ingest, at load, by the backfill and by
 * the API. It names a hop only when the evidence singles out one relay-capable
 * node, and says "unknown" (-1) otherwise; every result carries a confidence
 * and a label ({@linkcode HOP_LABELS}) explaining it.
 *
 * Evidence, in the order it is applied:
 * 1. candidates: relay-capable nodes with the hop prefix ({@linkcode PrefixTable});
 * 2. exclusions: the ADVERT originator (it never relays its own packet) and
 *    any node named at another hop of the same path (no loops; TRACE round
 *    trips may repeat). The observer is *not* excluded: a relaying observer
 *    logs the echo of a packet it relayed itself, so its own prefix shows up;
 *    a repeated prefix goes to the position the evidence clearly prefers;
 * 3. unique prefixes, dropped again when out of link range of the originator,
 *    the observer or a unique neighbour hop;
 * 4. for the other hops, a forward and a backward pass over the path (the
 *    forward-backward algorithm) give each candidate a posterior probability
 *    from neighbor-graph adjacency and distance to the candidates of the
 *    hops on *both* sides, to the originator (first hop) and the observer (the
 *    hop it heard), and from advert recency; candidates beyond `maxLinkKm` of
 *    a named neighbour are rejected. A hop is named when its best candidate
 *    reaches `minConfidence`; named hops are fixed and the passes repeat until
 *    nothing changes (`path_engine.ts`, link model in `engine_model.ts`).
 *
 * Route kinds: `flood` (hops in forwarding order; the first hop heard the
 * originator, the observer heard the last hop), `direct` (the path is the
 * *remaining* route, each relay removes itself, so neither end is adjacent to
 * a known node), `trace` (hops from the TRACE payload; the observer heard hop
 * `traceCompleted - 1`; repeats allowed).
 *
 * Default link limit: 150 km. Ground-level MeshCore links are 1-30 km;
 * mountain-top repeaters reach 100-150 km (the fixture holds well-evidenced
 * 70-95 km links between Bay Area peaks); longer links need ducting or
 * exceptional sites, and a limit that excluded them would reject true relays.
 * The limit is only a hard veto for far-away key collisions (the adversarial
 * case, another region's node); between plausible candidates the soft distance
 * model (half chance at `linkHalfKm` = 25 km) and graph evidence decide.
 *
 * @module
 */

import type { NodeDirectory } from "../store/node_directory.ts";
import { NeighborGraph } from "./neighbor_graph.ts";
import { PrefixTable } from "./prefix_table.ts";
import {
  type CandidateEvidence,
  ENGINE_DEFAULTS,
  type EngineContext,
  type EngineOptions,
  HOP_LABELS,
  type HopLabel,
} from "./engine_model.ts";
import { PathEngine } from "./path_engine.ts";

export { HOP_LABELS };
export type { CandidateEvidence, EngineOptions, HopLabel };

/** Context of one observation. */
export interface ResolveContext {
  /** Node id of the ADVERT originator (full key), if any. */
  originatorId?: number;
  /** Node id of the observer, if it is a known node. */
  observerId?: number;
  /** Ingest time of the observation (epoch ms). */
  nowMs: number;
  /** Route kind (default `flood`); see the module doc. */
  kind?: "flood" | "direct" | "trace";
  /** TRACE only: hops completed (header path length). */
  traceCompleted?: number;
}

/** Result of resolving one path. */
export interface ResolvedPath {
  /** Number of hops. */
  hopCount: number;
  /** Bytes per hop (1-3). */
  hashSize: number;
  /** Node id per hop, -1 = unknown. */
  nodeIds: Int32Array;
  /** 0..1 per hop (0 for unknown hops). */
  confidence: Float32Array;
  /** Why, per hop. */
  labels: HopLabel[];
}

/** One hop as returned by {@linkcode HopResolver.resolveHops} (the API hook). */
export interface ApiHop {
  /** The hop as given, uppercase. */
  hop: string;
  /** Lowercase key of the named node, or null (unknown). */
  pubkey: string | null;
  /** Its advertised name. */
  name: string | null;
  /** 0..1 (0 for unknown). */
  confidence: number;
  /** Why ({@linkcode HOP_LABELS}). */
  label: HopLabel;
  /** Every relay-capable node with the prefix; `score` = posterior (0 when ruled out). */
  candidates: {
    pubkey: string;
    name: string | null;
    lat: number | null;
    lon: number | null;
    score: number;
  }[];
}

/** Options of {@linkcode HopResolver}. */
export interface HopResolverOptions extends Partial<EngineOptions> {
  /** Shared prefix table (default: a new one over the directory). */
  table?: PrefixTable;
  /** Shared neighbor graph (default: a new one). */
  graph?: NeighborGraph;
  /** Half-life of neighbor-graph evidence, hours (default 168; new graphs only). */
  edgeHalfLifeHours?: number;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * The hop resolver.
 *
 * @example
 * ```ts
 * const r = new HopResolver(dir);
 * const path = r.resolvePath(new Uint8Array([0x7d, 0xda]), 1, 2, { nowMs: Date.now() });
 * path.nodeIds; // Int32Array [id or -1, id or -1]
 * ```
 */
export class HopResolver {
  /** The node directory. */
  readonly directory: NodeDirectory;
  /** Relay candidates by prefix. */
  readonly table: PrefixTable;
  /** Learned adjacency. */
  readonly graph: NeighborGraph;
  /** Effective scoring options. */
  readonly options: EngineOptions;
  #engine: PathEngine;
  #unique = new Uint8Array(64);

  /** Creates a resolver over `dir`. */
  constructor(dir: NodeDirectory, options: HopResolverOptions = {}) {
    this.directory = dir;
    this.table = options.table ?? new PrefixTable(dir);
    this.graph = options.graph ??
      new NeighborGraph({ halfLifeHours: options.edgeHalfLifeHours ?? 168 });
    const opt = { ...ENGINE_DEFAULTS };
    for (const key of Object.keys(ENGINE_DEFAULTS) as (keyof EngineOptions)[]) {
      const v = options[key];
      if (v === undefined) continue;
      const ok = Number.isFinite(v) && v >= 0 &&
        (key !== "minConfidence" || (v > 0 && v <= 1)) && (key !== "maxRounds" || v >= 1);
      if (!ok) throw new RangeError(`Cannot use resolver option ${key}: ${v} is out of range`);
      opt[key] = v;
    }
    this.options = opt;
    this.#engine = new PathEngine(this.table, this.graph, opt);
  }

  /**
   * Resolves `hopCount` hops of `hashSize` bytes each, concatenated in `hops`.
   * Pure: the neighbor graph is not changed (see {@linkcode observe}).
   */
  resolvePath(
    hops: Uint8Array,
    hashSize: 1 | 2 | 3,
    hopCount: number,
    ctx: ResolveContext,
  ): ResolvedPath {
    this.#run(hops, hashSize, hopCount, ctx);
    return this.#result(hashSize, hopCount);
  }

  /** Resolves like {@linkcode resolvePath}, then adds the observation's evidence to the graph. */
  observe(
    hops: Uint8Array,
    hashSize: 1 | 2 | 3,
    hopCount: number,
    ctx: ResolveContext,
  ): ResolvedPath {
    const path = this.resolvePath(hops, hashSize, hopCount, ctx);
    this.learn(path, ctx);
    return path;
  }

  /**
   * Adds what a resolved observation proves to the neighbor graph: only
   * `unique` hops and the originator/observer adjacency (never inferred hops).
   */
  learn(path: ResolvedPath, ctx: ResolveContext): number {
    const kind = ctx.kind ?? "flood";
    const n = path.hopCount;
    if (this.#unique.length < n) this.#unique = new Uint8Array(Math.max(64, n));
    const unique = this.#unique;
    for (let i = 0; i < n; i++) unique[i] = path.labels[i] === "unique" ? 1 : 0;
    return this.graph.addObservation({
      nodeIds: path.nodeIds,
      unique,
      hopCount: n,
      originatorId: kind === "trace" ? undefined : ctx.originatorId,
      observerId: ctx.observerId,
      observerHop: this.#observerHop(kind, n, ctx),
      originatorAdjacent: kind === "flood",
      nowMs: ctx.nowMs,
    });
  }

  /**
   * Like {@linkcode resolvePath}, plus the evidence for every candidate of
   * every hop (for explanations and tests).
   */
  explainPath(
    hops: Uint8Array,
    hashSize: 1 | 2 | 3,
    hopCount: number,
    ctx: ResolveContext,
  ): { path: ResolvedPath; evidence: CandidateEvidence[][] } {
    this.#run(hops, hashSize, hopCount, ctx);
    const path = this.#result(hashSize, hopCount);
    const evidence = [];
    for (let i = 0; i < hopCount; i++) evidence.push(this.#engine.explain(i));
    return { path, evidence };
  }

  /**
   * The API hook: resolves hex hops (1-3 bytes, or longer prefixes up to a
   * full key) with an optional originator key and observer id.
   */
  resolveHops(
    hops: string[],
    context: { fromNode?: string; observer?: string; nowMs?: number } = {},
  ): ApiHop[] {
    const dir = this.directory;
    if (hops.length > 64) throw new Error(`Cannot resolve ${hops.length} hops: at most 64`);
    for (const hop of hops) {
      if (hop.length < 2 || hop.length > 64 || hop.length % 2 !== 0 || !HEX.test(hop)) {
        throw new Error(`Cannot resolve hop "${hop}": expected 2-64 hex characters`);
      }
    }
    const originatorId = context.fromNode ? dir.idOf(context.fromNode) : undefined;
    const observerId = context.observer ? dir.idOf(context.observer) : undefined;
    const nowMs = context.nowMs ?? Date.now();
    const engine = this.#engine;
    engine.begin(hops.length, this.#engineCtx({ originatorId, observerId, nowMs }, hops.length));
    const bytes = new Uint8Array(3);
    for (const hop of hops) {
      const lower = hop.toLowerCase();
      const size = Math.min(3, lower.length / 2) as 1 | 2 | 3;
      for (let b = 0; b < size; b++) bytes[b] = parseInt(lower.slice(b * 2, b * 2 + 2), 16);
      const ids = Array.from(this.table.candidates(bytes, 0, size));
      engine.push(
        size === lower.length / 2 ? ids : ids.filter((id) => {
          return dir.keyOf(id).startsWith(lower);
        }),
      );
    }
    const maxSize = Math.max(1, ...hops.map((h) => h.length / 2));
    engine.run(maxSize);
    return hops.map((hop, i) => {
      const id = engine.nodeIds[i];
      const candidates = engine.explain(i).map((e) => {
        const node = dir.get(e.id);
        return {
          pubkey: dir.keyOf(e.id),
          name: node?.name ?? null,
          lat: node?.lat ?? null,
          lon: node?.lon ?? null,
          score: round3(e.score),
        };
      }).sort((a, b) => b.score - a.score || (a.pubkey < b.pubkey ? -1 : 1));
      return {
        hop: hop.toUpperCase(),
        pubkey: id >= 0 ? dir.keyOf(id) : null,
        name: id >= 0 ? dir.get(id)?.name ?? null : null,
        confidence: round3(engine.conf[i]),
        label: HOP_LABELS[engine.labels[i]],
        candidates,
      };
    });
  }

  /**
   * The `resolved_path` column value for a result: a JSON array of lowercase
   * keys or `null` per hop, or `null` when no hop is resolved.
   */
  toResolvedPathJson(path: ResolvedPath): string | null {
    let any = false;
    const keys: (string | null)[] = [];
    for (let i = 0; i < path.hopCount; i++) {
      const id = path.nodeIds[i];
      if (id >= 0) any = true;
      keys.push(id >= 0 ? this.directory.keyOf(id) : null);
    }
    return any ? JSON.stringify(keys) : null;
  }

  #run(hops: Uint8Array, hashSize: 1 | 2 | 3, hopCount: number, ctx: ResolveContext): void {
    if (hashSize !== 1 && hashSize !== 2 && hashSize !== 3) {
      throw new RangeError(`Cannot resolve path: hash size ${hashSize} is not 1, 2 or 3`);
    }
    if (!(hopCount >= 0 && hopCount <= 64) || hopCount * hashSize > hops.length) {
      throw new RangeError(
        `Cannot resolve path: ${hopCount} hops of ${hashSize} bytes overrun ${hops.length} bytes`,
      );
    }
    const engine = this.#engine;
    engine.begin(hopCount, this.#engineCtx(ctx, hopCount));
    for (let i = 0; i < hopCount; i++) {
      engine.push(this.table.candidates(hops, i * hashSize, hashSize));
    }
    engine.run(hashSize);
  }

  #result(hashSize: number, hopCount: number): ResolvedPath {
    const engine = this.#engine;
    const labels: HopLabel[] = new Array(hopCount);
    for (let i = 0; i < hopCount; i++) labels[i] = HOP_LABELS[engine.labels[i]];
    return {
      hopCount,
      hashSize,
      nodeIds: engine.nodeIds.slice(0, hopCount),
      confidence: engine.conf.slice(0, hopCount),
      labels,
    };
  }

  #observerHop(kind: string, n: number, ctx: ResolveContext): number {
    if (kind === "flood") return n - 1;
    if (kind === "trace" && ctx.traceCompleted !== undefined) {
      const h = ctx.traceCompleted - 1;
      return h < n ? h : -1;
    }
    return -1;
  }

  #engineCtx(ctx: ResolveContext, n: number): EngineContext {
    const kind = ctx.kind ?? "flood";
    if (kind !== "flood" && kind !== "direct" && kind !== "trace") {
      throw new RangeError(`Cannot resolve path: unknown route kind "${kind}"`);
    }
    const originatorId = kind === "trace" ? -1 : ctx.originatorId ?? -1;
    const observerId = ctx.observerId ?? -1;
    return {
      originatorId,
      observerId,
      observerHop: this.#observerHop(kind, n, ctx),
      originatorAdjacent: kind === "flood",
      allowRepeats: kind === "trace",
      excludeId: originatorId,
      nowMs: ctx.nowMs,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
