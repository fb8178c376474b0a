import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ids, key, newStore, obsInput } from "./helpers.ts";
import { parseResolvedJson, ResolvedPathCache } from "../../src/store/resolved_cache.ts";

Deno.test("on-demand resolved paths: one batched fetch per page, LRU hit on the second request", () => {
  // A real SQLite table stands in for src/db/queries.ts.
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE observations (id INTEGER PRIMARY KEY, resolved_path TEXT)");
  const put = db.prepare("INSERT INTO observations VALUES (?, ?)");
  const calls: number[][] = [];
  const fetch = (idsWanted: number[]) => {
    calls.push([...idsWanted]);
    const rows = db.prepare(
      `SELECT id, resolved_path FROM observations WHERE id IN (${
        idsWanted.map(() => "?").join(",")
      })`,
    ).all(...idsWanted);
    return new Map(rows.map((r) => [Number(r.id), r.resolved_path as string | null]));
  };
  const { store, nodes } = newStore({ fetchResolvedPaths: fetch, lruMax: 100, liveWindow: 4 });
  const a = nodes.intern(key(1));
  const b = nodes.intern(key(2));
  const stored = new Map<number, string | null>();
  for (let i = 1; i <= 10; i++) {
    const res = i % 3 === 0 ? null : ids(a, i % 2 ? b : -1);
    const json = res === null
      ? null
      : JSON.stringify([...res].map((n) => (n < 0 ? null : nodes.keyOf(n))));
    stored.set(i, json);
    put.run(i, json);
    // Loaded rows (live: false) never enter the live window.
    store.addObservation(obsInput({ txId: i, obsId: i, hops: [1, 2] }), res, { live: i > 6 });
  }
  put.run(99, '["' + key(1) + '"]');
  assert.equal(store.resolvedCache.stats().liveSize, 4);

  // Page 1: obs 1..6 are not live -> exactly one fetch with all misses.
  const page = [1, 2, 3, 4, 5, 6];
  const first = store.resolvedPathsFor(page);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0], page);
  assert.deepEqual(first.get(1), [key(1), key(2)]);
  assert.deepEqual(first.get(2), [key(1), null]);
  assert.equal(first.get(3), null);
  assert.equal(store.resolvedCache.stats().misses, 6);

  // Same page again: all from the LRU, no fetch.
  const second = store.resolvedPathsFor(page);
  assert.equal(calls.length, 1);
  assert.equal(store.resolvedCache.stats().lruHits, 6);
  assert.deepEqual(second.get(1), first.get(1));

  // Live window: obs 7..10 need no SQL at all.
  const live = store.resolvedPathsFor([7, 8, 9, 10]);
  assert.equal(calls.length, 1);
  assert.equal(store.resolvedCache.stats().liveHits, 4);
  assert.deepEqual(live.get(7), [key(1), key(2)]);
  assert.equal(live.get(9), null);

  // Re-resolution replaces the live value and drops the LRU copy.
  store.replaceResolved(7, ids(a, b), ids(b, -1));
  assert.deepEqual(store.resolvedPathsFor([7]).get(7), [key(2), null]);
  store.replaceResolved(1, ids(a, b), ids(b, b));
  db.prepare("UPDATE observations SET resolved_path = ? WHERE id = 1").run(
    JSON.stringify([key(2), key(2)]),
  );
  assert.deepEqual(store.resolvedPathsFor([1]).get(1), [key(2), key(2)]);
  assert.equal(calls.length, 2);

  // Evicted (or never loaded) rows are still fetched; an unknown id yields null.
  const evicted = store.resolvedPathsFor([99, 12345]);
  assert.deepEqual(evicted.get(99), [key(1)]);
  assert.equal(evicted.get(12345), null);
  assert.equal(calls.length, 3);
});

Deno.test("a stored value of the wrong length or all-null counts as NULL", () => {
  assert.equal(parseResolvedJson("[null,null]"), null);
  assert.equal(parseResolvedJson('["aa"]', 2), null);
  assert.equal(parseResolvedJson("not json"), null);
  assert.equal(parseResolvedJson("[1,2]"), null);
  assert.deepEqual(parseResolvedJson('["AB", null]', 2), ["ab", null]);
});

Deno.test("peekJson: live window, then the LRU unpromoted, then one fetch; counters untouched", () => {
  const calls: number[][] = [];
  const cache = new ResolvedPathCache((want: number[]) => {
    calls.push([...want]);
    return new Map(want.map((id) => [id, id === 9 ? null : `["db${id}"]`]));
  }, { lruMax: 2, liveMax: 10 });
  cache.putLive(1, '["live1"]');
  cache.lru.set(2, '["lru2"]');
  cache.lru.set(3, '["lru3"]');
  const before = { ...cache.counters };
  const into = new Map<number, string | null>([[4, '["kept4"]']]);
  const out = cache.peekJson([1, 2, 4, 5, 9], into);
  assert.equal(out, into);
  assert.deepEqual([...out].sort((a, b) => a[0] - b[0]), [
    [1, '["live1"]'],
    [2, '["lru2"]'],
    [4, '["kept4"]'],
    [5, '["db5"]'],
    [9, null],
  ]);
  assert.deepEqual(calls, [[5, 9]], "one fetch, only for what neither cache held");
  assert.deepEqual(cache.counters, before);
  // 2 was peeked, not promoted: the next insert evicts it, the least recently used
  cache.lru.set(6, '["lru6"]');
  assert.equal(cache.lru.has(2), false);
  assert.equal(cache.lru.has(3), true);
  assert.equal(cache.lru.has(5), false, "fetched paths are not put in the LRU");
});
