/**
 * Whole-path consistency checks of hop resolution:
 * - unique-prefix hops against geography (a hop whose prefix only one known
 *   relay has may still be a relay hopwatch never heard of: when the known
 *   node is out of link range of its neighbours, it is not the hop);
 * - several hops claiming one node (a repeated prefix), which a flood path
 *   cannot hold.
 *
 * @module
 */

import type { EngineContext, LinkModel } from "./engine_model.ts";

/**
 * Hops to drop among the unique hops (`unique[i] === 1`): those out of link
 * range of the originator (hop 0) or the observer (the hop it heard), then,
 * for pairs of unique neighbours out of range of each other, the one with
 * more such conflicts, else the one with fewer in-range anchors, else both.
 */
export function implausibleUniques(
  n: number,
  unique: Int32Array | Uint8Array,
  nodeIds: Int32Array,
  ctx: EngineContext,
  model: LinkModel,
): number[] {
  const drop: number[] = [];
  const isUnique = (j: number) => j >= 0 && j < n && unique[j] === 1;
  const out = (a: number, b: number) => model.outOfRange(nodeIds[a], nodeIds[b]);
  const conflicts = (i: number) =>
    (isUnique(i - 1) && out(i, i - 1) ? 1 : 0) + (isUnique(i + 1) && out(i, i + 1) ? 1 : 0);
  const remove = (i: number) => {
    unique[i] = 0;
    drop.push(i);
  };
  let anyConflict = false;
  for (let i = 0; i < n; i++) {
    if (!isUnique(i)) continue;
    const c = nodeIds[i];
    if (
      (i === 0 && ctx.originatorAdjacent && model.outOfRange(c, ctx.originatorId)) ||
      (i === ctx.observerHop && model.outOfRange(c, ctx.observerId))
    ) remove(i);
    else if (conflicts(i) > 0) anyConflict = true;
  }
  for (let guard = 0; anyConflict && guard < n; guard++) {
    let worst = -1, worstConf = 0, worstSupport = 0, tie = false;
    for (let i = 0; i < n; i++) {
      if (!isUnique(i)) continue;
      const k = conflicts(i);
      if (k === 0) continue;
      let support = 0;
      if (isUnique(i - 1) && !out(i, i - 1)) support++;
      if (isUnique(i + 1) && !out(i, i + 1)) support++;
      if (i === 0 && ctx.originatorAdjacent && ctx.originatorId >= 0) support++;
      if (i === ctx.observerHop && ctx.observerId >= 0) support++;
      if (worst < 0 || k > worstConf || (k === worstConf && support < worstSupport)) {
        worst = i;
        worstConf = k;
        worstSupport = support;
        tie = false;
      } else if (k === worstConf && support === worstSupport) tie = true;
    }
    if (worst < 0) break;
    if (!tie) {
      remove(worst);
      continue;
    }
    const tied: number[] = [];
    for (let i = 0; i < n; i++) if (isUnique(i) && conflicts(i) > 0) tied.push(i);
    for (const i of tied) remove(i);
    break;
  }
  return drop;
}

/**
 * Settles hops that picked the same node (`sId[pick[i]]`): with odds
 * `p / (1 - p)` per claimant (`post` = posterior), the best keeps its pick
 * when its share of the odds reaches `minConfidence`; otherwise every
 * claimant loses it and is marked in `blocked` and `clash`. Unpicked hops
 * have `pick[i] = -1`; dropped picks become -1.
 */
export function settleClaims(
  n: number,
  pick: Int32Array,
  sId: Int32Array,
  post: Float64Array,
  minConfidence: number,
  blocked: Uint8Array,
  clash: Uint8Array,
): void {
  const odds = (x: number) => post[x] >= 1 ? Infinity : post[x] / (1 - post[x]);
  for (let i = 0; i < n; i++) {
    if (pick[i] < 0) continue;
    const c = sId[pick[i]];
    let best = i, total = odds(pick[i]), claims = 1, certain = total === Infinity ? 1 : 0;
    for (let j = i + 1; j < n; j++) {
      if (pick[j] < 0 || sId[pick[j]] !== c) continue;
      claims++;
      total += odds(pick[j]);
      if (odds(pick[j]) === Infinity) certain++;
      if (odds(pick[j]) > odds(pick[best])) best = j;
    }
    if (claims === 1) continue;
    const share = certain > 1 ? 0 : certain === 1 ? 1 : odds(pick[best]) / total;
    const keep = share >= minConfidence ? best : -1;
    for (let j = i; j < n; j++) {
      if (pick[j] < 0 || sId[pick[j]] !== c || j === keep) continue;
      pick[j] = -1;
      if (keep < 0) blocked[j] = clash[j] = 1;
    }
  }
}
