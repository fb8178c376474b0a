import assert from "node:assert/strict";
import { at, key, obsInput } from "./helpers.ts";
import { REACH_BUCKET_MS } from "../../src/store/reach_index.ts";
import { assertSame, fill, json, setup, sorted } from "./reach_helpers.ts";

Deno.test("reach sums equal a fresh scan through ingest, repeats, re-resolution and removal", () => {
  const rows = new Map<number, string | null>();
  const { store, nodes } = setup(rows);
  const { relays, known, rand, ...f } = fill(store, nodes, rows);
  let obsId = f.next;
  assert.ok(relays.every((n) => store.reachSums(n, at(-600)).relay > 0), "every relay is indexed");
  assert.equal(store.reachFeed.prefixSafe, true, "hop bytes hold the resolved nodes");
  assertSame(store, known, relays, "after ingest");
  assert.equal(store.reach.live, [...known.values()].filter((k) => k.path).length);

  // A merged repeat (same transmission, observer and path) with a new SNR.
  const [rid, rk] = [...known.entries()].find(([, k]) => k.path && k.path.at(-1)! >= 0)!;
  const ro = store.getObservation(rid)!;
  const hops = Array.from(store.obs.hopsOf(store.obsById.get(rid)));
  store.addObservation(
    obsInput({
      txId: rk.txId,
      obsId: obsId++,
      at: 0,
      obsAt: (ro.timestampMs - at(0)) / 60_000,
      hops,
      observer: rk.observer,
      snr: 9.75,
      payloadType: rk.from >= 0 ? 4 : 2,
      fromNodeId: rk.from,
    }),
    null,
  );
  rk.snr = 9.75;
  assertSame(store, known, relays, "after a repeat changed the SNR");

  // Re-resolution: some paths change, some lose their resolution, some gain one.
  let moved = 0;
  for (const [id, k] of known) {
    if (rand() > 0.15) continue;
    const os = store.obsById.get(id);
    const hc = store.obs.chunk(os).hopCount[os & 8191];
    if (hc === 0) continue;
    const hb = store.obs.hopsOf(os);
    // new nodes keep to the hop bytes (as the resolver does): a relay with that first byte
    const next = rand() < 0.2 ? null : Int32Array.from({ length: hc }, (_, i) => {
      const fit = relays.filter((r) => parseInt(nodes.keyOf(r).slice(0, 2), 16) === hb[i]);
      return fit.length === 0 ? -1 : fit[Math.floor(rand() * fit.length)];
    });
    const usable = next !== null && next.some((x) => x >= 0);
    store.replaceResolved(id, k.path, usable ? next : null);
    k.path = usable ? next : null;
    rows.set(id, json(nodes, k.path));
    moved++;
  }
  assert.ok(moved > 50, `re-resolved ${moved}`);
  assertSame(store, known, relays, "after re-resolution");

  // Memory eviction: the SQLite rows still exist.
  const victims = Array.from({ length: 150 }, (_, i) => 1 + i * 3);
  store.removeTransmissions(victims);
  for (const [id, k] of known) if (victims.includes(k.txId)) known.delete(id);
  assertSame(store, known, relays, "after removal");

  // Retention: the paths are staged, then the SQLite rows deleted, then the store removes.
  const pruned = Array.from({ length: 100 }, (_, i) => 2 + i * 3);
  store.stageRemoval(pruned);
  for (const [id, k] of known) {
    if (pruned.includes(k.txId)) {
      rows.delete(id);
      known.delete(id);
    }
  }
  store.removeTransmissions(pruned);
  assertSame(store, known, relays, "after retention");
  const pages = store.reach.cells.i32.length, holes = store.reach.cells.holes;
  assert.ok(holes > 0, "removals left holes");
  store.reach.trim();
  assert.equal(store.reach.cells.holes, holes, "a load's trim leaves less than a page of holes");
  store.reach.compact();
  assert.equal(store.reach.cells.holes, 0, `compacted ${holes} cells of holes`);
  assert.ok(store.reach.cells.i32.length <= pages);
  assertSame(store, known, relays, "after compaction");
  assert.equal(store.reach.lost, 0, "no path was missing");
  assert.equal(store.reach.live, [...known.values()].filter((k) => k.path).length);
  assert.ok(
    store.reach.byteLength > 0 && store.stats().bytesByComponent.reach === store.reach.byteLength,
  );

  // Removing everything leaves no bucket behind.
  store.removeTransmissions(Array.from({ length: 600 }, (_, i) => i + 1));
  assert.equal(store.reach.live, 0);
  assert.equal(store.reach.buckets, 0, "emptied buckets are dropped");
  for (const n of relays) assert.equal(store.reachSums(n, at(-600)).relay, 0);
});

Deno.test("reach sums stay exact when hop bytes do not hold the resolved nodes", () => {
  const rows = new Map<number, string | null>();
  const { store, nodes } = setup(rows);
  const a = nodes.intern(key(1, 0x11)), b = nodes.intern(key(2, 0x22));
  // hop bytes 0x99 / 0x98 hold neither node: the edge read may not filter by them
  for (let i = 0; i < 40; i++) {
    const path = Int32Array.of(a, b);
    rows.set(i + 1, json(nodes, path));
    store.addObservation(
      obsInput({ txId: i + 1, obsId: i + 1, at: i * 20, hops: [0x99, 0x98], snr: i / 4 }),
      path,
    );
  }
  assert.equal(store.reachFeed.prefixSafe, false);
  for (const since of [at(0), at(2 * 60 + 7), at(4 * 60 + 59), at(7 * 60 + 30)]) {
    const s = store.reachSums(a, since);
    const want = Array.from({ length: 40 }, (_, i) => i).filter((i) => at(i * 20) >= since);
    assert.equal(s.relay, want.length, new Date(since).toISOString());
    assert.deepEqual(sorted(s.they), want.length ? [[b, want.length]] : []);
    const d = store.reachSums(b, since).direct.get(store.observers.find("OBS1"));
    if (want.length === 0) assert.equal(d, undefined);
    else assert.deepEqual(d, [want.length, want.reduce((x, i) => x + i / 4, 0), want.length]);
  }
});

Deno.test("reach: a removal whose path cannot be read is counted, unknown nodes are empty", () => {
  const rows = new Map<number, string | null>();
  const { store, nodes } = setup(rows);
  const a = nodes.intern(key(1, 0x11));
  for (let i = 0; i < 30; i++) {
    rows.set(i + 1, json(nodes, Int32Array.of(a)));
    store.addObservation(
      obsInput({ txId: i + 1, obsId: i + 1, at: i, hops: [0x11] }),
      Int32Array.of(a),
    );
  }
  // the first 10 left the live window (20) and the LRU never held them; SQLite lost them too
  for (let i = 1; i <= 10; i++) rows.delete(i);
  store.removeTransmissions(Array.from({ length: 10 }, (_, i) => i + 1));
  assert.equal(store.reach.lost, 10);
  store.removeTransmissions([999]);
  assert.equal(store.reachSums(nodes.intern(key(77)), at(0)).relay, 0, "a node never seen");
  assert.equal(store.reachSums(a, at(0) + REACH_BUCKET_MS * 40).relay, 0, "a window after all");
});
