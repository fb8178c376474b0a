import assert from "node:assert/strict";
import { ids, key, newStore, obsInput } from "./helpers.ts";

function assertConsistent(
  store: ReturnType<typeof newStore>["store"],
  resolvedOf?: (o: number) => Int32Array | null,
) {
  const r = store.checkConsistency(resolvedOf ? { resolvedOf } : {});
  assert.deepEqual(r.errors, []);
  assert.equal(r.ok, true);
}

Deno.test("dedup: one transmission per hash, one observation per (observer, path)", () => {
  const { store } = newStore();
  const a = store.addObservation(obsInput({ txId: 1, obsId: 10, hops: [0x7d, 0x1d] }), null);
  assert.equal(a.txNew, true);
  assert.equal(a.obsNew, true);
  // Same hash under another tx id -> attached to tx 1.
  const b = store.addObservation(
    obsInput({ txId: 2, obsId: 11, hash: "0000000000000001", observer: "OBS2", hops: [0x7d] }),
    null,
  );
  assert.equal(b.txId, 1);
  assert.equal(b.txNew, false);
  assert.equal(b.obsNew, true);
  // Hash lookup is case-insensitive.
  assert.equal(store.txIdByHash("0000000000000001".toUpperCase()), 1);
  // Same observer, same path (bytes: case cannot differ) -> merged, snr taken from the repeat.
  const c = store.addObservation(
    obsInput({ txId: 1, obsId: 12, hops: [0x7d, 0x1d], snr: -3.5 }),
    null,
  );
  assert.equal(c.obsNew, false);
  assert.equal(c.obsId, 10);
  assert.equal(store.getObservation(10)?.snr, -3.5);
  // Same observer, other path -> new observation; same observer counted once.
  const d = store.addObservation(obsInput({ txId: 1, obsId: 13, hops: [0x7d, 0x2e] }), null);
  assert.equal(d.obsNew, true);
  // Repeat of a stored observation id -> ignored.
  assert.equal(
    store.addObservation(obsInput({ txId: 1, obsId: 13, hops: [9] }), null).obsNew,
    false,
  );
  // Unknown observers are never merged (SQLite UNIQUE treats NULL as distinct).
  store.addObservation(obsInput({ txId: 1, obsId: 14, observer: null, hops: [1] }), null);
  store.addObservation(obsInput({ txId: 1, obsId: 15, observer: null, hops: [1] }), null);
  const v = store.getByTxId(1)!;
  assert.equal(v.observationCount, 5);
  assert.equal(v.observerCount, 3); // OBS1, OBS2, unknown
  assert.deepEqual(v.observations!.map((o) => o.id), [10, 11, 13, 14, 15]);
  assert.equal(store.txCount, 1);
  assert.equal(store.counters.dedupObs, 1);
  assertConsistent(store);
});

Deno.test("best observation: most hops, first stored (smaller id) wins ties", () => {
  const { store } = newStore();
  const r1 = store.addObservation(obsInput({ txId: 1, obsId: 5, hops: [1, 2] }), null);
  assert.equal(r1.bestChanged, true);
  const r2 = store.addObservation(
    obsInput({ txId: 1, obsId: 6, observer: "B", hops: [3, 4] }),
    null,
  );
  assert.equal(r2.bestChanged, false, "a tie keeps the first stored");
  const r3 = store.addObservation(
    obsInput({ txId: 1, obsId: 7, observer: "C", hops: [1, 2, 3] }),
    null,
  );
  assert.equal(r3.bestChanged, true);
  assert.equal(store.getByTxId(1)!.best!.id, 7);
  // A smaller id arriving late (loader walking newest first) wins the tie.
  const r4 = store.addObservation(
    obsInput({ txId: 1, obsId: 4, observer: "D", hops: [9, 9, 9] }),
    null,
  );
  assert.equal(r4.bestChanged, true);
  assert.equal(store.getByTxId(1)!.best!.id, 4);
  assertConsistent(store);
});

