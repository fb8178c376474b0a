import assert from "node:assert/strict";
import {
  Backfill,
  type BackfillChange,
  type BackfillRow,
  type BackfillSource,
} from "../../src/resolve/backfill.ts";
import { east, makeMesh, T0_MS } from "./helpers.ts";

const BASE = { lat: 37.77, lon: -122.42 };
const at = (km: number) => east(BASE.lat, BASE.lon, km);
const NOW = T0_MS + 2 * 3600_000;

/** A mesh where "C1 AB" resolves AB to A1 only once the graph knows U-A1. */
function setup() {
  const mesh = makeMesh([
    { key: "c1", name: "U", ...at(0) },
    { key: "ab", name: "A1", ...at(5) },
    { key: "ab", name: "A2", ...at(6) },
    { key: "c2", name: "V", ...at(9) },
  ]);
  return mesh;
}

/** In-memory store rows: ids 1..n, three shapes of row cycling. */
function rows(n: number, id: (name: string) => number): BackfillRow[] {
  const out: BackfillRow[] = [];
  for (let k = 1; k <= n; k++) {
    const shape = k % 3;
    out.push({
      observationId: k * 2, // gaps, like a real table
      txId: 1000 + k,
      pathHex: shape === 2 ? "c2" : "c1ab",
      hashSize: 1,
      hopCount: shape === 2 ? 1 : 2,
      currentNodeIds: shape === 0
        ? null // never resolved
        : shape === 1
        ? Int32Array.of(id("U"), -1) // resolved before the graph knew A1
        : Int32Array.of(id("V")), // already right
      timestampMs: NOW - 60_000,
    });
  }
  return out;
}

function source(all: BackfillRow[], log: { limits: number[]; applied: BackfillChange[][] }) {
  const src: BackfillSource = {
    listCandidates(cursor, limit) {
      log.limits.push(limit);
      return all.filter((r) => r.observationId > cursor).slice(0, limit);
    },
    apply(changes) {
      log.applied.push(changes);
    },
    countCandidates: () => all.length,
  };
  return src;
}

Deno.test("backfill: fills and improves rows in bounded, yielding slices with exact changes", async () => {
  const { resolver, id } = setup();
  resolver.graph.addEdge(id("U"), id("A1"), T0_MS, 5); // the graph learned U-A1 since
  const all = rows(3000, id);
  const log = { limits: [] as number[], applied: [] as BackfillChange[][] };
  let clock = 0; // a fake clock: every reading advances 1 ms
  const job = new Backfill(resolver, source(all, log), {
    batchSize: 200,
    maxSliceMs: 3,
    now: () => NOW + clock++,
  });
  assert.equal(job.progress.state, "idle");
  let ticks = 0; // proves the job yields to the event loop between slices
  const timer = setInterval(() => ticks++, 0);
  const running = job.run();
  assert.equal(job.progress.state, "running");
  const done = await running;
  clearInterval(timer);
  assert.equal(done.state, "done");
  assert.equal(done.done, 3000);
  assert.equal(done.total, 3000);
  assert.equal(done.skipped, 0);
  assert.ok(done.ratePerSec > 0);
  clock += 3_600_000; // an hour idle after the run: its rate is the run's, not one decaying
  assert.equal(job.progress.ratePerSec, done.ratePerSec);
  assert.equal(typeof done.startedAt, "string");
  assert.ok(log.limits.every((l) => l === 200));
  // A slice ends once 3 ms have passed: 3 rows per slice on this clock.
  assert.ok(log.applied.every((batch) => batch.length <= 3), "slices are bounded");
  assert.equal(job.slices, 15 * Math.ceil(200 / 3)); // 15 batches of 200 rows
  assert.ok(ticks > 0, "the event loop ran while the job worked");
  const changes = log.applied.flat();
  // Exactly the two stale shapes change, to [U, A1]; the right rows are untouched.
  assert.equal(done.changed, 2000);
  assert.equal(changes.length, 2000);
  for (const c of changes) {
    assert.notEqual((c.observationId / 2) % 3, 2); // never an already-right row
    assert.deepEqual([...c.newIds], [id("U"), id("A1")]);
    const row = all.find((r) => r.observationId === c.observationId)!;
    assert.equal(c.txId, row.txId);
    assert.deepEqual(c.oldIds, row.currentNodeIds);
  }
  assert.ok(!changes.some((c) => c.newIds.length === 1));
  // Run again on the updated store: nothing left to change.
  for (const c of changes) {
    all.find((r) => r.observationId === c.observationId)!.currentNodeIds = c.newIds;
  }
  const again = await new Backfill(resolver, source(all, log), { now: () => NOW }).run();
  assert.equal(again.changed, 0);
});

Deno.test("backfill: keeps proven hops, skips old and malformed rows, can stop and fail", async () => {
  const { resolver, id } = setup();
  const base: BackfillRow = {
    observationId: 1,
    txId: 1,
    pathHex: "c1ab",
    hashSize: 1,
    hopCount: 2,
    currentNodeIds: null,
    timestampMs: NOW,
  };
  const list: BackfillRow[] = [
    // The graph no longer supports A1 (no edge), but it was proven: kept.
    { ...base, observationId: 1, currentNodeIds: Int32Array.of(-1, id("A1")) },
    // Outside the 24-hour window: not touched.
    { ...base, observationId: 2, timestampMs: NOW - 25 * 3600_000 },
    // Malformed: counted, the job goes on.
    { ...base, observationId: 3, pathHex: "zz" },
    { ...base, observationId: 4, hopCount: 5 },
    // Nothing resolvable and nothing stored: no change (all-null stays NULL).
    { ...base, observationId: 5, pathHex: "ee", hopCount: 1 },
  ];
  const log = { limits: [] as number[], applied: [] as BackfillChange[][] };
  const p = await new Backfill(resolver, source(list, log), { now: () => NOW }).run();
  assert.equal(p.state, "done");
  assert.equal(p.done, 5);
  assert.equal(p.skipped, 2);
  const changes = log.applied.flat();
  assert.deepEqual(changes.map((c) => c.observationId), [1]);
  assert.deepEqual([...changes[0].newIds], [id("U"), id("A1")]);

  const many = rows(2000, id);
  const stopper = new Backfill(resolver, source(many, log), { batchSize: 50, now: () => NOW });
  const run = stopper.run();
  stopper.stop();
  const stopped = await run;
  assert.equal(stopped.state, "stopped");
  assert.ok(stopped.done < 2000);
  await assert.rejects(async () => {
    const j = new Backfill(resolver, source(many, log));
    const first = j.run();
    try {
      await j.run();
    } finally {
      await first;
    }
  }, /Cannot start backfill: already running/);

  const failing = await new Backfill(resolver, {
    listCandidates() {
      throw new Error("Cannot read observations: disk I/O error");
    },
    apply() {},
  }).run();
  assert.equal(failing.state, "failed");
  assert.match(failing.error!, /disk I\/O error/);
  assert.throws(
    () => new Backfill(resolver, source([], log), { backfillHours: -1 }),
    /Cannot start backfill: backfillHours -1 is negative/,
  );
});
