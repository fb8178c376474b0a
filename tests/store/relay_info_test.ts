import assert from "node:assert/strict";
import { at, ids, key, newStore, obsInput } from "./helpers.ts";
import { computeRelayInfo } from "../../src/store/relay_info.ts";
import type { PacketStore } from "../../src/store/packet_store.ts";

/** Deterministic PRNG. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function fresh(store: PacketStore, node: number, now: number) {
  const list = store.idx.relay[node];
  return list ? computeRelayInfo(store, list, now, false).info : null;
}

function assertSame(store: PacketStore, relays: number[], now: number, label: string) {
  for (const n of relays) {
    const memo = store.relayInfo(n, now);
    const want = fresh(store, n, now);
    if (want === null) assert.equal(memo.count24h, 0, `${label}: node ${n}`);
    else assert.deepEqual(memo, want, `${label}: node ${n} at ${new Date(now).toISOString()}`);
  }
}

Deno.test("memoised relay info equals a fresh scan through time, ingest, re-resolution, removal and earlier first_seen", () => {
  const { store, nodes } = newStore();
  const rand = rng(11);
  const relays = Array.from({ length: 6 }, (_, i) => nodes.intern(key(i + 1, 0x20 + i)));
  let obsId = 1;
  const resolvedOf = new Map<number, Int32Array>();
  const add = (txId: number, minute: number, relay: number) => {
    const r = ids(relay);
    const id = obsId++;
    store.addObservation(
      obsInput({
        txId,
        obsId: id,
        at: minute,
        hops: [0x20 + relay],
        scope: txId % 5 ? null : "#x",
      }),
      r,
    );
    resolvedOf.set(id, r);
  };
  // Two days of traffic, one transmission every 20 minutes, relayed by random relays.
  let txId = 1;
  for (let m = 0; m < 2 * 24 * 60; m += 20) add(txId++, m, relays[Math.floor(rand() * 6)]);
  // One future-dated transmission (clock skew of an observer).
  add(txId++, 2 * 24 * 60 + 90, relays[0]);

  // Walk the clock forward minute by minute over 3 hours: entries leave the 1 h and 24 h
  // windows and the future one enters; every answer must equal a fresh scan.
  for (let m = 2 * 24 * 60 - 30; m < 2 * 24 * 60 + 150; m += 1) {
    assertSame(store, relays, at(m) + 30_000, `minute ${m}`);
    // Asking again at the same instant is answered from the memo (the same object).
    for (const n of relays) {
      assert.equal(store.relayInfo(n, at(m) + 30_000), store.relayInfo(n, at(m) + 30_000));
    }
  }
  const now = at(2 * 24 * 60 + 10);
  // New relayed transmission.
  add(txId++, 2 * 24 * 60 + 5, relays[2]);
  assertSame(store, relays, now, "after ingest");
  // Re-resolution moves an observation from relay 3 to relay 4.
  const [moved, was] = [...resolvedOf].findLast(([, r]) => r[0] === relays[3])!;
  store.replaceResolved(moved, was, ids(relays[4]));
  assertSame(store, relays, now, "after re-resolution");
  // A late observation moves an existing transmission's first_seen earlier (out of the 1 h window).
  store.addObservation(
    obsInput({ txId: txId - 1, obsId: obsId++, at: 2 * 24 * 60 - 100, observer: "LATE" }),
    ids(relays[2]),
  );
  assertSame(store, relays, now, "after first_seen moved earlier");
  // Removal of the oldest transmissions.
  store.removeTransmissions([1, 2, 3, 4, 5, 6, 7, 8]);
  assertSame(store, relays, now, "after removal");
});
