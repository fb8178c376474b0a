/**
 * The reach index (`reach_index.ts`) built after a load, as a sliced
 * background job: a load feeds it nothing (feeding it there cost L's load
 * ~0.8 s and ~18 MB of settled RSS), so `/api/nodes/:pk/reach` answers from a
 * windowed scan until this build is over (`ReachIndex.ready`).
 *
 * The build walks the observation table in slot order and feeds every live
 * resolved observation the index does not hold yet (`OBSF.REACH` unset), its
 * path read from the live window or, for a batch at a time, from SQLite with
 * one batched fetch. Meanwhile the feed keeps the index exact on its own: an
 * observation ingested, re-resolved or given a path by a merged repeat is fed
 * with its current path and marked; a subtraction (re-resolution, an SNR
 * change, removal) only touches observations already marked. So an
 * observation is fed once, by whichever comes first, with its current path.
 *
 * @module
 */

import type { StoreCore } from "./store_core.ts";
import { OBS_CHUNK, OBS_SHIFT, OBSF } from "./obs_table.ts";
import { feedReach, parsePath, toIds } from "./reach_feed.ts";

/** Options of {@linkcode buildReach}. */
export interface ReachBuildOptions {
  /** Work per slice, ms (default 2; 0 pauses after every batch). */
  maxSliceMs?: number;
  /**
   * Pause after each slice, ms (default 3): the build takes about
   * `maxSliceMs / (maxSliceMs + pauseMs)` of the event loop.
   */
  pauseMs?: number;
  /** Observations per batched path read (default 100). */
  batchSize?: number;
  /** Stops the build (the index stays not ready; a later build goes on where it stopped). */
  signal?: AbortSignal;
  /** Awaited after each pause (e.g. a WAL checkpoint turn). */
  afterPause?: () => Promise<void>;
}

/** Outcome of {@linkcode buildReach}. */
export interface ReachBuildResult {
  state: "done" | "stopped";
  /** Observations fed by the build. */
  fed: number;
  /** Resolved observations whose stored path could not be read (left out of the index). */
  unreadable: number;
  /** Slices (pauses) taken. */
  slices: number;
  /** Wall time, ms. */
  ms: number;
}

const WANT = OBSF.LIVE | OBSF.RESOLVED;
const OBM = OBS_CHUNK - 1;

/** Builds the reach index of `core` (see the module doc); marks it ready when done. */
export async function buildReach(
  core: StoreCore,
  opts: ReachBuildOptions = {},
): Promise<ReachBuildResult> {
  const sliceMs = Math.max(0, opts.maxSliceMs ?? 2);
  const pauseMs = Math.max(0, opts.pauseMs ?? 3);
  const batch = Math.max(1, opts.batchSize ?? 100);
  const t0 = performance.now();
  const ids: number[] = [];
  const slots: number[] = [];
  const json = new Map<number, string | null>();
  let fed = 0, unreadable = 0, slices = 0;
  let ci = 0, r = 0;
  let start = performance.now();
  for (;;) {
    if (opts.signal?.aborted) {
      return { state: "stopped", fed, unreadable, slices, ms: performance.now() - t0 };
    }
    ids.length = 0;
    slots.length = 0;
    const chunks = core.obs.chunks;
    while (ids.length < batch && ci < chunks.length) {
      const c = chunks[ci];
      if (c === null || r >= c.used) {
        // the last chunk may still grow, but what is appended now is fed by ingest
        ci++;
        r = 0;
        continue;
      }
      const f = c.flags[r];
      if ((f & WANT) === WANT && !(f & OBSF.REACH)) {
        ids.push(c.id[r]);
        slots.push((ci << OBS_SHIFT) | r);
      }
      r++;
    }
    if (ids.length === 0) break;
    // the paths: the live window or the LRU, else one batched read (nothing changes until fed)
    json.clear();
    core.resolvedCache.peekJson(ids, json);
    for (let i = 0; i < ids.length; i++) {
      const os = slots[i];
      const keys = parsePath(json.get(ids[i]) ?? null, core.obs.chunk(os).hopCount[os & OBM]);
      if (!keys) {
        unreadable++;
        continue;
      }
      const p = toIds(core, keys);
      feedReach(core, os, p, 0, p.length, 1);
      fed++;
    }
    // nothing of the batch may outlive it: strings held across a pause get promoted to the old
    // space (measured: heap +30 MB at the peak on M, resident after the build)
    json.clear();
    if (performance.now() - start >= sliceMs) {
      slices++;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      await opts.afterPause?.();
      start = performance.now();
    }
  }
  core.reach.unreadable += unreadable;
  core.reach.trim();
  core.reach.ready = true;
  return { state: "done", fed, unreadable, slices, ms: performance.now() - t0 };
}
