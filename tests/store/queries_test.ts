import assert from "node:assert/strict";
import { at, ids, key, newStore, obsInput } from "./helpers.ts";
import type { TransmissionView, TxFilter } from "../../src/store/types.ts";

/** Deterministic PRNG. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function build() {
  const { store, nodes } = newStore();
  const rand = rng(7);
  const relays = Array.from({ length: 12 }, (_, i) => nodes.intern(key(i + 1, 0x10 + i)));
  const truth = new Map<
    number,
    {
      type: number;
      route: number;
      fs: number;
      observers: Set<string>;
      relays: Set<number>;
      from: number;
      channel: string | null;
    }
  >();
  let obsId = 1;
  for (let t = 1; t <= 600; t++) {
    // first_seen mostly increasing with id, with some disorder.
    const minute = t + (t % 17 === 0 ? -40 : 0);
    const type = [0, 2, 4, 5, 5, 8][t % 6];
    const route = t % 4 === 0 ? 2 : 1;
    const from = type === 4 ? relays[t % 12] : -1;
    const channel = type === 5 ? (t % 2 ? "#test" : "Public") : null;
    const info = {
      type,
      route,
      fs: at(minute),
      observers: new Set<string>(),
      relays: new Set<number>(),
      from,
      channel,
    };
    truth.set(t, info);
    const nobs = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < nobs; k++) {
      const observer = `OBS${Math.floor(rand() * 5)}`;
      const r = rand() < 0.8 ? ids(relays[Math.floor(rand() * 12)], -1) : null;
      const add = store.addObservation(
        obsInput({
          txId: t,
          obsId: obsId++,
          observer,
          iata: observer === "OBS4" ? "OAK" : "SJC",
          hops: [Math.floor(rand() * 256), Math.floor(rand() * 256)],
          payloadType: type,
          routeType: route,
          at: minute,
          obsAt: minute + k,
          fromNodeId: from,
          channel,
        }),
        r,
      );
      if (add.obsNew) {
        info.observers.add(observer);
        if (r) info.relays.add(r[0]);
      }
    }
  }
  return { store, truth, relays };
}

Deno.test("list queries match a brute-force scan, with exact totals and paging", () => {
  const { store, truth, relays } = build();
  const filters: TxFilter[] = [
    {},
    { payloadTypes: [5] },
    { payloadTypes: [4, 8], routeTypes: [1] },
    { observerIds: ["obs3"] },
    { iatas: ["oak"] },
    { sinceMs: at(200), untilMs: at(300) },
    { sinceMs: at(500) },
    { nodeId: relays[3] },
    { nodeId: relays[3], nodeRoles: ["relay"], sinceMs: at(100) },
    { nodeId: relays[5], nodeRoles: ["sender"] },
    { channel: "public" },
    { hash: (77).toString(16).padStart(16, "0").toUpperCase() },
    { hash: "ffffffffffffffff" },
    { observerIds: ["nobody"] },
    { payloadTypes: [5], observerIds: ["OBS1", "OBS2"], sinceMs: at(100), untilMs: at(550) },
  ];
  for (const f of filters) {
    const want = [...truth.entries()].filter(([id, t]) => {
      if (f.payloadTypes && !f.payloadTypes.includes(t.type)) return false;
      if (f.routeTypes && !f.routeTypes.includes(t.route)) return false;
      if (
        f.observerIds &&
        ![...t.observers].some((o) => f.observerIds!.some((x) => x.toUpperCase() === o))
      ) return false;
      if (f.iatas && ![...t.observers].some((o) => o === "OBS4")) return false;
      if (f.sinceMs !== undefined && t.fs < f.sinceMs) return false;
      if (f.untilMs !== undefined && t.fs > f.untilMs) return false;
      if (f.channel && t.channel?.toLowerCase() !== f.channel.toLowerCase()) return false;
      if (f.hash && f.hash.toLowerCase() !== id.toString(16).padStart(16, "0")) return false;
      if (f.nodeId !== undefined) {
        const roles = f.nodeRoles ?? ["sender", "relay"];
        const hit = (roles.includes("sender") && t.from === f.nodeId) ||
          (roles.includes("relay") && t.relays.has(f.nodeId));
        if (!hit) return false;
      }
      return true;
    }).map(([id]) => id).sort((a, b) => b - a);
    const page = store.listTransmissionIds(f, { limit: 7, offset: 3 });
    assert.equal(page.total, want.length, JSON.stringify(f));
    assert.deepEqual(page.ids, want.slice(3, 10), JSON.stringify(f));
    const asc = store.listTransmissionIds(f, { order: "asc", limit: 5 });
    assert.deepEqual(asc.ids, [...want].reverse().slice(0, 5), JSON.stringify(f));
  }
  assert.equal(
    store.countSince(at(500)),
    [...truth.values()].filter((t) => t.fs >= at(500)).length,
  );
});

Deno.test("grouped view is ordered by newest observation with an exact total", () => {
  const { store } = build();
  const page = store.listGrouped({ payloadTypes: [5] }, { limit: 10, offset: 5 });
  const all: TransmissionView[] =
    store.listTransmissions({ payloadTypes: [5] }, { limit: 10_000 }).items;
  const want = all.sort((a, b) => b.lastSeenMs - a.lastSeenMs || b.id - a.id).map((v) => v.id);
  assert.equal(page.total, all.length);
  assert.deepEqual(page.items.map((r) => r.id), want.slice(5, 15));
  for (const row of page.items) {
    assert.ok(row.distinctIatas.every((x) => x === "SJC" || x === "OAK"));
  }
});

Deno.test("relay info counts only resolved hops, exactly, with early stop under disorder", () => {
  const { store, truth, relays } = build();
  const now = at(610);
  for (const n of relays) {
    const info = store.relayInfo(n, now);
    const mine = [...truth.values()].filter((t) => t.relays.has(n) && t.type !== 4);
    const c24 = mine.filter((t) => t.fs >= now - 86_400_000 && t.fs <= now);
    const c1 = c24.filter((t) => t.fs >= now - 3_600_000);
    assert.equal(info.count24h, c24.length);
    assert.equal(info.count1h, c1.length);
    assert.equal(info.unscopedCount24h, c24.filter((t) => t.route === 1).length);
    assert.equal(info.lastRelayedMs, Math.max(...mine.map((t) => t.fs)));
  }
  // A node never seen as a resolved hop has nothing, even if its 1-byte prefix is everywhere.
  assert.deepEqual(store.relayInfo(99999, now).count24h, 0);
  // Per-observer counts add up.
  const total = store.observerCounts().reduce((s, o) => s + o.observations, 0);
  assert.equal(total, store.obsCount);
});
