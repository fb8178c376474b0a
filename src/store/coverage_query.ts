/**
 * Queries over the {@linkcode CoverageIndex}: hex cells of receptions inside a
 * bounding box and time window (CoreScope's `/api/rx-coverage` GeoJSON shape),
 * the frontier-weighted client leaderboard, and per-node reception totals. Work
 * is proportional to the receptions inside the window and the box, found
 * through the per-resolution cell lists — never a scan of `client_receptions`.
 *
 * @module
 */

import { Accumulator } from "./coverage_accumulator.ts";
import {
  type CoverageIndex,
  DAY_MS,
  INDEX_MAX_RES,
  INDEX_MIN_RES,
  type IndexedCell,
} from "./coverage_index.ts";
import {
  cellId,
  cellOfMerc,
  cellQ,
  cellR,
  cellRing,
  hexSize,
  mercX,
  mercY,
  packCell,
} from "./hex_grid.ts";

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

/** Per heard key within a cell: count and latest reception. */
export interface NodeAgg {
  count: number;
  latestAt: number;
  latestSnr: number;
}

/** One display cell being summed. */
export interface CellAgg {
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
  /**
   * Memoise per-cell features under `key` (e.g. the window length) while the cell's
   * receptions in the window are unchanged and `tag` (e.g. the name-resolution epoch) too.
   */
  memo?: { key: string; tag: string };
}

/** Hex cells (GeoJSON) of the receptions in the box and window. */
export function coverageCells(idx: CoverageIndex, o: CoverageOptions): CoverageCollection {
  const { bbox: b, res, sinceMs } = o;
  const cells = new Map<number, CellAgg>();
  // display cells by axial q then r: small-integer keys keep the maps fast
  const byQ = new Map<number, Map<number, CellAgg>>();
  const aggAt = (key: number): CellAgg => {
    let a = cells.get(key);
    if (!a) {
      a = { count: 0, best: NaN, nodes: new Map() };
      cells.set(key, a);
    }
    return a;
  };
  const aggOf = (i: number): CellAgg => {
    const key = cellOfMerc(idx.mx[i], idx.my[i], res);
    const q = cellQ(key), r = cellR(key);
    let row = byQ.get(q);
    if (!row) {
      row = new Map();
      byQ.set(q, row);
    }
    let a = row.get(r);
    if (!a) {
      a = aggAt(key);
      row.set(r, a);
    }
    return a;
  };
  const snrs = idx.snr, heard = idx.heard, at = idx.rxAt;
  const visit = (i: number, a: CellAgg) => {
    a.count++;
    const snr = snrs[i];
    if (snr === snr && !(snr <= a.best)) a.best = snr;
    const h = heard[i];
    let n = a.nodes.get(h);
    if (!n) {
      n = { count: 0, latestAt: -Infinity, latestSnr: NaN };
      a.nodes.set(h, n);
    }
    n.count++;
    if (at[i] >= n.latestAt) {
      n.latestAt = at[i];
      n.latestSnr = snr;
    }
  };
  const acc = new Accumulator(idx);
  const hits: CoverageFeature[] = [];
  const pending = new Map<number, { cell: IndexedCell; from: number }>();
  const lat = idx.lat, lon = idx.lon;
  const inBox = (i: number) =>
    lat[i] >= b.minLat && lat[i] <= b.maxLat && lon[i] >= b.minLon && lon[i] <= b.maxLon;

  if (o.heardIds || o.rxId !== undefined) {
    const lists = o.heardIds ? o.heardIds.map((h) => idx.byHeard.get(h)) : [idx.byRx.get(o.rxId!)];
    for (const list of lists) {
      if (!list) continue;
      for (let k = idx.firstSince(list, sinceMs); k < list.n; k++) {
        const i = list.ids[k];
        if (inBox(i)) visit(i, aggOf(i));
      }
    }
  } else {
    const base = Math.min(res, INDEX_MAX_RES);
    const direct = res <= INDEX_MAX_RES;
    for (const cell of cellsInBox(idx.levels[base - INDEX_MIN_RES], base, b)) {
      if (cell.maxLat < b.minLat || cell.minLat > b.maxLat) continue;
      if (cell.maxLon < b.minLon || cell.minLon > b.maxLon) continue;
      // A display cell that meets the box is reported whole (it is drawn whole).
      const full = direct || (cell.minLat >= b.minLat && cell.maxLat <= b.maxLat &&
        cell.minLon >= b.minLon && cell.maxLon <= b.maxLon);
      const list = cell.list, ids = list.ids;
      const from = idx.firstSince(list, sinceMs);
      if (from >= list.n) continue;
      let own: CellAgg | null = null;
      let to = list.n;
      if (full && direct && cell.days) {
        if (o.memo) {
          const m = cell.memo?.get(o.memo.key);
          if (m && m.from === from && m.n === list.n && m.tag === o.memo.tag) {
            hits.push(m.value as CoverageFeature);
            continue;
          }
          pending.set(cell.key, { cell, from });
        }
        // whole days from the summaries; only the edge day is scanned
        const sinceDay = Math.floor(sinceMs / DAY_MS);
        acc.begin();
        for (const [day, d] of cell.days) if (day > sinceDay) acc.day(d);
        const dayEnd = (sinceDay + 1) * DAY_MS;
        to = from;
        while (to < list.n && at[ids[to]] < dayEnd) to++;
        for (let k = from; k < to; k++) acc.one(ids[k]);
        if (acc.count > 0) acc.end(aggAt(cell.key));
        continue;
      }
      for (let k = from; k < to; k++) {
        const i = ids[k];
        if (!full && !inBox(i)) continue;
        if (direct) visit(i, own ??= aggAt(cell.key));
        else visit(i, aggOf(i));
      }
    }
  }
  const fc = toCollection(idx, cells, res, o.resolve, hits);
  if (o.memo) {
    const { key, tag } = o.memo;
    for (const f of fc.features) {
      const p = pending.get(cellKeyOf(f));
      if (!p) continue;
      p.cell.memo ??= new Map();
      p.cell.memo.set(key, { from: p.from, n: p.cell.list.n, tag, value: f });
    }
  }
  return fc;
}

