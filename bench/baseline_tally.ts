/**
 * Scores the reference's multi-tier resolver (`reference_tiers.ts`) against
 * the generator's truth, side by side with hopwatch, for `resolve_bench.ts
 * --baseline`.
 *
 * @module
 */

import type { NodeDirectory } from "../src/store/node_directory.ts";
import type { HopResolver, ResolvedPath } from "../src/resolve/resolver.ts";
import type { ReplayRow } from "../src/resolve/db_replay.ts";
import { ReferenceTiers, TIER_NAMES } from "./reference_tiers.ts";

interface Split {
  /** Hops the baseline resolved in this group. */
  hops: number;
  /** ... and got right. */
  baselineCorrect: number;
  /** Hops where hopwatch names the same node. */
  agree: number;
  /** Hops where hopwatch names another node, and how often each side was right. */
  differ: number;
  differHopwatchCorrect: number;
  differBaselineCorrect: number;
  /** Hops hopwatch left unknown, and how often the baseline was right on them. */
  unknown: number;
  unknownBaselineCorrect: number;
}

function split(): Split {
  return {
    hops: 0,
    baselineCorrect: 0,
    agree: 0,
    differ: 0,
    differHopwatchCorrect: 0,
    differBaselineCorrect: 0,
    unknown: 0,
    unknownBaselineCorrect: 0,
  };
}

function pct(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 1e6) / 1e6;
}

/** Runs the baseline per row and tallies it against hopwatch and the truth. */
export class BaselineTally {
  #tiers: ReferenceTiers;
  #byTier = TIER_NAMES.map(() => ({ hops: 0, correct: 0 }));
  #evidence = split();
  #guess = split();
  #hops = 0;

  /** Creates the tally over hopwatch's resolver tables (shared graph). */
  constructor(readonly dir: NodeDirectory, resolver: HopResolver) {
    this.#tiers = new ReferenceTiers(dir, resolver.table, resolver.graph);
  }

  /** Resolves `row` with the baseline (call before hopwatch learns from it). */
  resolve(row: ReplayRow): void {
    this.#tiers.resolve(row.hops, row.hashSize, row.hopCount, {
      observerId: row.ctx.observerId ?? -1,
      originatorId: row.ctx.originatorId ?? -1,
      nowMs: row.ctx.nowMs,
    });
  }

  /** Scores the last {@linkcode resolve}d row against hopwatch's path and the truth. */
  score(
    row: ReplayRow,
    path: ResolvedPath,
    want: Int32Array | undefined,
    truthIds: Int32Array,
  ): void {
    if (row.hopCount === 0 || !want || want.length !== row.hopCount) return;
    const { ids, tiers } = this.#tiers;
    for (let i = 0; i < row.hopCount; i++) {
      this.#hops++;
      const theirs = ids[i];
      const tier = this.#byTier[tiers[i]];
      tier.hops++;
      if (theirs < 0) continue;
      const truth = truthIds[want[i]];
      if (theirs === truth) tier.correct++;
      const s = tiers[i] <= 2 ? this.#evidence : this.#guess;
      s.hops++;
      if (theirs === truth) s.baselineCorrect++;
      const mine = path.nodeIds[i];
      if (mine < 0) {
        s.unknown++;
        if (theirs === truth) s.unknownBaselineCorrect++;
      } else if (mine === theirs) s.agree++;
      else {
        s.differ++;
        if (mine === truth) s.differHopwatchCorrect++;
        if (theirs === truth) s.differBaselineCorrect++;
      }
    }
  }

  /** The report: precision and coverage, per tier, and the two splits. */
  report(): Record<string, unknown> {
    let resolved = 0, correct = 0;
    const byTier: Record<string, { hops: number; precision: number }> = {};
    this.#byTier.forEach((t, k) => {
      byTier[TIER_NAMES[k]] = { hops: t.hops, precision: k === 0 ? 0 : pct(t.correct, t.hops) };
      if (k > 0) {
        resolved += t.hops;
        correct += t.correct;
      }
    });
    const show = (s: Split) => ({
      ...s,
      baselinePrecision: pct(s.baselineCorrect, s.hops),
      hopwatchAgreement: pct(s.agree, s.hops),
    });
    return {
      precision: pct(correct, resolved),
      coverage: pct(resolved, this.#hops),
      hopwatchAgreement: pct(this.#evidence.agree + this.#guess.agree, resolved),
      byTier,
      evidenceTiers: show(this.#evidence),
      guessTiers: show(this.#guess),
    };
  }
}
