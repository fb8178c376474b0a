/**
 * Storage of the reach index (`reach_index.ts`): the pages of cells its rows
 * live in, and the (node, code) -> cell position table.
 *
 * @module
 */

/** Cells per arena page (256 KB); a row never spans pages. */
export const PAGE = 1 << 16;

/**
 * The cells of every row, in fixed pages that are allocated once and never
 * grown or copied (no garbage left behind for the allocator while loading);
 * a row that must widen and is not last in the newest page moves there and
 * leaves a hole; `ReachIndex.compact` moves the rows into fresh pages when
 * the holes outgrow the rows (or exceed a page after a load).
 */
export class Cells {
  /** The pages. */
  i32: Int32Array[] = [];
  /** Float64 views of the same pages (a direct code's SNR sum). */
  f64: Float64Array[] = [];
  /** Next free cell of the newest page. */
  top = PAGE;
  /** Cells in rows. */
  used = 0;
  /** Cells in holes (left by moved or dropped rows). */
  holes = 0;

  /** A fresh zeroed run of `n` (even) cells: [page, offset]. */
  alloc(n: number): [number, number] {
    let last = this.i32.length - 1;
    if (last < 0 || this.top + n > this.i32[last].length) {
      const page = new Int32Array(Math.max(PAGE, n));
      this.i32.push(page);
      this.f64.push(new Float64Array(page.buffer));
      this.top = 0;
      last++;
    }
    const off = this.top;
    this.top += n;
    this.used += n;
    return [last, off];
  }

  /** Whether `[off, off + w)` of `page` ends at the free cells and can grow to `n`. */
  canExtend(page: number, off: number, w: number, n: number): boolean {
    return page === this.i32.length - 1 && off + w === this.top && off + n <= this.i32[page].length;
  }

  /** Bytes held by the pages. */
  get byteLength(): number {
    return this.i32.length * (PAGE * 4 + 200);
  }
}

/** (node, code) -> cell position, open addressing in typed arrays (no Map per node). */
export class CodeTable {
  /** Node id per slot (-1 empty). */
  node: Int32Array = new Int32Array(1024).fill(-1);
  /** Code per slot. */
  code: Int32Array = new Int32Array(1024);
  /** Cell position per slot. */
  pos: Int32Array = new Int32Array(1024);
  /** Slots in use. */
  size = 0;

  /** Position of `code` for `node`, or -1. */
  get(node: number, code: number): number {
    const mask = this.node.length - 1;
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(code, 0x85ebca77)) & mask;
    for (;;) {
      const n = this.node[h];
      if (n < 0) return -1;
      if (n === node && this.code[h] === code) return this.pos[h];
      h = (h + 1) & mask;
    }
  }

  /** Records the position of `code` for `node` (not present yet). */
  set(node: number, code: number, pos: number): void {
    if ((this.size + 1) * 2 > this.node.length) this.#grow();
    const mask = this.node.length - 1;
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(code, 0x85ebca77)) & mask;
    while (this.node[h] >= 0) h = (h + 1) & mask;
    this.node[h] = node;
    this.code[h] = code;
    this.pos[h] = pos;
    this.size++;
  }

  /** Bytes held by the table. */
  get byteLength(): number {
    return this.node.length * 12;
  }

  #grow(): void {
    const { node, code, pos } = this;
    this.node = new Int32Array(node.length * 2).fill(-1);
    this.code = new Int32Array(node.length * 2);
    this.pos = new Int32Array(node.length * 2);
    this.size = 0;
    for (let i = 0; i < node.length; i++) if (node[i] >= 0) this.set(node[i], code[i], pos[i]);
  }
}