Deno.test("membership: pubkeys of a NON-best observation are indexed, with exact refcounts", () => {
  const { store, nodes } = newStore();
  const [a, b, c] = [key(1), key(2), key(3)].map((k) => nodes.intern(k));
  store.addObservation(obsInput({ txId: 1, obsId: 1, hops: [1, 2, 3] }), ids(a, -1, c));
  // Shorter path: not best, but its resolved node b must be indexed.
  store.addObservation(obsInput({ txId: 1, obsId: 2, observer: "B", hops: [2] }), ids(b));
  assert.equal(store.getByTxId(1)!.best!.id, 1);
  assert.deepEqual(store.throughNode(b).ids, [1]);
  assert.deepEqual(store.throughNode(a).ids, [1]);
  assert.equal(store.txs.memCount(store.txById.get(1), a), 1);
  store.addObservation(obsInput({ txId: 1, obsId: 3, observer: "C", hops: [1] }), ids(a));
  assert.equal(store.txs.memCount(store.txById.get(1), a), 2);
  const paths = new Map([[1, ids(a, -1, c)], [2, ids(b)], [3, ids(a)]]);
  assertConsistent(store, (o) => paths.get(o) ?? null);
  assert.ok(store.relayLastSeen(a) > 0);
  assert.deepEqual([...store.drainRelayLastSeen().keys()].sort(), [a, b, c].sort());
  assert.equal(store.drainRelayLastSeen().size, 0);
});

Deno.test("NULL / unusable resolved paths fall back to the raw hop-prefix index", () => {
  // Resolved observations are found through the membership index, not by raw prefix.
  const { store, nodes } = newStore();
  const a = nodes.intern(key(1));
  store.addObservation(obsInput({ txId: 1, obsId: 1, hops: [0x7d, 0x1d] }), null);
  // Wrong length and all-unknown count as NULL.
  store.addObservation(obsInput({ txId: 2, obsId: 2, hops: [0x7d] }), ids(a, a));
  store.addObservation(obsInput({ txId: 3, obsId: 3, hops: [0x7d] }), ids(-1));
  // 2-byte hops.
  store.addObservation(
    obsInput({ txId: 4, obsId: 4, hops: [0x7d, 0x1d, 0xaa, 0xbb], hashSize: 2 }),
    null,
  );
  assert.equal(store.counters.resolvedMismatch, 1);
  assert.deepEqual([...store.idx.prefix(1, 0x7d, false)!.view()], [1, 2, 3]);
  assert.deepEqual([...store.idx.prefix(2, 0x7d1d, false)!.view()], [4]);
  assert.equal(store.idx.relay[a], undefined, "nothing entered the membership index");
  assertConsistent(store, () => null);
  // A resolved sighting is not indexed by raw prefix; a shared unresolved hop stays.
  store.addObservation(obsInput({ txId: 5, obsId: 5, hops: [0x42] }), ids(a));
  assert.equal(store.idx.prefix(1, 0x42, false), undefined);
  store.addObservation(obsInput({ txId: 1, obsId: 6, observer: "B", hops: [0x7d, 0x1d] }), null);
  store.addObservation(obsInput({ txId: 1, obsId: 7, observer: "C", hops: [0x1d] }), null);
  // Repeat of obs 6 brings a resolved path: hop 7d leaves tx 1 only if no unresolved obs keeps it.
  store.addObservation(
    obsInput({ txId: 1, obsId: 8, observer: "B", hops: [0x7d, 0x1d] }),
    ids(a, -1),
  );
  assert.deepEqual([...store.idx.prefix(1, 0x7d, false)!.view()], [1, 2, 3], "obs 1 keeps 7d");
  const paths = new Map([[5, ids(a)], [6, ids(a, -1)]]);
  assertConsistent(store, (o) => paths.get(o) ?? null);
});

Deno.test("replaceResolved removes exactly the old contribution and adds the new one", () => {
  const { store, nodes } = newStore();
  const [a, b, c] = [key(1), key(2), key(3)].map((k) => nodes.intern(k));
  store.addObservation(obsInput({ txId: 1, obsId: 1, hops: [1, 2] }), ids(a, b));
  store.addObservation(obsInput({ txId: 1, obsId: 2, observer: "B", hops: [1] }), ids(a));
  store.addObservation(obsInput({ txId: 2, obsId: 3, hops: [3] }), null);
  const paths = new Map<number, Int32Array | null>([[1, ids(a, b)], [2, ids(a)], [3, null]]);
  // Wrong old contribution: rejected, nothing changes.
  assert.throws(() => store.replaceResolved(1, ids(c, b), ids(c, c)), /not indexed/);
  assert.throws(() => store.replaceResolved(3, ids(a), ids(b)), /none is indexed/);
  assertConsistent(store, (o) => paths.get(o) ?? null);
  // obs 1: a,b -> c,-1. a stays (obs 2), b disappears, c appears.
  store.replaceResolved(1, ids(a, b), ids(c, -1));
  paths.set(1, ids(c, -1));
  assert.deepEqual(store.throughNode(b).ids, []);
  assert.deepEqual(store.throughNode(c).ids, [1]);
  assert.deepEqual(store.throughNode(a).ids, [1]);
  // obs 3: NULL -> b (backfill of a row that had none): it leaves the raw-prefix fallback.
  assert.deepEqual([...store.idx.prefix(1, 3, false)!.view()], [2]);
  store.replaceResolved(3, null, ids(b));
  paths.set(3, ids(b));
  assert.deepEqual(store.throughNode(b).ids, [2]);
  assert.equal(store.idx.prefix(1, 3, false)!.size, 0);
  // obs 2: a -> NULL: its hop joins the raw-prefix fallback.
  store.replaceResolved(2, ids(a), null);
  paths.set(2, null);
  assert.deepEqual(store.throughNode(a).ids, []);
  assert.equal(store.idx.relay[a]!.size, 0);
  assert.deepEqual([...store.idx.prefix(1, 1, false)!.view()], [1]);
  assertConsistent(store, (o) => paths.get(o) ?? null);
  assert.throws(() => store.replaceResolved(99, null, null), /not in memory/);
});

