/**
 * Shared by the reach index tests: a store over a fake SQLite (a map of resolved_path JSON), 24
 * hours of traffic through 8 relays, and the brute-force scan the index must equal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { at, key, newStore, obsInput } from "./helpers.ts";
import type { ReachSums } from "../../src/store/reach_index.ts";
import type { PacketStore } from "../../src/store/packet_store.ts";
import type { NodeDirectory } from "../../src/store/node_directory.ts";

/** Deterministic PRNG. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** What the test knows of each observation it stored. */
export interface Known {
  txId: number;
  ts: number;
  observer: string;
  snr: number | null;
  from: number;
  path: Int32Array | null;
}

/** Brute force over the known live observations: the sums a fresh scan gives. */
export function scan(store: PacketStore, known: Map<number, Known>, node: number, since: number) {
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

/** Map entries sorted by key. */
export const sorted = <V>(m: Map<number, V>) => [...m.entries()].sort((a, b) => a[0] - b[0]);

/** Asserts the index equals the scan for `nodes` over ten windows. */
export function assertSame(
  store: PacketStore,
  known: Map<number, Known>,
  nodes: number[],
  label: string,
) {
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
export function setup(rows: Map<number, string | null>) {
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

/** The resolved_path JSON of a path. */
export function json(nodes: NodeDirectory, p: Int32Array | null): string | null {
  return p ? JSON.stringify(Array.from(p, (x) => (x < 0 ? null : nodes.keyOf(x)))) : null;
}

/**
 * 24 hours of traffic through 8 relays; hop bytes hold each resolved node's first byte. `live`
 * false adds them as a load does (the reach index is not fed).
 */
export function fill(
  store: PacketStore,
  nodes: NodeDirectory,
  rows: Map<number, string | null>,
  live = true,
) {
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
        { live },
      );
      known.set(id, { txId, ts: at(minute + k), observer, snr, from, path: usable ? path : null });
    }
  }
  return { relays, known, next: obsId, rand };
}
