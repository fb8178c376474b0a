/**
 * Queries over the {@linkcode CoverageIndex}: hex cells of receptions inside a
 * bounding box and time window (CoreScope's `/api/rx-coverage` GeoJSON shape),
 * the frontier-weighted client leaderboard, and per-node reception totals. Work
 * is proportional to the receptions inside the window and the box, found
 * through the per-resolution cell lists — never a scan of `client_receptions`.
 *
 * @module
 */

import { type CoverageIndex, INDEX_MAX_RES, INDEX_MIN_RES } from "./coverage_index.ts";
import { cellId, cellOfMerc, cellRing } from "./hex_grid.ts";

/** A latitude/longitude box. */
export interface Bbox {
  minLat: number;
  minLon: number;
  maxLat: number;
  maxLon: number;
}

/** Maps a heard key to the node it names: its public key and name when unique, else itself. */
export type HeardResolver = (heardKey: string) => { key: string; name: string };

/** One heard node in a cell. */
export interface CoverageNode {
  prefix: string;
  name?: string;
  snr: number | null;
  count: number;
}

/** One GeoJSON hex cell. */
export interface CoverageFeature {
  type: "Feature";
  geometry: { type: "Polygon"; coordinates: [number, number][][] };
  properties: {
    cell: string;
    count: number;
    best_snr: number | null;
    has_sig: boolean;
    nodes: CoverageNode[];
    nodes_truncated?: boolean;
  };
}

/** The `/api/rx-coverage` answer. */
export interface CoverageCollection {
  type: "FeatureCollection";
  features: CoverageFeature[];
  truncated?: boolean;
  mobile_receptions?: number;
  mobile_clients?: number;
}

/** Most cells in one answer (the densest are kept). */
export const FEATURE_CAP = 5000;
/** Most heard nodes listed per cell. */
export const CELL_NODE_CAP = 25;

interface NodeAgg {
  count: number;
  latestAt: number;
  latestSnr: number;
}

interface CellAgg {
  count: number;
  best: number;
  nodes: Map<number, NodeAgg>;
}

/** Options of {@linkcode coverageCells}. */
export interface CoverageOptions {
  bbox: Bbox;
  res: number;
  sinceMs: number;
  /** Only receptions of these heard keys (ids). */
  heardIds?: number[];
  /** Only receptions of this client (id); `-1` matches nothing. */
  rxId?: number;
  resolve: HeardResolver;
}

/** Hex cells (GeoJSON) of the receptions in the box and window. */
export function coverageCells(idx: CoverageIndex, o: CoverageOptions): CoverageCollection {
  const { bbox: b, res, sinceMs } = o;
  const cells = new Map<number, CellAgg>();
  const visit = (i: number, key: number) => {
    let a = cells.get(key);
    if (!a) {
      a = { count: 0, best: NaN, nodes: new Map() };
      cells.set(key, a);
    }
    a.count++;
    const snr = idx.snr[i];
    if (!Number.isNaN(snr) && !(snr <= a.best)) a.best = snr;
    const h = idx.heard[i];
    let n = a.nodes.get(h);
    if (!n) {
      n = { count: 0, latestAt: -Infinity, latestSnr: NaN };
      a.nodes.set(h, n);
    }
    n.count++;
    if (idx.rxAt[i] >= n.latestAt) {
      n.latestAt = idx.rxAt[i];
      n.latestSnr = snr;
    }
  };
  const inBox = (i: number) =>
    idx.lat[i] >= b.minLat && idx.lat[i] <= b.maxLat && idx.lon[i] >= b.minLon &&
    idx.lon[i] <= b.maxLon;

  if (o.heardIds || o.rxId !== undefined) {
    const lists = o.heardIds ? o.heardIds.map((h) => idx.byHeard.get(h)) : [idx.byRx.get(o.rxId!)];
    for (const list of lists) {
      if (!list) continue;
      for (let k = idx.firstSince(list, sinceMs); k < list.n; k++) {
        const i = list.ids[k];
        if (inBox(i)) visit(i, cellOfMerc(idx.mx[i], idx.my[i], res));
      }
    }
  } else {
    const base = Math.min(res, INDEX_MAX_RES);
    const direct = res <= INDEX_MAX_RES;
    for (const cell of idx.levels[base - INDEX_MIN_RES].values()) {
      if (cell.maxLat < b.minLat || cell.minLat > b.maxLat) continue;
      if (cell.maxLon < b.minLon || cell.minLon > b.maxLon) continue;
      const full = cell.minLat >= b.minLat && cell.maxLat <= b.maxLat &&
        cell.minLon >= b.minLon && cell.maxLon <= b.maxLon;
      const list = cell.list;
      for (let k = idx.firstSince(list, sinceMs); k < list.n; k++) {
        const i = list.ids[k];
        if (!full && !inBox(i)) continue;
        visit(i, direct ? cell.key : cellOfMerc(idx.mx[i], idx.my[i], res));
      }
    }
  }
  return toCollection(idx, cells, res, o.resolve);
}

