import assert from "node:assert/strict";
import { at, key, newStore, obsInput } from "./helpers.ts";
import { REACH_BUCKET_MS, type ReachSums } from "../../src/store/reach_index.ts";
import type { PacketStore } from "../../src/store/packet_store.ts";
import type { NodeDirectory } from "../../src/store/node_directory.ts";

/** Deterministic PRNG. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** What the test knows of each observation it stored. */
interface Known {
  txId: number;
  ts: number;
  observer: string;
  snr: number | null;
  from: number;
  path: Int32Array | null;
}

/** Brute force over the known live observations: the sums a fresh scan gives. */
function scan(store: PacketStore, known: Map<number, Known>, node: number, since: number) {
  const out: ReachSums = { relay: 0, we: new Map(), they: new Map(), direct: new Map() };
  const inc = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const k of known.values()) {
    const p = k.path;
    if (!p || k.ts < since || !p.includes(node)) continue;
    out.relay++;
    for (let i = 0; i < p.length; i++) {
      if (p[i] !== node) continue;
      const prev = i > 0 ? p[i - 1] : k.from;
      if (prev >= 0 && prev !== node) inc(out.we, prev);
      if (i < p.length - 1) {
        if (p[i + 1] >= 0 && p[i + 1] !== node) inc(out.they, p[i + 1]);
      } else {
        const ob = store.observers.find(k.observer);
        const a = out.direct.get(ob) ?? [0, 0, 0];
        a[0]++;
        if (k.snr !== null) {
          a[1] += k.snr;
          a[2]++;
        }
        out.direct.set(ob, a);
      }
    }
  }
  return out;
}

const sorted = <V>(m: Map<number, V>) => [...m.entries()].sort((a, b) => a[0] - b[0]);

function assertSame(store: PacketStore, known: Map<number, Known>, nodes: number[], label: string) {
  // windows on a bucket boundary, in the first and second half of a bucket, before and after all
  const sinces = [
    at(0),
    at(61.5),
    at(2 * 60 + 59),
    at(3 * 60 + 1),
    at(7 * 60 + 13),
    at(11 * 60 + 59),
    at(12 * 60),
    at(20 * 60),
    at(-600),
    at(30 * 60),
  ];
  for (const n of nodes) {
    for (const since of sinces) {
      const got = store.reachSums(n, since);
      const want = scan(store, known, n, since);
      const where = `${label}: node ${n} since ${new Date(since).toISOString()}`;
      assert.equal(got.relay, want.relay, `${where} relay`);
      assert.deepEqual(sorted(got.we), sorted(want.we), `${where} we`);
      assert.deepEqual(sorted(got.they), sorted(want.they), `${where} they`);
      assert.deepEqual(sorted(got.direct), sorted(want.direct), `${where} direct`);
    }
  }
}

/** A store whose "SQLite" is `rows` (obs id -> resolved_path JSON) and a small live window. */
function setup(rows: Map<number, string | null>) {
  return newStore({
    liveWindow: 20,
    lruMax: 30,
    fetchResolvedPaths: (ids) => {
      const out = new Map<number, string | null>();
      for (const id of ids) if (rows.has(id)) out.set(id, rows.get(id)!);
      return out;
    },
  });
}

function json(nodes: NodeDirectory, p: Int32Array | null): string | null {
  return p ? JSON.stringify(Array.from(p, (x) => (x < 0 ? null : nodes.keyOf(x)))) : null;
}

/** 24 hours of traffic through 8 relays; hop bytes hold each resolved node's first byte. */
function fill(store: PacketStore, nodes: NodeDirectory, rows: Map<number, string | null>) {
  const rand = rng(7);
  const relays = Array.from({ length: 8 }, (_, i) => nodes.intern(key(i + 1, 0x30 + (i % 6))));
  const firstByte = (n: number) => parseInt(nodes.keyOf(n).slice(0, 2), 16);
  const known = new Map<number, Known>();
  const pick = () => relays[Math.floor(rand() * relays.length)];
  const observers = ["OBS1", "OBS2", "OBS3", key(1, 0x30)];
  let obsId = 1;
  for (let txId = 1; txId <= 600; txId++) {
    const minute = Math.floor(rand() * 24 * 60);
    const advert = rand() < 0.2;
    const from = advert ? pick() : -1;
    for (let k = 0, nk = 1 + Math.floor(rand() * 3); k < nk; k++) {
      const len = Math.floor(rand() * 5);
      const path = Int32Array.from({ length: len }, () => rand() < 0.15 ? -1 : pick());
      if (len >= 2 && rand() < 0.1) path[1] = path[0];
      const hops = Array.from(path, (x, i) => x >= 0 ? firstByte(x) : (txId + i * 7 + k) & 0xff);
      const observer = observers[k % observers.length];
      const snr = rand() < 0.2 ? null : Math.round((rand() * 30 - 15) * 4) / 4;
      const id = obsId++;
      const usable = len > 0 && path.some((x) => x >= 0);
      rows.set(id, json(nodes, usable ? path : null));
      store.addObservation(
        obsInput({
          txId,
          obsId: id,
          at: minute,
          obsAt: minute + k,
          hops,
          observer,
          snr,
          payloadType: advert ? 4 : 2,
          fromNodeId: from,
        }),
        usable ? path : null,
      );
      known.set(id, { txId, ts: at(minute + k), observer, snr, from, path: usable ? path : null });
    }
  }
  return { relays, known, next: obsId, rand };
}

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