/**
 * The indexed cells of one level that may meet the box: probes the axial (q, r)
 * range covering it, or walks the whole level when that is smaller.
 */
function cellsInBox(level: Map<number, IndexedCell>, res: number, b: Bbox): Iterable<IndexedCell> {
  const size = hexSize(res);
  const x0 = mercX(b.minLon), x1 = mercX(b.maxLon);
  const y0 = mercY(b.minLat), y1 = mercY(b.maxLat);
  const r0 = Math.floor((2 / 3) * y0 / size) - 1, r1 = Math.ceil((2 / 3) * y1 / size) + 1;
  const w = size * Math.sqrt(3);
  const perRow = Math.ceil((x1 - x0) / w) + 3;
  if ((r1 - r0 + 1) * perRow > level.size) return level.values();
  const out: IndexedCell[] = [];
  for (let r = r0; r <= r1; r++) {
    const q0 = Math.floor(x0 / w - r / 2) - 1, q1 = Math.ceil(x1 / w - r / 2) + 1;
    for (let q = q0; q <= q1; q++) {
      const cell = level.get(packCell(q, r));
      if (cell) out.push(cell);
    }
  }
  return out;
}

const packedKey = new WeakMap<CoverageFeature, number>();

function cellKeyOf(f: CoverageFeature): number {
  return packedKey.get(f) ?? -1;
}

function toCollection(
  idx: CoverageIndex,
  cells: Map<number, CellAgg>,
  res: number,
  resolve: HeardResolver,
  ready: CoverageFeature[] = [],
): CoverageCollection {
  const entries = [...cells.entries()];
  const resolved = new Map<number, { key: string; name: string }>();
  const byId = (h: number) => {
    let r = resolved.get(h);
    if (!r) {
      r = resolve(idx.heardKey(h));
      resolved.set(h, r);
    }
    return r;
  };
  const features: CoverageFeature[] = entries.map(([key, a]) => {
    const { nodes, cut } = cellNodes(idx, a.nodes, byId);
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
  for (let k = 0; k < entries.length; k++) packedKey.set(features[k], entries[k][0]);
  let all = ready.length ? features.concat(ready) : features;
  let truncated = false;
  if (all.length > FEATURE_CAP) {
    all.sort((x, y) => y.properties.count - x.properties.count || byCell(x, y));
    all = all.slice(0, FEATURE_CAP);
    truncated = true;
  }
  all.sort(byCell);
  const out: CoverageCollection = { type: "FeatureCollection", features: all };
  if (truncated) out.truncated = true;
  return out;
}

function byCell(x: CoverageFeature, y: CoverageFeature): number {
  return x.properties.cell < y.properties.cell ? -1 : x.properties.cell > y.properties.cell ? 1 : 0;
}

const featureText = new WeakMap<CoverageFeature, string>();

/** The collection as JSON text; each feature's text is kept with it (memoised features reuse it). */
export function collectionJson(fc: CoverageCollection): string {
  const parts: string[] = [];
  for (const f of fc.features) {
    let t = featureText.get(f);
    if (t === undefined) {
      t = JSON.stringify(f);
      featureText.set(f, t);
    }
    parts.push(t);
  }
  const { features: _f, ...rest } = fc;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"features":[${parts.join(",")}]}`;
}

function cellNodes(
  idx: CoverageIndex,
  byHeard: Map<number, NodeAgg>,
  resolve: (h: number) => { key: string; name: string },
): { nodes: CoverageNode[]; cut: boolean } {
  const merged = new Map<string, { node: CoverageNode; at: number }>();
  for (const [h, n] of byHeard) {
    const heardKey = idx.heardKey(h);
    const { key, name } = resolve(h);
    const snr = n.latestSnr === n.latestSnr ? round2(n.latestSnr) : null;
    const m = merged.get(key);
    if (!m) {
      const node: CoverageNode = { prefix: heardKey, snr, count: n.count };
      if (name) node.name = name;
      merged.set(key, { node, at: n.latestAt });
      continue;
    }
    const mn = m.node;
    mn.count += n.count;
    if (
      heardKey.length > mn.prefix.length ||
      (heardKey.length === mn.prefix.length && heardKey < mn.prefix)
    ) {
      mn.prefix = heardKey;
    }
    if (n.latestAt >= m.at) {
      m.at = n.latestAt;
      mn.snr = snr;
    }
  }
  const nodes: CoverageNode[] = [];
  for (const m of merged.values()) nodes.push(m.node);
  if (nodes.length > 1) {
    nodes.sort((x, y) => {
      if ((x.snr === null) !== (y.snr === null)) return x.snr === null ? 1 : -1;
      if (x.snr !== null && y.snr !== null && x.snr !== y.snr) return y.snr - x.snr;
      if (x.count !== y.count) return y.count - x.count;
      return x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0;
    });
  }
  return nodes.length > CELL_NODE_CAP
    ? { nodes: nodes.slice(0, CELL_NODE_CAP), cut: true }
    : { nodes, cut: false };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
