/**
 * Ring text of display cells that the index does not hold (resolutions above
 * the index's, binned per answer): the JSON of `cellRing(res, key)`, written
 * without building the point arrays. The latitudes of a ring depend only on
 * the cell's row, so they are computed and formatted once per row of an
 * answer; the vertex offsets are computed once per resolution. The numbers are
 * the same floating-point operations as `cellRing`, so the text is identical.
 *
 * @module
 */

import { cellQ, cellR, hexSize } from "./hex_grid.ts";

const EARTH_R = 6378137;
const SQRT3 = Math.sqrt(3);

/** Ring texts of one resolution, with the per-row latitude texts memoised (one answer). */
export class RingTexts {
  readonly #size: number;
  readonly #dx: number[] = [];
  readonly #dy: number[] = [];
  readonly #rows = new Map<number, string[]>();

  /** Ring texts of cells of resolution `res`. */
  constructor(res: number) {
    const size = this.#size = hexSize(res);
    for (let i = 0; i < 6; i++) {
      const a = Math.PI / 180 * (60 * i - 30);
      this.#dx.push(size * Math.cos(a));
      this.#dy.push(size * Math.sin(a));
    }
  }

  #lats(r: number): string[] {
    let lats = this.#rows.get(r);
    if (!lats) {
      const cy = this.#size * 1.5 * r;
      lats = this.#dy.map((dy) =>
        String((2 * Math.atan(Math.exp((cy + dy) / EARTH_R)) - Math.PI / 2) * 180 / Math.PI)
      );
      this.#rows.set(r, lats);
    }
    return lats;
  }

  /** `JSON.stringify(cellRing(res, key))`. */
  text(key: number): string {
    const size = this.#size, dx = this.#dx;
    const q = cellQ(key), r = cellR(key);
    const cx = size * (SQRT3 * q + SQRT3 / 2 * r);
    const lats = this.#lats(r);
    const first = `[${(cx + dx[0]) / EARTH_R * 180 / Math.PI},${lats[0]}]`;
    let s = `[${first}`;
    for (let i = 1; i < 6; i++) s += `,[${(cx + dx[i]) / EARTH_R * 180 / Math.PI},${lats[i]}]`;
    return `${s},${first}]`;
  }
}
