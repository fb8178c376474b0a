import assert from "node:assert/strict";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { PrefixTable } from "../../src/resolve/prefix_table.ts";
import { fullKey, hops, T0 } from "./helpers.ts";

/** A directory that counts full scans, to prove the table never rescans. */
class CountingDirectory extends NodeDirectory {
  scans = 0;
  override *values() {
    this.scans++;
    yield* super.values();
  }
}

function ids(list: ArrayLike<number>): number[] {
  return Array.from(list).sort((a, b) => a - b);
}

Deno.test("prefix table: 1/2/3-byte buckets hold relays only, 3-byte lookups are exact", () => {
  const dir = new NodeDirectory();
  const a = dir.upsert({ publicKey: "abcd01" + fullKey("", 1).slice(6), role: "repeater" }).id;
  const b = dir.upsert({ publicKey: "abcd02" + fullKey("", 2).slice(6), role: "room" }).id;
  const c = dir.upsert({ publicKey: "abee01" + fullKey("", 3).slice(6), role: "repeater" }).id;
  dir.upsert({ publicKey: "abcd01" + fullKey("", 4).slice(6), role: "companion" });
  const table = new PrefixTable(dir);
  assert.equal(table.size, 3);
  assert.deepEqual(ids(table.candidates(hops("AB"), 0, 1)), [a, b, c].sort((x, y) => x - y));
  assert.deepEqual(ids(table.candidates(hops("ABCD"), 0, 2)), [a, b]);
  assert.deepEqual(ids(table.candidates(hops("ABCD01"), 0, 3)), [a]);
  assert.deepEqual(ids(table.candidates(hops("ABCD02"), 0, 3)), [b]);
  assert.deepEqual(ids(table.candidates(hops("ABCD03"), 0, 3)), []);
  assert.deepEqual(ids(table.candidates(hops("ABEE01"), 0, 3)), [c]);
  assert.deepEqual(ids(table.candidates(hops("FFFF"), 0, 2)), []);
  // Offsets address later hops in a concatenated path.
  assert.deepEqual(ids(table.candidates(hops("00AB", "EE01"), 1, 3)), [c]);
});

Deno.test("prefix table: follows add, role change to/from relay, canRelay and remove without rescanning", () => {
  const dir = new CountingDirectory();
  const table = new PrefixTable(dir);
  assert.equal(dir.scans, 1); // the initial fill only
  const key = fullKey("5e90", 7);
  dir.upsert({ publicKey: key, role: "companion", firstSeen: T0 });
  assert.equal(table.candidates(hops("5E"), 0, 1).length, 0);
  const id = dir.upsert({ publicKey: key, role: "repeater" }).id;
  assert.deepEqual(ids(table.candidates(hops("5E"), 0, 1)), [id]);
  assert.deepEqual(ids(table.candidates(hops("5E90"), 0, 2)), [id]);
  dir.upsert({ publicKey: key, canRelay: false }); // an observer reporting repeat=off
  assert.equal(table.candidates(hops("5E"), 0, 1).length, 0);
  assert.equal(table.has(id), false);
  dir.upsert({ publicKey: key, canRelay: true });
  assert.equal(table.has(id), true);
  dir.upsert({ publicKey: key, role: "sensor" });
  assert.equal(table.candidates(hops("5E90"), 0, 2).length, 0);
  dir.upsert({ publicKey: key, role: "room" });
  assert.deepEqual(ids(table.candidates(hops("5E90"), 0, 2)), [id]);
  // Repeated updates do not duplicate entries.
  dir.upsert({ publicKey: key, role: "room", name: "again" });
  assert.equal(table.candidates(hops("5E"), 0, 1).length, 1);
  assert.equal(dir.remove(key), true);
  assert.equal(table.candidates(hops("5E"), 0, 1).length, 0);
  assert.equal(table.size, 0);
  for (let i = 0; i < 500; i++) dir.upsert({ publicKey: fullKey("", 100 + i), role: "repeater" });
  assert.equal(table.size, 500);
  assert.equal(dir.scans, 1);
  table.close();
  dir.upsert({ publicKey: fullKey("", 9999), role: "repeater" });
  assert.equal(table.size, 500); // unsubscribed
});

Deno.test("prefix table: positions mirrored, lat/lon 0 means unknown, distances in km", () => {
  const dir = new NodeDirectory();
  const sf = dir.upsert({ publicKey: fullKey("01"), lat: 37.7749, lon: -122.4194 }).id;
  const oak = dir.upsert({ publicKey: fullKey("02"), lat: 37.8044, lon: -122.2712 }).id;
  const broken = dir.upsert({ publicKey: fullKey("03"), lat: 0, lon: -121.9 }).id;
  const table = new PrefixTable(dir);
  const d = table.distanceKm(sf, oak);
  assert.ok(Math.abs(d - 13.4) < 0.3, `SF-Oakland ${d} km`);
  assert.ok(Number.isNaN(table.distanceKm(sf, broken)));
  assert.ok(Number.isNaN(table.distanceKm(sf, 12345)));
  dir.upsert({ publicKey: fullKey("03"), lat: 37.8, lon: -122.27 });
  assert.ok(table.distanceKm(broken, oak) < 1);
});

Deno.test("prefix table: rejects hops that overrun the path bytes", () => {
  const table = new PrefixTable(new NodeDirectory());
  assert.throws(
    () => table.candidates(hops("AB"), 0, 2),
    /Cannot look up hop at offset 0: 2-byte hop overruns 1 bytes/,
  );
  assert.throws(() => table.candidates(hops("ABCD"), -1, 1), /Cannot look up hop/);
});
