/**
 * The JSON pieces of the heard keys an `/api/rx-coverage` answer lists: per
 * heard-key id, the dense number of the node it names (heard keys naming one
 * node are merged into one row), its prefix, `{"prefix":"…","snr":` and
 * `,"name":"…"}` as UTF-8. Encoding them costs ~2 µs a key, a few hundred keys
 * per city view, so they are kept across answers while the names they show are
 * unchanged: per index, under the fingerprint of the resolver's names (the tag
 * the memoised cells are checked against, `coverage_json.ts`). Without a tag
 * (filtered answers) each answer gets its own.
 *
 * @module
 */

import type { CoverageIndex } from "./coverage_index.ts";

/** Maps a heard-key id to the node it names: its public key and name when unique. */
export type NodeNamer = (h: number) => { key: string; name: string };

const utf8 = new TextEncoder();

/** See the module doc. */
export class HeardTexts {
  /** Per heard-key id: 1 + the dense number of the node it names, 0 until first shown. */
  node: Int32Array = new Int32Array(0);
  /** Per heard-key id once shown: the key itself. */
  readonly prefix: string[] = [];
  /** Per heard-key id once shown: `{"prefix":"…","snr":`. */
  readonly open: Uint8Array[] = [];
  /** Per heard-key id once shown: `,"name":"…"}`, or `}` when the node has no name. */
  readonly close: Uint8Array[] = [];
  /** Dense numbers of the named nodes' keys. */
  readonly #nodes = new Map<string, number>();
  readonly #idx: CoverageIndex;
  /** The namer of new keys (the latest answer's; same names while the tag is the same). */
  name: NodeNamer;

  /** Pieces of `idx`'s heard keys, named by `name`. */
  constructor(idx: CoverageIndex, name: NodeNamer) {
    this.#idx = idx;
    this.name = name;
  }

  /** Nodes numbered so far. */
  get nodes(): number {
    return this.#nodes.size;
  }

  /** The dense node number of heard key `h`; its pieces are made on first sight. */
  show(h: number): number {
    if (h >= this.node.length) {
      const next = new Int32Array(Math.max(h + 1, this.#idx.heardKeys.names.length));
      next.set(this.node);
      this.node = next;
    }
    const known = this.node[h];
    if (known > 0) return known - 1;
    const prefix = this.#idx.heardKey(h);
    const { key, name } = this.name(h);
    let node = this.#nodes.get(key);
    if (node === undefined) {
      node = this.#nodes.size;
      this.#nodes.set(key, node);
    }
    this.prefix[h] = prefix;
    this.open[h] = utf8.encode(`{"prefix":${JSON.stringify(prefix)},"snr":`);
    this.close[h] = utf8.encode(name ? `,"name":${JSON.stringify(name)}}` : "}");
    this.node[h] = node + 1;
    return node;
  }
}

const shared = new WeakMap<CoverageIndex, { tag: string; texts: HeardTexts }>();

/**
 * The heard-key pieces for an answer over `idx` naming keys with `name`: kept across answers
 * under `tag` (the names' fingerprint; a new tag starts afresh), or new when there is none.
 */
export function heardTexts(idx: CoverageIndex, name: NodeNamer, tag?: string): HeardTexts {
  if (tag === undefined) return new HeardTexts(idx, name);
  let s = shared.get(idx);
  if (!s || s.tag !== tag) {
    s = { tag, texts: new HeardTexts(idx, name) };
    shared.set(idx, s);
  }
  s.texts.name = name;
  return s.texts;
}
