/**
 * Rankings over the {@linkcode CoverageIndex}: the frontier-weighted client
 * leaderboard (`/api/rx-leaderboard`) and a node's reception totals.
 *
 * @module
 */

import { type CoverageIndex, INDEX_MIN_RES } from "./coverage_index.ts";

/** One client of the leaderboard. */
export interface LeaderEntry {
  pubkey: string;
  name: string;
  receptions: number;
  nodes: number;
  cells: number;
  score: number;
}

/** The resolution of the leaderboard's cells (~150 m). */
export const LEADERBOARD_RES = 13;

/**
 * Clients ranked by frontier-weighted coverage over the window: each distinct
 * resolution-13 cell a client reached adds 1 / (clients that reached it).
 */
export function leaderboard(
  idx: CoverageIndex,
  sinceMs: number,
  limit: number,
  nameOf: (pubkey: string) => string,
): LeaderEntry[] {
  const per = new Map<
    number,
    { receptions: number; nodes: Set<number>; cells: number; score: number }
  >();
  const level = idx.levels[LEADERBOARD_RES - INDEX_MIN_RES];
  const inCell = new Map<number, number>();
  for (const cell of level.values()) {
    inCell.clear();
    const list = cell.list;
    for (let k = idx.firstSince(list, sinceMs); k < list.n; k++) {
      const i = list.ids[k];
      const c = idx.rx[i];
      inCell.set(c, (inCell.get(c) ?? 0) + 1);
      let p = per.get(c);
      if (!p) {
        p = { receptions: 0, nodes: new Set(), cells: 0, score: 0 };
        per.set(c, p);
      }
      p.receptions++;
      p.nodes.add(idx.heard[i]);
    }
    const w = inCell.size > 0 ? 1 / inCell.size : 0;
    for (const c of inCell.keys()) {
      const p = per.get(c)!;
      p.cells++;
      p.score += w;
    }
  }
  const out: LeaderEntry[] = [...per.entries()].map(([c, p]) => {
    const pubkey = idx.rxKey(c);
    return {
      pubkey,
      name: nameOf(pubkey),
      receptions: p.receptions,
      nodes: p.nodes.size,
      cells: p.cells,
      score: p.score,
    };
  });
  out.sort((a, b) =>
    b.score - a.score || b.receptions - a.receptions || (a.pubkey < b.pubkey ? -1 : 1)
  );
  return out.slice(0, limit);
}

/** All retained receptions of the given heard keys and how many distinct clients made them. */
export function receptionTotals(
  idx: CoverageIndex,
  heardIds: number[],
): { receptions: number; clients: number } {
  let receptions = 0;
  const clients = new Set<number>();
  for (const h of heardIds) {
    const list = idx.byHeard.get(h);
    if (!list) continue;
    receptions += list.size;
    for (let k = list.start; k < list.n; k++) clients.add(idx.rx[list.ids[k]]);
  }
  return { receptions, clients: clients.size };
}
