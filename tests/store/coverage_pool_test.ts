import assert from "node:assert/strict";
import { IdPool, MAX_BLOCK, MIN_BLOCK } from "../../src/store/coverage_pool.ts";
import {
  CoverageIndex,
  DAY_MS,
  INDEX_MAX_RES,
  INDEX_MIN_RES,
  type ReceptionInput,
} from "../../src/store/coverage_index.ts";
import { prng } from "../meshcore/fixture_util.ts";

const NOW = Date.UTC(2026, 11, 4, 10, 0, 0);

Deno.test("IdPool: blocks do not overlap, released blocks are reused by size, data survives growth", () => {
  const pool = new IdPool(8);
  const a = pool.alloc(4), b = pool.alloc(8), c = pool.alloc(4);
  assert.deepEqual([a, b, c], [0, 4, 12]);
  pool.ids.fill(7, b, b + 8);
  // growing the array keeps what the blocks hold
  const d = pool.alloc(64);
  assert.ok(pool.ids.length >= d + 64);
  assert.deepEqual([...pool.ids.subarray(b, b + 8)], Array(8).fill(7));
  pool.release(b, 8);
  pool.release(a, 4);
  assert.equal(pool.alloc(8), b, "a released block is handed out again for its size");
  assert.equal(pool.alloc(4), a);
  assert.equal(pool.alloc(4), d + 64, "no released block of the size: a new one");
  assert.equal(pool.slots, d + 68);
  pool.clear();
  assert.equal(pool.slots, 0);
  assert.equal(pool.alloc(MAX_BLOCK), 0);
});

Deno.test("IdPool: refuses sizes that are no block size and blocks it never handed out", () => {
  const pool = new IdPool();
  for (const size of [0, 3, MIN_BLOCK + 1, 12, MAX_BLOCK * 2, NaN, -4]) {
    assert.throws(() => pool.alloc(size), /Cannot use a block of .* ids/, `size ${size}`);
  }
  pool.alloc(8);
  assert.throws(() => pool.release(0, 6), /Cannot use a block of 6 ids/);
  assert.throws(() => pool.release(4, 8), /Cannot release block 4 of 8 ids: outside the pool/);
  assert.throws(() => pool.release(-4, 4), /outside the pool/);
});

/** Receptions in a few dense spots (cells outgrow the pool's largest block) and many sparse ones. */
function receptions(n: number, seed: number): ReceptionInput[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const dense = rnd() < 0.5;
    return {
      rxPubkey: (i % 5).toString(16).padStart(64, "d"),
      heardKey: ["ab01", "cd02", "ef03"][i % 3],
      lat: dense ? 48.1 + rnd() * 1e-4 : 47 + rnd() * 2,
      lon: dense ? 11.5 + rnd() * 1e-4 : 10 + rnd() * 3,
      snr: null,
      rssi: null,
      // some late receptions: they are moved back into time order inside the block
      rxAtMs: NOW - 5 * DAY_MS + i * 20_000 - (i % 11 === 0 ? Math.floor(rnd() * DAY_MS) : 0),
    };
  });
}

/** Every cell's live ids: exactly the rows in the cell, in time order; blocks never overlap. */
function checkCells(idx: CoverageIndex): number {
  let cells = 0;
  for (let res = INDEX_MIN_RES; res <= INDEX_MAX_RES; res++) {
    const level = idx.levels[res - INDEX_MIN_RES];
    const want = new Map<number, number[]>();
    for (const cell of level.values()) want.set(cell.key, []);
    const seen: [number, number][] = [];
    for (const cell of level.values()) {
      cells++;
      assert.ok(cell.off <= cell.start && cell.start <= cell.n && cell.n <= cell.off + cell.cap);
      if (!cell.own) seen.push([cell.off, cell.off + cell.cap]);
      const ids = [...cell.ids.subarray(cell.start, cell.n)];
      assert.ok(ids.length > 0, `empty cell ${res}:${cell.key} kept`);
      for (let k = 1; k < ids.length; k++) {
        assert.ok(idx.rxAt[ids[k - 1]] <= idx.rxAt[ids[k]], `cell ${res}:${cell.key} out of order`);
      }
      want.get(cell.key)!.push(...ids);
    }
    seen.sort((x, y) => x[0] - y[0]);
    for (let k = 1; k < seen.length; k++) assert.ok(seen[k - 1][1] <= seen[k][0], "blocks overlap");
    // the cells hold each live row once
    const all = [...want.values()].flat().sort((x, y) => x - y);
    assert.equal(all.length, idx.live, `res ${res}: every live reception in one cell`);
    assert.equal(new Set(all).size, all.length);
  }
  return cells;
}

Deno.test("coverage index: cells' ids in pooled blocks stay whole through growth, retention and rebuild", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(12_000, 4)) idx.add(r);
  checkCells(idx);
  const all = [...idx.levels.values()].flatMap((l) => [...l.values()]);
  assert.ok(all.some((c) => c.own !== null), "a dense cell outgrew the pool");
  assert.ok(all.some((c) => c.own === null && c.off > 0), "cells share the pool");
  assert.ok(all.some((c) => c.own === null && c.cap > MIN_BLOCK), "a cell moved to a larger block");
  // retention trims and drops cells (their blocks go back to the pool), new cells reuse them
  idx.expireBefore(NOW - 3 * DAY_MS);
  checkCells(idx);
  for (const r of receptions(3000, 5)) idx.add({ ...r, rxAtMs: r.rxAtMs + 4 * DAY_MS });
  checkCells(idx);
  // expiring most rows rebuilds the index from the kept receptions (pools start afresh)
  const rowsBefore = idx.rows;
  idx.expireBefore(NOW - 0.6 * DAY_MS);
  assert.ok(idx.rows < rowsBefore, "compacted");
  assert.ok(checkCells(idx) > 0);
});