function toCollection(
  idx: CoverageIndex,
  cells: Map<number, CellAgg>,
  res: number,
  resolve: HeardResolver,
): CoverageCollection {
  let entries = [...cells.entries()];
  let truncated = false;
  if (entries.length > FEATURE_CAP) {
    entries.sort((x, y) => y[1].count - x[1].count || x[0] - y[0]);
    entries = entries.slice(0, FEATURE_CAP);
    truncated = true;
  }
  const features: CoverageFeature[] = entries.map(([key, a]) => {
    const { nodes, cut } = cellNodes(idx, a.nodes, resolve);
    const props: CoverageFeature["properties"] = {
      cell: cellId(res, key),
      count: a.count,
      best_snr: Number.isNaN(a.best) ? null : round2(a.best),
      has_sig: !Number.isNaN(a.best),
      nodes,
    };
    if (cut) props.nodes_truncated = true;
    return {
      type: "Feature",
      geometry: { type: "Polygon", coordinates: [cellRing(res, key)] },
      properties: props,
    };
  });
  features.sort((x, y) =>
    x.properties.cell < y.properties.cell ? -1 : x.properties.cell > y.properties.cell ? 1 : 0
  );
  const out: CoverageCollection = { type: "FeatureCollection", features };
  if (truncated) out.truncated = true;
  return out;
}

function cellNodes(
  idx: CoverageIndex,
  byHeard: Map<number, NodeAgg>,
  resolve: HeardResolver,
): { nodes: CoverageNode[]; cut: boolean } {
  const merged = new Map<string, CoverageNode & { at: number }>();
  for (const [h, n] of byHeard) {
    const heardKey = idx.heardKey(h);
    const { key, name } = resolve(heardKey);
    const snr = Number.isNaN(n.latestSnr) ? null : round2(n.latestSnr);
    const m = merged.get(key);
    if (!m) {
      const node: CoverageNode & { at: number } = {
        prefix: heardKey,
        snr,
        count: n.count,
        at: n.latestAt,
      };
      if (name) node.name = name;
      merged.set(key, node);
      continue;
    }
    m.count += n.count;
    if (
      heardKey.length > m.prefix.length ||
      (heardKey.length === m.prefix.length && heardKey < m.prefix)
    ) {
      m.prefix = heardKey;
    }
    if (n.latestAt >= m.at) {
      m.at = n.latestAt;
      m.snr = snr;
    }
  }
  const nodes = [...merged.values()].map(({ at: _at, ...rest }) => rest);
  nodes.sort((x, y) => {
    if ((x.snr === null) !== (y.snr === null)) return x.snr === null ? 1 : -1;
    if (x.snr !== null && y.snr !== null && x.snr !== y.snr) return y.snr - x.snr;
    if (x.count !== y.count) return y.count - x.count;
    return x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0;
  });
  return nodes.length > CELL_NODE_CAP
    ? { nodes: nodes.slice(0, CELL_NODE_CAP), cut: true }
    : { nodes, cut: false };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

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
