/**
 * `POST /api/paths/inspect`: a path of raw hop prefixes to candidate full-key
 * routes. hopwatch's resolver answers every hop (its pick, confidence, label
 * and the posterior of each relay-capable candidate); routes are then ranked
 * by the product of those per-hop posteriors (a beam of width 20 over each
 * hop's 20 likeliest candidates, no node twice), scored by their geometric mean. A route is `speculative` unless
 * every hop is the resolver's own pick: a guess always shows as one, with
 * its confidence. Answers are memoised 30 s per body.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { readJsonObject } from "./body.ts";
import { badRequest } from "./errors.ts";
import { round3 } from "./analytics_shapes.ts";
import { type AnyRoute, route } from "./route_def.ts";

/** Most prefixes per request. */
export const MAX_INSPECT_PREFIXES = 64;
const BEAM_WIDTH = 20;
const ALTERNATIVES = 5;

interface Beam {
  ids: number[];
  keys: string[];
  names: string[];
  logScore: number;
  /** Keys joined, the deterministic tie-break. */
  tie: string;
}

/** Validated request: lowercase prefixes of one size, limit 1-50, optional observer key. */
function parseBody(body: Record<string, unknown>) {
  const raw = body.prefixes;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw badRequest(`Invalid body field "prefixes": expected a non-empty array of hex strings`);
  }
  if (raw.length > MAX_INSPECT_PREFIXES) {
    throw badRequest(`Invalid body field "prefixes": more than ${MAX_INSPECT_PREFIXES} entries`);
  }
  const prefixes = raw.map((p) => {
    const v = typeof p === "string" ? p.trim().toLowerCase() : "";
    if (!/^([0-9a-f]{2}){1,3}$/.test(v)) {
      throw badRequest(
        `Invalid body field "prefixes": ${
          JSON.stringify(String(p).slice(0, 20))
        } is not 1-3 hex bytes`,
      );
    }
    return v;
  });
  if (new Set(prefixes.map((p) => p.length)).size > 1) {
    throw badRequest(`Invalid body field "prefixes": mixed prefix lengths`);
  }
  let limit = 10;
  if (body.limit !== undefined) {
    if (typeof body.limit !== "number" || !Number.isInteger(body.limit)) {
      throw badRequest(`Invalid body field "limit": expected an integer`);
    }
    limit = Math.min(50, Math.max(1, body.limit));
  }
  const context = body.context as Record<string, unknown> | undefined;
  if (context !== undefined && (typeof context !== "object" || context === null)) {
    throw badRequest(`Invalid body field "context": expected an object`);
  }
  const observer = context?.observerId;
  if (observer !== undefined && (typeof observer !== "string" || observer.length > 64)) {
    throw badRequest(`Invalid body field "context.observerId": expected an id string`);
  }
  return { prefixes, limit, observer: observer?.toLowerCase() };
}

/** Route group: path inspector. */
export function pathInspectRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/api/paths/inspect",
      tag: "paths",
      summary: "Candidate full-key routes for a path of hop prefixes, with the resolver's evidence",
      params: {},
      body: {
        description: "{prefixes: [1-3 hex bytes, one size, at most 64], limit?: 1-50, " +
          "context?: {observerId?}}",
        schema: {
          type: "object",
          properties: {
            prefixes: {
              type: "array",
              items: { type: "string" },
              maxItems: MAX_INSPECT_PREFIXES,
            },
            limit: { type: "integer", minimum: 1, maximum: 50 },
            context: { type: "object", properties: { observerId: { type: "string" } } },
          },
        },
        maxBytes: 16 * 1024,
      },
      returns: "{candidates[{path[], names[], score, speculative, evidence{perHop[]}}], " +
        "hops[{hop, pubkey, name, confidence, label}], input, stats}",
      async handler(c) {
        const req = parseBody(await readJsonObject(c));
        const key = `inspect|${req.prefixes.join(",")}|${req.limit}|${req.observer ?? ""}`;
        return c.json(ctx.cache.get(key, 30_000, () => inspect(ctx, req)));
      },
    }),
  ];
}

function inspect(
  ctx: ApiContext,
  req: { prefixes: string[]; limit: number; observer?: string },
) {
  const t0 = performance.now();
  const now = ctx.now();
  const dir = ctx.nodes;
  const hops = ctx.resolver.resolveHops(req.prefixes, { observer: req.observer, nowMs: now });
  let beam: Beam[] = [{ ids: [], keys: [], names: [], logScore: 0, tie: "" }];
  let expansions = 0;
  for (const hop of hops) {
    const next: Beam[] = [];
    const cands = hop.candidates.filter((x) => x.score > 0).slice(0, BEAM_WIDTH);
    for (const b of beam) {
      for (const cand of cands) {
        if (b.keys.includes(cand.pubkey)) continue;
        expansions++;
        next.push({
          ids: [...b.ids, dir.idOf(cand.pubkey) ?? -1],
          keys: [...b.keys, cand.pubkey],
          names: [...b.names, cand.name ?? cand.pubkey.slice(0, 8)],
          logScore: b.logScore + Math.log(cand.score),
          tie: `${b.tie},${cand.pubkey}`,
        });
      }
    }
    next.sort((a, b) => b.logScore - a.logScore || (a.tie < b.tie ? -1 : 1));
    beam = next.slice(0, BEAM_WIDTH);
    if (beam.length === 0) break;
  }
  const candidates = beam.slice(0, req.limit).map((b) => {
    const perHop = hops.map((h, i) => {
      const chosen = b.keys[i];
      const mine = h.candidates.find((x) => x.pubkey === chosen);
      const edge = i > 0 && b.ids[i - 1] >= 0 && b.ids[i] >= 0
        ? ctx.resolver.graph.weight(b.ids[i - 1], b.ids[i], now)
        : 0;
      return {
        prefix: req.prefixes[i],
        candidatesConsidered: h.candidates.length,
        chosen,
        edgeWeight: round3(edge),
        confidence: h.pubkey === chosen ? h.confidence : round3(mine?.score ?? 0),
        label: h.pubkey === chosen ? h.label : "alternative",
        alternatives: h.candidates.filter((x) => x.pubkey !== chosen).slice(0, ALTERNATIVES)
          .map((x) => ({ publicKey: x.pubkey, name: x.name ?? "", score: x.score })),
      };
    });
    return {
      path: b.keys,
      names: b.names,
      score: round3(Math.exp(b.logScore / hops.length)),
      speculative: hops.some((h, i) => h.pubkey === null || h.pubkey !== b.keys[i]),
      evidence: { perHop },
    };
  });
  return {
    candidates,
    hops: hops.map((h) => ({
      hop: h.hop,
      pubkey: h.pubkey,
      name: h.name,
      confidence: h.confidence,
      label: h.label,
    })),
    input: { prefixes: req.prefixes, hops: req.prefixes.length },
    stats: {
      beamWidth: BEAM_WIDTH,
      expansionsRun: expansions,
      elapsedMs: Math.round(performance.now() - t0),
    },
    stale: false,
  };
}
