import assert from "node:assert/strict";
import { decodeTruth, readTruth, TruthBuilder, writeTruth } from "../../src/sim/truth.ts";

const keys = ["aa", "bb", "cc"].map((k) => k.repeat(32));

Deno.test("truth: dense ids round-trip through a file", async () => {
  const b = new TruthBuilder(keys);
  b.add(1, [0, 1]);
  b.add(2, []);
  b.add(3, [2, 1, 0]);
  const dir = await Deno.makeTempDir();
  try {
    writeTruth(`${dir}/t.bin`, b);
    const t = readTruth(`${dir}/t.bin`);
    assert.deepEqual(t.nodeKeys, keys);
    assert.equal(t.observationCount, 3);
    assert.deepEqual([...t.observationIds()], [1, 2, 3]);
    assert.deepEqual(t.pathOf(1), Int32Array.of(0, 1));
    assert.deepEqual(t.pathOf(2), new Int32Array(0));
    assert.deepEqual(t.pathOf(3), Int32Array.of(2, 1, 0));
    assert.equal(t.pathOf(0), undefined);
    assert.equal(t.pathOf(4), undefined);
    assert.equal(t.pathOf(1.5), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("truth: sparse ids use the id table", () => {
  const b = new TruthBuilder(keys);
  b.add(10, [1]);
  b.add(20, [2, 2]);
  const t = decodeTruth(b.encode());
  assert.deepEqual([...t.observationIds()], [10, 20]);
  assert.deepEqual(t.pathOf(20), Int32Array.of(2, 2));
  assert.equal(t.pathOf(15), undefined);
});

Deno.test("truth: bad input is refused", () => {
  const b = new TruthBuilder(keys);
  b.add(5, [0]);
  assert.throws(() => b.add(5, [1]), /ids must ascend/);
  assert.throws(() => b.add(6, [3]), /out of range/);
  assert.throws(() => new TruthBuilder(["xyz"]).encode(), /bad node key/);
  const bytes = b.encode();
  assert.throws(() => decodeTruth(bytes.slice(0, 20)), /shorter than/);
  assert.throws(() => decodeTruth(bytes.slice(0, bytes.length - 8)), /truncated/);
  const bad = bytes.slice();
  bad[0] = 0x58;
  assert.throws(() => decodeTruth(bad), /bad magic/);
});
