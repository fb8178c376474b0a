import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { fixtureCopy, newStore, openFixtureCopy } from "./helpers.ts";
import { loadStore } from "../../src/store/loader.ts";
import { parseResolvedInto } from "../../src/store/codec.ts";
import type { PacketStore } from "../../src/store/packet_store.ts";
import type { NodeDirectory } from "../../src/store/node_directory.ts";

/** Stored resolved path of an observation, parsed from SQL (for exact refcount checks). */
function sqlResolved(db: DatabaseSync, nodes: NodeDirectory) {
  const stmt = db.prepare("SELECT path_json, resolved_path FROM observations WHERE id = ?");
  return (obsId: number): Int32Array | null => {
    const row = stmt.get(obsId);
    if (!row || row.resolved_path === null) return null;
    const hops = (JSON.parse(String(row.path_json)) as string[]).length;
    const out = new Int32Array(hops);
    return parseResolvedInto(String(row.resolved_path), hops, out, (k) => nodes.intern(k)) < 0
      ? null
      : out;
  };
}

function summaryOf(store: PacketStore) {
  const s = store.stats();
  return {
    tx: s.transmissions,
    obs: s.observations,
    observers: s.observers,
    indexEntries: s.indexEntries,
    byType: store.countsByType(),
  };
}

Deno.test("the fixture loads with the expected counts and consistent indexes", async () => {
  const { db } = openFixtureCopy();
  const { store, nodes } = newStore();
  const progress: number[] = [];
  const summary = await loadStore(db, store, nodes, {
    workers: 0,
    onProgress: (_rows, pct) => progress.push(pct),
  });
  assert.equal(summary.tx, 499);
  assert.equal(summary.obs, 499, "observations 85/294 are one (tx, observer, path)");
  assert.equal(summary.dedupObs, 1);
  assert.equal(summary.nodes, 200);
  assert.equal(summary.observers, 31);
  assert.equal(summary.resolvedPaths, 394, "399 stored minus 5 all-null arrays");
  assert.deepEqual(store.progress, {
    state: "ready",
    loadedTx: 499,
    loadedObs: 499,
    totalTx: 499,
    totalObs: 500,
    pct: 100,
  });
  assert.equal(progress.at(-1), 100);
  const byType = store.countsByType();
  assert.deepEqual(
    Object.fromEntries(Object.entries(byType).map(([t, v]) => [t, v.transmissions])),
    { 0: 60, 1: 78, 2: 44, 4: 102, 5: 166, 7: 17, 8: 20, 9: 8, 11: 4 },
  );
  assert.equal(store.listTransmissionIds({ routeTypes: [1] }).total, 365);
  assert.equal(store.listTransmissionIds({ routeTypes: [2] }).total, 134);
  // Channel names as stored; lookups are case-insensitive.
  assert.equal(store.listTransmissionIds({ channel: "#test" }).total, 35);
  assert.equal(store.listTransmissionIds({ channel: "PUBLIC" }).total, 13);
  // Membership: every non-null resolved hop is indexed (2,172 hops in 394 arrays).
  const report = store.checkConsistency({ resolvedOf: sqlResolved(db, nodes) });
  assert.deepEqual(report.errors, []);
  let hops = 0;
  store.txs.forEachLive((_s, c, r) => {
    for (let i = c.memOff[r]; i < c.memOff[r] + c.memLen[r]; i++) hops += c.memCnt[i];
  });
  assert.equal(hops, 2172);
  // The raw hex round-trips in its stored case; hash case too.
  const row = db.prepare("SELECT raw_hex, hash FROM transmissions WHERE id = 1").get()!;
  const v = store.getByTxId(1)!;
  assert.equal(v.rawHex, row.raw_hex);
  assert.equal(v.hash, row.hash);
  assert.equal(store.getByTxId(85)!.observations!.length, 1);
  db.close();
});

Deno.test("reloading gives identical counts; loading twice into one store is idempotent", async () => {
  const { db } = openFixtureCopy();
  const a = newStore();
  await loadStore(db, a.store, a.nodes, { workers: 0 });
  const b = newStore();
  await loadStore(db, b.store, b.nodes, { workers: 0, newestFirst: true, chunkSize: 37 });
  assert.deepEqual(summaryOf(b.store), summaryOf(a.store));
  const again = await loadStore(db, a.store, a.nodes, { workers: 0 });
  assert.equal(again.tx, 0);
  assert.equal(again.obs, 0);
  assert.deepEqual(summaryOf(a.store), summaryOf(b.store));
  assert.deepEqual(b.store.checkConsistency().errors, []);
  // Same rows, same views, whatever the load order.
  const all = (s: PacketStore) => s.listTransmissions({}, { limit: 1000 }, true).items;
  assert.deepEqual(all(b.store), all(a.store));
  db.close();
});

