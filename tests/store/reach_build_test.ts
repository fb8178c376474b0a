import assert from "node:assert/strict";
import { obsInput } from "./helpers.ts";
import { buildReach } from "../../src/store/reach_build.ts";
import { OBSF } from "../../src/store/obs_table.ts";
import { assertSame, fill, json, setup } from "./reach_helpers.ts";

Deno.test("reach build after a load stays exact through ingest, repeats, re-resolution and removal during it", async () => {
  const rows = new Map<number, string | null>();
  const { store, nodes } = setup(rows);
  const { relays, known, rand, ...f } = fill(store, nodes, rows, false);
  assert.equal(store.reach.ready, false, "a load leaves the index not ready");
  assert.equal(store.reach.live, 0, "a load feeds the index nothing");
  let obsId = f.next;
  let txId = 10_000;
  const firstByte = (n: number) => parseInt(nodes.keyOf(n).slice(0, 2), 16);
  const pick = () => relays[Math.floor(rand() * relays.length)];
  const resolvedIds = () => [...known.entries()].filter(([, k]) => k.path).map(([id]) => id);
  // SQLite lags one step behind a re-resolution (the writer's queue)
  let lagging = new Map<number, string | null>();
  let pauses = 0, added = 0, repeats = 0, moved = 0, removed = 0;

  const step = () => {
    for (const [id, v] of lagging) if (rows.has(id)) rows.set(id, v);
    lagging = new Map();
    assert.equal(store.reach.ready, false, "not ready while building");
    const k = pauses++ % 4;
    if (k === 0) {
      // new live observations
      for (let i = 0; i < 3; i++) {
        const path = Int32Array.from({ length: 1 + Math.floor(rand() * 3) }, pick);
        const minute = Math.floor(rand() * 24 * 60);
        const id = obsId++;
        const t = txId++;
        rows.set(id, json(nodes, path));
        store.addObservation(
          obsInput({ txId: t, obsId: id, at: minute, hops: Array.from(path, firstByte), snr: 2 }),
          path,
        );
        known.set(id, {
          txId: t,
          ts: obsInput({ txId: t, obsId: id, at: minute }).timestampMs,
          observer: "OBS1",
          snr: 2,
          from: -1,
          path,
        });
        added++;
      }
    } else if (k === 1) {
      // a merged repeat with a new SNR
      const rid = resolvedIds()[Math.floor(rand() * resolvedIds().length)];
      const rk = known.get(rid)!;
      const os = store.obsById.get(rid);
      const snr = Math.round(rand() * 40) / 4;
      store.addObservation(
        obsInput({
          txId: rk.txId,
          obsId: obsId++,
          at: 0,
          obsAt: (rk.ts - obsInput({ txId: 1, obsId: 1, at: 0 }).timestampMs) / 60_000,
          hops: Array.from(store.obs.hopsOf(os)),
          observer: rk.observer,
          snr,
          payloadType: rk.from >= 0 ? 4 : 2,
          fromNodeId: rk.from,
        }),
        null,
      );
      rk.snr = snr;
      repeats++;
    } else if (k === 2) {
      // re-resolution of a few stored observations (SQLite updated at the next step)
      const all = resolvedIds();
      for (let i = 0; i < 3; i++) {
        const id = all[Math.floor(rand() * all.length)];
        const kn = known.get(id)!;
        const hb = store.obs.hopsOf(store.obsById.get(id));
        const next = Int32Array.from(hb, (b) => relays.find((r) => firstByte(r) === b) ?? -1);
        const usable = next.some((x) => x >= 0);
        store.replaceResolved(id, kn.path, usable ? next : null);
        kn.path = usable ? next : null;
        lagging.set(id, json(nodes, kn.path));
        moved++;
      }
    } else {
      // memory eviction of two transmissions (their SQLite rows stay)
      const victims = [...new Set([...known.values()].map((x) => x.txId))]
        .filter(() => rand() < 0.01).slice(0, 2);
      store.removeTransmissions(victims);
      for (const [id, x] of known) if (victims.includes(x.txId)) known.delete(id);
      removed += victims.length;
    }
    return Promise.resolve();
  };

  const r = await buildReach(store, { maxSliceMs: 0, pauseMs: 0, batchSize: 25, afterPause: step });
  assert.equal(r.state, "done");
  assert.ok(pauses >= 20, `the build paused ${pauses} times`);
  assert.ok(added > 0 && repeats > 0 && moved > 0 && removed > 0);
  assert.equal(store.reach.ready, true);
  assert.equal(r.unreadable, 0);
  assert.equal(store.reach.lost, 0);
  assertSame(store, known, relays, "after the build");
  assert.equal(store.reach.live, [...known.values()].filter((k) => k.path).length);
  store.obs.forEachLive((_s, c, row) => {
    if (c.flags[row] & OBSF.RESOLVED) assert.ok(c.flags[row] & OBSF.REACH, "every path is in");
  });
  // ingest after it is fed as before
  const again = await buildReach(store);
  assert.equal(again.fed, 0, "a second build finds nothing left");
});

Deno.test("reach build: a stopped build leaves the index not ready and a later one completes it", async () => {
  const rows = new Map<number, string | null>();
  const { store, nodes } = setup(rows);
  const { relays, known } = fill(store, nodes, rows, false);
  const ctl = new AbortController();
  const first = await buildReach(store, {
    maxSliceMs: 0,
    pauseMs: 0,
    batchSize: 40,
    signal: ctl.signal,
    afterPause: () => Promise.resolve(ctl.abort()),
  });
  assert.equal(first.state, "stopped");
  assert.equal(first.fed, 40);
  assert.equal(store.reach.ready, false);
  const rest = await buildReach(store, { maxSliceMs: 0, pauseMs: 0 });
  assert.equal(rest.state, "done");
  assert.equal(first.fed + rest.fed, [...known.values()].filter((k) => k.path).length);
  assertSame(store, known, relays, "after two builds");
  // a path SQLite lost is left out and counted, not fed
  const { store: s2, nodes: n2 } = setup(rows);
  const f2 = fill(s2, n2, rows, false);
  const gone = [...f2.known.entries()].filter(([, k]) => k.path).slice(0, 5).map(([id]) => id);
  for (const id of gone) rows.delete(id);
  const r2 = await buildReach(s2, { maxSliceMs: 0, pauseMs: 0 });
  assert.equal(r2.unreadable, 5);
  assert.equal(s2.reach.unreadable, 5);
});
