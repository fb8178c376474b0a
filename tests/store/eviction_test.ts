import assert from "node:assert/strict";
import { at, ids, key, newStore, obsInput } from "./helpers.ts";
import { OBS_CHUNK } from "../../src/store/obs_table.ts";
import { TX_CHUNK } from "../../src/store/tx_table.ts";

/** Fills a store with `n` transmissions (one per minute), 3 observations each. */
function fill(n: number, opts: { retentionHours?: number; maxMemoryMB?: number } = {}) {
  const { store, nodes } = newStore(opts);
  const relays = Array.from({ length: 40 }, (_, i) => nodes.intern(key(i + 1)));
  const paths = new Map<number, Int32Array | null>();
  let obsId = 1;
  for (let t = 1; t <= n; t++) {
    for (let k = 0; k < 3; k++) {
      const hops = [t & 0xff, (t * 7 + k) & 0xff];
      const res = k === 2 ? null : ids(relays[t % 40], relays[(t + k + 1) % 40]);
      paths.set(obsId, res);
      store.addObservation(
        obsInput({
          txId: t,
          obsId,
          hops,
          observer: `OBS${k}`,
          at: t,
          payloadType: t % 5,
          channel: t % 5 === 0 ? `#ch${t % 3}` : null,
          fromNodeId: t % 5 === 4 ? relays[t % 40] : -1,
        }),
        res,
      );
      obsId++;
    }
  }
  return { store, nodes, relays, paths };
}

Deno.test("eviction by retention removes old transmissions and every index entry", () => {
  const n = 3000;
  const { store, paths } = fill(n, { retentionHours: 24 });
  const before = store.stats();
  // Now = 30 h after base: first_seen older than 6 h after base goes (minutes 1..360).
  const r = store.evict(at(30 * 60));
  assert.equal(r.byRetention, 359);
  assert.equal(r.evictedTx, 359);
  assert.equal(r.evictedObs, 359 * 3);
  assert.equal(store.txCount, n - 359);
  assert.equal(store.getByTxId(1), null);
  assert.equal(store.getByTxId(360)!.id, 360);
  assert.equal(store.getObservation(1), null);
  const report = store.checkConsistency({ resolvedOf: (o) => paths.get(o) ?? null });
  assert.deepEqual(report.errors, []);
  // Every index shrank accordingly; nothing refers to an evicted id.
  const after = store.stats();
  assert.equal(after.indexEntries.type, n - 359);
  assert.ok(after.indexEntries.relay < before.indexEntries.relay);
  for (const name of ["prefix1", "observer", "relay", "sender", "channel"]) {
    store.idx.forEachList((nm, _k, l) => {
      if (nm === name) { for (const id of l.view()) assert.ok(id >= 360, `${nm} holds ${id}`); }
    });
  }
  // A second pass at the same time evicts nothing.
  assert.equal(store.evict(at(30 * 60)).evictedTx, 0);
});

Deno.test("eviction by memory budget: down to 85 % in steps of at most 25 %", () => {
  const { store, paths } = fill(12_000);
  const full = store.trackedBytes();
  // Budget at 60 % of the current size: needs more than one 25 % step.
  store.maxMemoryMB = (full * 0.6) / (1024 * 1024);
  const first = store.evict(at(0));
  assert.ok(first.byMemory > 0);
  assert.ok(first.bytesBefore - first.bytesAfter <= first.bytesBefore * 0.25 + TX_CHUNK * 400);
  assert.ok(first.bytesAfter > store.maxMemoryMB * 1024 * 1024 * 0.85, "one pass is bounded");
  let passes = 1;
  while (store.trackedBytes() > store.maxMemoryMB * 1024 * 1024 && passes < 10) {
    store.evict(at(0));
    passes++;
  }
  assert.ok(passes >= 2 && passes < 10, `passes ${passes}`);
  assert.ok(store.trackedBytes() <= store.maxMemoryMB * 1024 * 1024);
  // Oldest first: the survivors are the newest ids.
  const page = store.listTransmissionIds({}, { order: "asc", limit: 1 });
  assert.ok(page.ids[0] > 3000);
  assert.equal(store.listTransmissionIds({}, { limit: 1 }).ids[0], 12_000);
  assert.deepEqual(store.checkConsistency({ resolvedOf: (o) => paths.get(o) ?? null }).errors, []);
});

Deno.test("evicted slots really free memory: dead chunks are released, sparse ones compacted", () => {
  const { store, paths } = fill(6000, { retentionHours: 1 });
  const obsChunks = store.obs.chunks.length;
  const bytes = store.trackedBytes();
  // Retention 1 h at minute 6030 keeps first_seen >= minute 5970: 31 transmissions.
  const r = store.evict(at(6000 + 30));
  assert.equal(store.txCount, 31);
  assert.ok(r.bytesAfter < bytes / 3, `${r.bytesAfter} vs ${bytes}`);
  assert.ok(store.obs.releasedChunks >= obsChunks - 2);
  assert.ok(store.txs.releasedChunks >= Math.floor(6000 / TX_CHUNK) - 1);
  assert.deepEqual(store.checkConsistency({ resolvedOf: (o) => paths.get(o) ?? null }).errors, []);

  // Sparse chunk: evict every other transmission by hand, then compact.
  const s2 = fill(4 * OBS_CHUNK / 3);
  const victims = [];
  for (let t = 1; t <= (4 * OBS_CHUNK) / 3; t++) if (t % 8 !== 0) victims.push(t);
  s2.store.removeTransmissions(victims);
  const moved = s2.store.evict(at(0));
  assert.ok(moved.relocatedObs > 0 || moved.relocatedTx > 0);
  assert.deepEqual(
    s2.store.checkConsistency({ resolvedOf: (o) => s2.paths.get(o) ?? null }).errors,
    [],
  );
  assert.equal(s2.store.getByTxId(8)!.observations!.length, 3);
});

Deno.test("consistency check reports orphans it is given", () => {
  const { store } = fill(50);
  // Corrupt on purpose: a type list keeps an id that no longer exists.
  store.idx.byType[0].add(9999);
  const r = store.checkConsistency();
  assert.equal(r.ok, false);
  assert.ok(r.errors.some((e) => e.includes("orphan tx 9999")), r.errors.join("\n"));
});
