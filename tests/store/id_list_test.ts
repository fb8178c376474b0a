import assert from "node:assert/strict";
import { IdList } from "../../src/store/id_list.ts";

/** A tiny deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("IdList.removeSorted removes exactly the given ids, like a filter would", () => {
  const rand = rng(7);
  for (let round = 0; round < 300; round++) {
    const list = new IdList();
    const ids = new Set<number>();
    const n = Math.floor(rand() * 400);
    for (let i = 0; i < n; i++) {
      const id = Math.floor(rand() * 1000);
      ids.add(id);
      list.add(id); // out of order and repeated on purpose: the list normalises itself
    }
    // Some present, some absent, some from the head (as retention removes the oldest).
    const remove = [
      ...new Set(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 1000))),
    ]
      .concat([...ids].sort((a, b) => a - b).slice(0, Math.floor(rand() * 10)))
      .sort((a, b) => a - b);
    const unique = [...new Set(remove)];
    const expected = [...ids].filter((id) => !unique.includes(id)).sort((a, b) => a - b);
    const removed = list.removeSorted(unique);
    assert.equal(removed, ids.size - expected.length, `round ${round}`);
    assert.deepEqual(Array.from(list.a.subarray(0, list.n)), expected, `round ${round}`);
    assert.equal(list.removeSorted(unique), 0, "removing again is a no-op");
  }
});

Deno.test("IdList.add keeps a clean list sorted for late ids near the end, appends dirty otherwise", () => {
  const l = new IdList();
  for (let i = 0; i < 2000; i++) l.add(i * 2);
  const v0 = l.version;
  // A late id among the last ids: inserted in place, the list stays clean.
  l.add(3991);
  assert.equal(l.dirty, false);
  assert.equal(l.version, v0 + 1);
  l.add(3991); // already present: nothing changes
  assert.equal(l.n, 2001);
  assert.equal(l.version, v0 + 1);
  // An id below most of the list (a bulk load newest first): appended, the list turns dirty.
  l.add(1);
  assert.equal(l.dirty, true);
  const want = [...Array.from({ length: 2000 }, (_, i) => i * 2), 3991, 1].sort((a, b) => a - b);
  assert.deepEqual(Array.from(l.view()), want);
  // Random late ids within the tail, each kept in order without a sort.
  const m = new IdList();
  const ids = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const id = i * 10 + (i % 7);
    m.add(id);
    ids.add(id);
  }
  for (let k = 0; k < 500; k++) {
    const id = 49_990 - ((k * 7919) % 9000);
    m.add(id);
    ids.add(id);
    assert.equal(m.dirty, false, `late id ${id}`);
  }
  assert.deepEqual(Array.from(m.view()), [...ids].sort((a, b) => a - b));
});
