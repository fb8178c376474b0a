import assert from "node:assert/strict";
import { type ArenaOwner, ByteArena } from "../../src/store/byte_arena.ts";

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

/**
 * Writes `src[0..n)` into `a` as the coverage writer does, in two steps (the room for the second
 * may move the first to a new chunk), and ends the value.
 */
function keep(a: ByteArena, src: Uint8Array, n: number, owner?: ArenaOwner): Uint8Array {
  const half = n >> 1;
  a.room(0, half).set(src.subarray(0, half), a.start);
  a.room(half, n - half).set(src.subarray(half, n), a.start + half);
  return a.commit(n, owner);
}

/** An owner that records the chunks it was told of. */
class Owner implements ArenaOwner {
  told: number[] = [];
  constructor(public chunk: number) {}
  released(chunk: number): void {
    this.told.push(chunk);
  }
}

Deno.test("byte arena: views keep their bytes across chunks; a large value gets its own", () => {
  const a = new ByteArena(64);
  const views: [Uint8Array, number][] = [];
  for (let i = 0; i < 40; i++) {
    const n = 1 + (i * 7) % 30;
    // copies `n` bytes only, from a longer source
    views.push([keep(a, bytes(n + 5, i), n), i]);
  }
  for (const [v, i] of views) assert.deepEqual(v, bytes(1 + (i * 7) % 30, i));
  assert.ok(a.chunk > 5, "several chunks were used");
  const big = keep(a, bytes(500, 9), 500);
  assert.deepEqual(big, bytes(500, 9));
  assert.equal(big.buffer.byteLength, 500);
  // earlier views are untouched by later writes
  for (const [v, i] of views) assert.deepEqual(v, bytes(1 + (i * 7) % 30, i));
});

Deno.test("byte arena: past its budget it drops the oldest chunk and tells its owners", () => {
  const a = new ByteArena(100, 300);
  const owners: Owner[] = [];
  for (let i = 0; i < 12; i++) {
    const o = new Owner(-1);
    keep(a, bytes(50, i), 50, o);
    o.chunk = a.chunk;
    owners.push(o);
  }
  // 2 values per chunk, chunks 0..5; at most 3 live: 0, 1 and 2 dropped
  assert.equal(a.chunk, 5);
  assert.equal(a.dropped, 3);
  assert.equal(a.bytes, 300);
  for (const o of owners) {
    assert.deepEqual(o.told, o.chunk <= 2 ? [o.chunk] : [], `owner in chunk ${o.chunk}`);
  }
  // an oversized value counts its own size; the current chunk always stays
  const o = new Owner(-1);
  const v = keep(a, bytes(1000, 7), 1000, o);
  assert.equal(a.bytes, 1000);
  assert.equal(a.dropped, 6);
  assert.deepEqual(o.told, []);
  assert.deepEqual(v, bytes(1000, 7), "the view stays valid");
});

Deno.test("byte arena: refuses a bad chunk size or a budget below one chunk", () => {
  assert.throws(() => new ByteArena(10), /chunk size 10 is not an integer >= 64/);
  assert.throws(() => new ByteArena(100.5), /not an integer/);
  assert.throws(() => new ByteArena(NaN), /not an integer/);
  assert.throws(() => new ByteArena(1024, 100), /budget 100 is below one chunk/);
});

Deno.test("byte arena: a chunk whose holders all let go is forgotten, not dropped", () => {
  const a = new ByteArena(100, 200);
  const o1 = new Owner(-1), o2 = new Owner(-1), o3 = new Owner(-1);
  const v1 = keep(a, bytes(40, 1), 40, o1);
  keep(a, bytes(40, 2), 40, o2);
  o1.chunk = o2.chunk = a.chunk;
  // a value shared by a second holder counts twice
  a.own(o1.chunk, o3, 40);
  // bytes kept without a holder stay in use as long as the arena (a new chunk: 1)
  const loose = keep(a, bytes(60, 3), 60);
  assert.deepEqual([a.chunks, a.bytes], [2, 200]);
  a.letGo(o1.chunk, 40);
  a.letGo(o2.chunk, 40);
  assert.equal(a.chunks, 2, "o3 still holds 40 bytes of chunk 0");
  a.letGo(o1.chunk, 40);
  assert.deepEqual([a.chunks, a.bytes], [1, 100]);
  // chunk 0's memory is written over by the next chunk (2); chunk 1 is dropped for chunk 3
  const o4 = new Owner(-1), o5 = new Owner(-1);
  const v4 = keep(a, bytes(90, 4), 90, o4);
  assert.equal(v4.buffer, v1.buffer, "the forgotten chunk's memory is reused");
  assert.deepEqual([a.chunks, a.bytes, a.dropped], [2, 200, 0]);
  const v5 = keep(a, bytes(90, 5), 90, o5);
  assert.deepEqual([a.chunks, a.bytes, a.dropped], [2, 200, 1]);
  assert.deepEqual(loose, bytes(60, 3), "a dropped chunk is not written over");
  keep(a, bytes(90, 6), 90);
  assert.deepEqual([a.chunks, a.bytes, a.dropped], [2, 200, 2]);
  assert.deepEqual([o4.told, o5.told], [[2], []]);
  assert.deepEqual([o1.told, o2.told, o3.told], [[], [], []]);
  assert.notEqual(v5.buffer, loose.buffer);
  // letting go of a dropped chunk, or one never made, changes nothing
  a.letGo(0, 40);
  a.letGo(2, 90);
  a.letGo(99, 1);
  assert.deepEqual([a.chunks, a.bytes], [2, 200]);
});
