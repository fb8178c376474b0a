/**
 * The reach tally of one node from a windowed scan: what
 * `/api/nodes/:pk/reach` answers from until the reach index is built after a
 * load (`src/store/reach_build.ts`). The node's relay transmissions in the
 * window, newest first and bounded, with the resolved paths of their
 * observations in one batched read; the answer's `scan` says how many
 * matched and how many were read. Same counting as the index: for every
 * observation whose resolved path holds the node, the predecessor (a zero-hop
 * ADVERT's sender when it is first) is heard by it, the successor hears it, and
 * when it is last the observer heard it directly.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import type { NodeInfo } from "../store/node_directory.ts";

/**
 * Most transmissions examined per request (newest first, every observation of each): the
 * answer's `scan` says how many matched and how many were read.
 */
export const REACH_SCAN_LIMIT = 1_000;
/** Most observations (their resolved paths) read per request. */
export const REACH_OBS_LIMIT = 10_000;

/** A direct observer's sums. */
export interface ObsAgg {
  name: string;
  count: number;
  snrSum: number;
  snrN: number;
}

/** Who hears a node and whom it hears, by public key (lowercase). */
export interface ReachTally {
  /** Observations whose resolved path holds the node. */
  relay: number;
  we: Map<string, number>;
  they: Map<string, number>;
  /** Direct observers. */
  obs: Map<string, ObsAgg>;
}

/** What the scan read (hopwatch-only `scan` field of the answer). */
export interface ReachScanInfo {
  transmissions: number;
  examined: number;
  observations: number;
  limit: number;
}

/** Tallies node `self` over observations at or after `since` by scanning (see the module doc). */
export function scanReach(
  ctx: ApiContext,
  self: NodeInfo,
  since: number,
): { tally: ReachTally; scan: ReachScanInfo } {
  const page = ctx.store.listTransmissions(
    { nodeId: self.id, nodeRoles: ["relay"], sinceMs: since },
    { limit: REACH_SCAN_LIMIT },
    true,
  );
  // newest first, until the observation budget is spent
  let budget = REACH_OBS_LIMIT;
  let used = 0;
  while (used < page.items.length && budget > 0) {
    budget -= page.items[used].observations?.length ?? 0;
    used++;
  }
  page.items.length = used;
  const obsIds: number[] = [];
  for (const tx of page.items) for (const o of tx.observations ?? []) obsIds.push(o.id);
  const paths = ctx.store.resolvedPathsFor(obsIds);
  const tally: ReachTally = { relay: 0, we: new Map(), they: new Map(), obs: new Map() };
  const me = self.publicKey;
  const bump = (m: Map<string, number>, k: string | null | undefined) => {
    if (k && k !== me) m.set(k, (m.get(k) ?? 0) + 1);
  };
  for (const tx of page.items) {
    for (const o of tx.observations ?? []) {
      if (o.timestampMs < since) continue;
      const path = paths.get(o.id);
      if (!path) continue;
      let hit = false;
      for (let i = 0; i < path.length; i++) {
        if (path[i] !== me) continue;
        hit = true;
        if (i > 0) bump(tally.we, path[i - 1]);
        else if (tx.payloadType === 4) bump(tally.we, tx.fromPubkey?.toLowerCase());
        if (i < path.length - 1) bump(tally.they, path[i + 1]);
        else if (o.observerId) {
          const ob = o.observerId.toLowerCase();
          if (ob === me) continue;
          bump(tally.they, ob);
          const a = tally.obs.get(ob) ??
            { name: o.observerName ?? "", count: 0, snrSum: 0, snrN: 0 };
          a.count++;
          if (o.snr !== null) {
            a.snrSum += o.snr;
            a.snrN++;
          }
          tally.obs.set(ob, a);
        }
      }
      if (hit) tally.relay++;
    }
  }
  const scan = {
    transmissions: page.total,
    examined: page.items.length,
    observations: obsIds.length,
    limit: REACH_SCAN_LIMIT,
  };
  return { tally, scan };
}