Deno.test("hash index survives growth, odd hashes and removal", () => {
  const { store } = newStore();
  for (let i = 1; i <= 3000; i++) {
    store.addObservation(obsInput({ txId: i, obsId: i, hops: [i & 0xff] }), null);
  }
  store.addObservation(obsInput({ txId: 5000, obsId: 5000, hash: "06001F5D97F8ED9E" }), null);
  store.addObservation(obsInput({ txId: 5001, obsId: 5001, hash: "26010fba" }), null);
  assert.equal(store.getByHash("06001f5d97f8ed9e")!.hash, "06001F5D97F8ED9E", "case preserved");
  assert.equal(store.getByHash("26010FBA")!.id, 5001);
  for (let i = 1; i <= 3000; i++) {
    assert.equal(store.txIdByHash(i.toString(16).padStart(16, "0")), i);
  }
  store.removeTransmissions([5000, 5001, 17]);
  assert.equal(store.txIdByHash("06001f5d97f8ed9e"), -1);
  assert.equal(store.txIdByHash("26010fba"), -1);
  assert.equal(store.txIdByHash((17).toString(16).padStart(16, "0")), -1);
  assert.equal(store.lookup("0000000000000012")!.id, 18);
  assert.equal(store.lookup("18")!.id, 18);
  assertConsistent(store);
});

Deno.test("views: raw hex case, Float32 columns read back, TRACE-size hops", () => {
  const { store } = newStore();
  const rec = obsInput({ txId: 1, obsId: 1, hops: [0xde, 0xad, 0xbe, 0xef], hashSize: 4 });
  rec.rawHexLower = true;
  rec.snr = 11.3;
  rec.score = 12345678;
  store.addObservation(rec, null);
  const v = store.getByTxId(1)!;
  assert.match(v.rawHex, /^[0-9a-f]+$/);
  assert.equal(v.best!.snr, 11.3);
  assert.equal(v.best!.score, 12345678);
  assert.equal(v.best!.rssi, -92);
  assert.deepEqual(v.best!.hops, ["DEADBEEF"]);
  assert.equal(store.getByObsId(1)!.id, 1);
  assert.equal(store.getObservation(2), null);
  assertConsistent(store);
});

Deno.test("bad input is refused with a clear error", () => {
  const { store } = newStore();
  const rec = obsInput({ txId: 1, obsId: 1, hops: [1, 2] });
  rec.hopCount = 3;
  assert.throws(() => store.addObservation(rec, null), /Cannot add observation 1: 3 hop\(s\)/);
  assert.equal(store.txCount, 0, "nothing stored");
  const big = obsInput({ txId: 2, obsId: 2, hops: new Array(300).fill(1) });
  assert.throws(() => store.addObservation(big, null), /at most 255 hops/);
  assert.throws(
    () => store.txIdByHash("zz") >= 0 ? null : store.replaceResolved(5, null, null),
    /not in memory/,
  );
  assert.throws(
    () => store.addObservation(obsInput({ txId: -4, obsId: 9, hops: [] }), null),
    /Cannot index id -4/,
  );
  assert.throws(
    () => store.addObservation(obsInput({ txId: 4, obsId: 2 ** 31, hops: [] }), null),
    /Cannot index id 2147483648/,
  );
  assert.equal(store.txCount, 0);
  assert.deepEqual(store.checkConsistency().errors, []);
});
