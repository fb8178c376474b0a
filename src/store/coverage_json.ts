/**
 * The JSON of `/api/rx-coverage` answers, written per cell: each hex cell
 * becomes one GeoJSON Feature (the reference's field order) as UTF-8 bytes, the
 * answer is their concatenation. Cells of the index keep their ring text and
 * memoise their feature bytes per window, so an answer encodes only the cells
 * it had to recompute and copies the rest — no object tree per feature and no
 * big string to encode (the objects of a 2,000-cell answer were what made the
 * collector pause).
 *
 * @module
 */

import type { CoverageIndex, IndexedCell } from "./coverage_index.ts";
import { cellId, cellRing } from "./hex_grid.ts";

/** One heard node in a cell. */
export interface CoverageNode {
  prefix: string;
  name?: string;
  snr: number | null;
  count: number;
}

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

/** One cell of an answer: its id, count (for the cap) and feature text as UTF-8. */
export interface CellText {
  cell: string;
  count: number;
  bytes: Uint8Array;
}

const utf8 = new TextEncoder();

/** Most cells in one answer (the densest are kept). */
export const FEATURE_CAP = 5000;
/** Most heard nodes listed per cell. */
export const CELL_NODE_CAP = 25;
/** Windows memoised per indexed cell (the oldest is dropped beyond). */
const MEMO_PER_CELL = 4;

/** Maps a heard-key id to the node it names: its public key and name when unique. */
export type NodeNamer = (h: number) => { key: string; name: string };

/** The ring text of an indexed cell (kept on the cell: its geometry never changes). */
export function ringText(res: number, cell: IndexedCell): string {
  return cell.ring ??= JSON.stringify(cellRing(res, cell.key));
}

/** The memoised text of `cell` for window `key`, when its receptions and tag are unchanged. */
export function memoHit(
  cell: IndexedCell,
  key: string,
  from: number,
  tag: string,
): CellText | undefined {
  const m = cell.memo?.get(key);
  return m && m.from === from && m.n === cell.list.n && m.tag === tag ? m.value : undefined;
}

/** Memoises `value` for `cell` under window `key` (at most a few windows per cell). */
export function memoPut(
  cell: IndexedCell,
  key: string,
  from: number,
  tag: string,
  value: CellText,
): void {
  const memo = cell.memo ??= new Map();
  memo.delete(key);
  if (memo.size >= MEMO_PER_CELL) memo.delete(memo.keys().next().value as string);
  memo.set(key, { from, n: cell.list.n, tag, value });
}

/** A heard key as the cell texts show it: the node it names and its JSON pieces. */
interface Shown {
  key: string;
  prefix: string;
  /** `"prefix":"…"` as JSON. */
  prefixJson: string;
  /** `,"name":"…"` as JSON, or empty when the node has no name. */
  nameJson: string;
}

/** One heard node of a cell while its text is written. */
interface Row {
  shown: Shown;
  prefix: string;
  prefixJson: string;
  snr: number | null;
  count: number;
  at: number;
}

/**
 * Writes the feature texts of one answer: heard keys are resolved and their JSON pieces
 * escaped once per answer, then each cell's text is concatenated from them.
 */
export class CellWriter {
  readonly #idx: CoverageIndex;
  readonly #res: number;
  readonly #name: NodeNamer;
  readonly #shown = new Map<number, Shown>();

  /** A writer for cells of resolution `res`, naming heard keys with `name`. */
  constructor(idx: CoverageIndex, res: number, name: NodeNamer) {
    this.#idx = idx;
    this.#res = res;
    this.#name = name;
  }

  #show(h: number): Shown {
    let s = this.#shown.get(h);
    if (!s) {
      const prefix = this.#idx.heardKey(h);
      const { key, name } = this.#name(h);
      s = {
        key,
        prefix,
        prefixJson: `"prefix":${JSON.stringify(prefix)}`,
        nameJson: name ? `,"name":${JSON.stringify(name)}` : "",
      };
      this.#shown.set(h, s);
    }
    return s;
  }

  /** The feature of one summed cell; `ring` is its ring's JSON text. */
  cell(key: number, a: CellAgg, ring: string): CellText {
    const rows: Row[] = [];
    for (const [h, n] of a.nodes) {
      const shown = this.#show(h);
      const snr = n.latestSnr === n.latestSnr ? round2(n.latestSnr) : null;
      let m: Row | undefined;
      for (const r of rows) {
        if (r.shown.key === shown.key) {
          m = r;
          break;
        }
      }
      if (!m) {
        rows.push({
          shown,
          prefix: shown.prefix,
          prefixJson: shown.prefixJson,
          snr,
          count: n.count,
          at: n.latestAt,
        });
        continue;
      }
      // several heard keys naming one node: the longest (then smallest) prefix, the latest SNR
      m.count += n.count;
      const p = shown.prefix;
      if (p.length > m.prefix.length || (p.length === m.prefix.length && p < m.prefix)) {
        m.prefix = p;
        m.prefixJson = shown.prefixJson;
      }
      if (n.latestAt >= m.at) {
        m.at = n.latestAt;
        m.snr = snr;
      }
    }
    if (rows.length > 1) {
      rows.sort((x, y) => {
        if ((x.snr === null) !== (y.snr === null)) return x.snr === null ? 1 : -1;
        if (x.snr !== null && y.snr !== null && x.snr !== y.snr) return y.snr - x.snr;
        if (x.count !== y.count) return y.count - x.count;
        return x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0;
      });
    }
    const cut = rows.length > CELL_NODE_CAP;
    let nodes = "";
    for (let i = 0, n = Math.min(rows.length, CELL_NODE_CAP); i < n; i++) {
      const r = rows[i];
      const sep = i ? "," : "";
      nodes += `${sep}{${r.prefixJson},"snr":${r.snr},"count":${r.count}${r.shown.nameJson}}`;
    }
    const cell = cellId(this.#res, key);
    const has = a.best === a.best;
    const text = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[${ring}]},` +
      `"properties":{"cell":"${cell}","count":${a.count},"best_snr":${
        has ? round2(a.best) : "null"
      },"has_sig":${has},"nodes":[${nodes}]${cut ? ',"nodes_truncated":true' : ""}}}`;
    return { cell, count: a.count, bytes: utf8.encode(text) };
  }
}

/**
 * The collection as UTF-8 JSON: the densest {@linkcode FEATURE_CAP} cells in cell order, plus
 * the `extra` top-level fields. The cells' bytes are copied into one buffer (no big string).
 */
export function collectionBytes(
  cells: CellText[],
  extra: Record<string, unknown> = {},
): Uint8Array<ArrayBuffer> {
  let all = cells;
  const head: Record<string, unknown> = { type: "FeatureCollection" };
  if (all.length > FEATURE_CAP) {
    all = all.slice().sort((x, y) => y.count - x.count || byCell(x, y)).slice(0, FEATURE_CAP);
    head.truncated = true;
  }
  all.sort(byCell);
  Object.assign(head, extra);
  const h = JSON.stringify(head);
  const open = utf8.encode(`${h.slice(0, -1)},"features":[`);
  let size = open.length + 2 + Math.max(0, all.length - 1);
  for (const c of all) size += c.bytes.length;
  const out = new Uint8Array(size);
  out.set(open);
  let at = open.length;
  for (let i = 0; i < all.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ,
    out.set(all[i].bytes, at);
    at += all[i].bytes.length;
  }
  out[at++] = 0x5d; // ]
  out[at++] = 0x7d; // }
  return out;
}

function byCell(x: CellText, y: CellText): number {
  return x.cell < y.cell ? -1 : x.cell > y.cell ? 1 : 0;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
