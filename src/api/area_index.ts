/**
 * The nodes inside each configured area, kept current by node-directory
 * events: an area's set is built on first use (one pass over the nodes), then
 * a node that is added, moves or is removed updates the built sets at once.
 * So `?area=` answers from a set without a per-request scan, and a node that
 * appears in an area is in its lists as soon as its advert is ingested (the
 * live feed shows it then; a reload must too).
 *
 * @module
 */

import type { AreaEntry } from "../cli/config_geo.ts";
import type { NodeDirectory, NodeEvent, NodeInfo } from "../store/node_directory.ts";

/** Whether a node has a real position inside `area`. */
export type AreaTest = (area: AreaEntry, n: NodeInfo) => boolean;

/** Area key → ids of the nodes inside it, maintained from `dir`'s events. */
export class AreaIndex {
  #dir: NodeDirectory;
  #test: AreaTest;
  #built = new Map<string, { area: AreaEntry; ids: Set<number> }>();

  /** Indexes `dir` with the point test `test`; sets are built lazily per area. */
  constructor(dir: NodeDirectory, test: AreaTest) {
    this.#dir = dir;
    this.#test = test;
    dir.onChange((e) => this.#onNode(e));
  }

  /** Ids of the nodes inside `area` (built on first call for its key). */
  ids(area: AreaEntry): Set<number> {
    let b = this.#built.get(area.key);
    // Config areas are memoised objects: another object means another config, so rebuild.
    if (!b || b.area !== area) {
      const ids = new Set<number>();
      for (const n of this.#dir.values()) if (this.#test(area, n)) ids.add(n.id);
      b = { area, ids };
      this.#built.set(area.key, b);
    }
    return b.ids;
  }

  #onNode(e: NodeEvent): void {
    if (!this.#built.size) return;
    const moved = e.kind !== "updated" || e.before?.lat !== e.node.lat ||
      e.before?.lon !== e.node.lon;
    if (!moved) return;
    for (const { area, ids } of this.#built.values()) {
      if (e.kind !== "removed" && this.#test(area, e.node)) ids.add(e.node.id);
      else ids.delete(e.node.id);
    }
  }
}

const indexes = new WeakMap<NodeDirectory, AreaIndex>();

/** The area index of `dir` (one per directory, created on first use). */
export function areaIndexOf(dir: NodeDirectory, test: AreaTest): AreaIndex {
  let ix = indexes.get(dir);
  if (!ix) {
    ix = new AreaIndex(dir, test);
    indexes.set(dir, ix);
  }
  return ix;
}