Deno.test("load workers produce the same store as the in-thread reader", async () => {
  const { db } = openFixtureCopy();
  const a = newStore();
  const sa = await loadStore(db, a.store, a.nodes, { workers: 0, batchSize: 50 });
  const b = newStore();
  const sb = await loadStore(db, b.store, b.nodes, { workers: 1, batchSize: 50 });
  assert.equal(sa.workers, 0);
  assert.equal(sb.workers, 1, sb.workerFallback ?? "");
  assert.equal(sb.workerFallback, null);
  assert.deepEqual(summaryOf(b.store), summaryOf(a.store));
  const all = (s: PacketStore) => s.listTransmissions({}, { limit: 1000 }, true).items;
  assert.deepEqual(all(b.store), all(a.store));
  db.close();
});

Deno.test("a sliced load (maxSliceMs) yields between small batches and builds the same store", async () => {
  const { db } = openFixtureCopy();
  const a = newStore();
  const sa = await loadStore(db, a.store, a.nodes, { workers: 0 });
  for (const workers of [0, 1]) {
    const b = newStore();
    const pcts: number[] = [];
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const sb = await loadStore(db, b.store, b.nodes, {
      workers,
      newestFirst: true,
      chunkSize: 200,
      maxSliceMs: 0.01,
      onProgress: (_rows, pct) => pcts.push(pct),
    });
    counting = false;
    assert.equal(sb.workers, workers, sb.workerFallback ?? "");
    assert.equal(sb.tx, sa.tx);
    assert.equal(sb.obs, sa.obs);
    assert.deepEqual(summaryOf(b.store), summaryOf(a.store));
    assert.deepEqual(b.store.checkConsistency().errors, []);
    const all = (s: PacketStore) => s.listTransmissions({}, { limit: 1000 }, true).items;
    assert.deepEqual(all(b.store), all(a.store));
    assert.equal(sb.chunks, Math.ceil(sa.tx / 200), "one progress step per chunk");
    assert.equal(pcts.at(-1), 100);
    // Batches of at most 50 then sized to half a slice (>= 16): far more turns than chunks.
    assert.ok(turns >= Math.ceil(sa.tx / 50), `other timers ran ${turns} times during the load`);
  }
  db.close();
});

Deno.test("hot window first, retention window, resolveMissing and abort", async () => {
  const { db } = openFixtureCopy();
  // The fixture spans 16:05..18:13 on 2026-05-17.
  const nowMs = Date.parse("2026-05-17T18:30:00Z");
  const full = newStore();
  const seen: string[] = [];
  const s = await loadStore(db, full.store, full.nodes, {
    workers: 0,
    hotHours: 1,
    chunkSize: 100,
    nowMs,
    resolveMissing: (o) => {
      seen.push(`${o.obsId}:${o.hopCount}`);
      return null;
    },
  });
  assert.equal(s.tx, 499);
  assert.ok(s.chunks >= 5);
  assert.equal(seen.length, 5, "only the 5 all-null arrays with hops are offered");
  const windowed = newStore();
  await loadStore(db, windowed.store, windowed.nodes, { workers: 0, retentionHours: 1, nowMs });
  const expect = Number(
    db.prepare("SELECT COUNT(*) AS n FROM transmissions WHERE first_seen >= '2026-05-17T17:30:00Z'")
      .get()!.n,
  );
  assert.equal(windowed.store.txCount, expect);
  assert.ok(expect > 0 && expect < 499);
  const ctl = new AbortController();
  ctl.abort();
  const aborted = newStore();
  const sa = await loadStore(db, aborted.store, aborted.nodes, { workers: 0, signal: ctl.signal });
  assert.equal(sa.aborted, true);
  assert.equal(aborted.store.progress.state, "loading");
  db.close();
});

Deno.test("the fixture loads through openDatabase (migrated copy) with the same counts", async () => {
  let openDatabase:
    | ((p: string, o?: Record<string, unknown>) => { db: DatabaseSync; close(): void })
    | null = null;
  try {
    ({ openDatabase } = await import("../../src/db/database.ts"));
  } catch {
    openDatabase = null;
  }
  if (openDatabase === null) return; // The DB module is not there yet.
  const path = fixtureCopy();
  const h = openDatabase(path, { log: () => {} });
  const { store, nodes } = newStore();
  const s = await loadStore(h.db, store, nodes, {});
  assert.equal(s.tx, 499);
  assert.equal(s.obs, 499);
  assert.equal(s.dedupObs, 0, "the migration already merged the duplicate pair");
  assert.deepEqual(store.checkConsistency({ resolvedOf: sqlResolved(h.db, nodes) }).errors, []);
  h.close();
});
