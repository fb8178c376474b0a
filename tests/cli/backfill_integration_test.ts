/**
 * The hop-resolution backfill end to end, on real SQLite files and the real
 * component stack (`createStack`, `loadGraph`, `loadStore`, `BackgroundJobs`,
 * `SqlBackfillSource`): what it writes survives a fresh load unchanged, and a
 * re-run after the evidence changed moves a transmission between two relays'
 * membership entries with nothing stale left behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DEFAULTS, type HopwatchConfig } from "../../src/cli/config.ts";
import { localPacketMessage } from "../../src/ingest/messages.ts";
import { createStack, type Stack } from "../../src/cli/stack.ts";
import { BackgroundJobs } from "../../src/cli/background_jobs.ts";
import { SqlBackfillSource } from "../../src/cli/backfill_source.ts";
import { Backfill } from "../../src/resolve/backfill.ts";
import { loadGraph } from "../../src/resolve/graph_persistence.ts";
import { loadStore } from "../../src/store/loader.ts";
import { generate } from "../../src/sim/generate.ts";
import { type Identity, identityFromSeed } from "../../src/sim/keys.ts";
import {
  buildAdvertPayload,
  bytesToHex,
  encodePacket,
  PAYLOAD,
  ROUTE,
} from "../../src/meshcore/encode.ts";
import { Logger } from "../../src/log/logger.ts";

const log = new Logger("error");

function configFor(dbPath: string, backfillHours = 24): HopwatchConfig {
  return { ...DEFAULTS, dbPath, backfillHours, raw: {}, configPath: null };
}

/** A stack over `dbPath` with the neighbor graph and the store loaded, as the server does. */
async function openLoaded(config: HopwatchConfig): Promise<Stack> {
  const stack = createStack(config, { log });
  loadGraph(stack.hdb.db, stack.nodes, stack.resolver.graph);
  await loadStore(stack.hdb.db, stack.store, stack.nodes, { workers: 0 });
  return stack;
}

/** Transmission ids the store lists through the node with key `key` (all of them, ascending). */
function through(stack: Stack, key: string): number[] {
  const id = stack.nodes.idOf(key);
  if (id === undefined) return [];
  return stack.store.throughNode(id, { order: "asc", limit: 1e9 }).ids;
}

/** Every key the stack interned, mapped to its membership list (non-empty lists only). */
function membership(stack: Stack): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let id = 0; id < stack.nodes.internedCount; id++) {
    const ids = stack.store.throughNode(id, { order: "asc", limit: 1e9 }).ids;
    if (ids.length > 0) out.set(stack.nodes.keyOf(id), ids);
  }
  return out;
}

/** Keys whose membership lists differ between two snapshots. */
function membershipDiff(a: Map<string, number[]>, b: Map<string, number[]>): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (JSON.stringify(a.get(key) ?? []) !== JSON.stringify(b.get(key) ?? [])) out.push(key);
  }
  return out.sort();
}

function assertConsistent(stack: Stack, label: string): void {
  const report = stack.store.checkConsistency();
  assert.ok(report.ok, `${label}: ${report.errors.slice(0, 5).join("; ")}`);
}

Deno.test("backfill of a generated S database: a fresh load sees the same membership index", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-backfill-it-" });
  try {
    const dbPath = `${dir}/s.db`;
    const nowSec = Math.floor(Date.now() / 1000);
    await generate({ shape: "S", out: dbPath, seed: 3, now: nowSec });

    // Whole span (1 day) plus margin.
    const config = configFor(dbPath, 72);
    const first = createStack(config, { log });
    first.hdb.db.exec("UPDATE observations SET resolved_path = NULL");
    const graph = loadGraph(first.hdb.db, first.nodes, first.resolver.graph);
    assert.ok(graph.loaded > 0, "the generated database has neighbor edges");
    await loadStore(first.hdb.db, first.store, first.nodes, { workers: 0 });
    // Nothing is resolved yet: every membership list is empty.
    assert.equal(membership(first).size, 0);

    const withPath = Number(
      first.hdb.db.prepare(
        `SELECT COUNT(*) AS n FROM observations WHERE path_json IS NOT NULL AND path_json <> '[]'`,
      ).get()!.n,
    );
    assert.ok(withPath > 1000, `S has ${withPath} observations with a path`);

    const jobs = new BackgroundJobs({ ...first, config, log });
    const progress = await jobs.backfill();
    assert.ok(progress, "the first backfill runs");
    assert.equal(progress.state, "done");
    assert.equal(progress.total, withPath);
    assert.equal(progress.done, progress.total);
    assert.ok(progress.changed > 0.8 * withPath, `changed ${progress.changed} of ${withPath}`);
    // The job keeps reporting the finished run (ratePerSec is recomputed, so not compared).
    const { ratePerSec: _rate, ...reported } = jobs.backfillProgress!;
    const { ratePerSec: _rate2, ...final } = progress;
    assert.deepEqual(reported, final);
    await first.writer.flush();

    const resolved = Number(
      first.hdb.db.prepare(
        `SELECT COUNT(*) AS n FROM observations
          WHERE path_json IS NOT NULL AND path_json <> '[]' AND resolved_path IS NOT NULL`,
      ).get()!.n,
    );
    assert.ok(resolved > 0.8 * withPath, `resolved ${resolved} of ${withPath} observations`);
    assertConsistent(first, "store after the backfill");

    // A second, independent stack over the same file: only what the backfill wrote.
    const second = await openLoaded(config);
    try {
      assertConsistent(second, "freshly loaded store");
      const a = membership(first);
      const b = membership(second);
      assert.ok(a.size > 10, `${a.size} nodes relay something`);
      assert.deepEqual(membershipDiff(a, b), []);
      for (const [key, ids] of a) assert.deepEqual(b.get(key), ids, `throughNode(${key})`);

      // The same rows the backfill resolved, straight from SQL (not through a loader).
      let pairs = 0;
      for (
        const row of second.hdb.db.prepare(
          "SELECT transmission_id AS tx, resolved_path AS rp FROM observations WHERE resolved_path IS NOT NULL",
        ).all()
      ) {
        for (const key of JSON.parse(String(row.rp)) as (string | null)[]) {
          if (key === null) continue;
          assert.ok(a.get(key)?.includes(Number(row.tx)), `tx ${row.tx} through ${key}`);
          pairs++;
        }
      }
      assert.ok(pairs > withPath, `${pairs} resolved hops`);

      // A re-run with the same evidence finds nothing to change.
      const again = new Backfill(
        first.resolver,
        new SqlBackfillSource(first.hdb.db, first.nodes, first.store, first.writer, log),
        { backfillHours: config.backfillHours },
      );
      const p2 = await again.run();
      assert.equal(p2.state, "done");
      assert.equal(p2.done, withPath);
      assert.equal(p2.changed, 0);

      // The comparison can fail: one hop of one row moved to another relay in SQL only.
      const row = second.hdb.db.prepare(
        `SELECT id, transmission_id AS tx, resolved_path AS rp FROM observations
          WHERE resolved_path IS NOT NULL AND resolved_path NOT LIKE '%null%' LIMIT 1`,
      ).get()!;
      const keys = JSON.parse(String(row.rp)) as string[];
      const other = [...a.keys()].find((k) => !a.get(k)!.includes(Number(row.tx)))!;
      keys[0] = other;
      second.hdb.db.prepare("UPDATE observations SET resolved_path = ? WHERE id = ?")
        .run(JSON.stringify(keys), Number(row.id));
      const tampered = await openLoaded(config);
      try {
        assert.ok(membershipDiff(a, membership(tampered)).includes(other));
      } finally {
        await tampered.close();
      }
    } finally {
      await second.close();
    }
    await first.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backfill visits the whole window: id gaps, old rows and malformed paths", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-backfill-gaps-" });
  try {
    const dbPath = `${dir}/s.db`;
    await generate({ shape: "S", out: dbPath, seed: 5, now: Math.floor(Date.now() / 1000) });
    const config = configFor(dbPath, 72);
    const stack = createStack(config, { log });
    const db = stack.hdb.db;
    db.exec("UPDATE observations SET resolved_path = NULL");
    const candidates = db.prepare(
      `SELECT id FROM observations WHERE path_json IS NOT NULL AND path_json <> '[]' ORDER BY id`,
    ).all().map((r) => Number(r.id));
    // The first 600 rows are 10 days old: outside the 72 h window.
    const oldIds = candidates.slice(0, 600);
    db.prepare("UPDATE observations SET timestamp = timestamp - 864000 WHERE id <= ?")
      .run(oldIds[oldIds.length - 1]);
    // Rows after the 1,500th candidate move 100,000 ids up: a gap wider than one SQL step.
    const gapAfter = candidates[1499];
    db.prepare("UPDATE observations SET id = id + 100000 WHERE id > ?").run(gapAfter);
    // Unusable paths inside the window, in the first batch (used to end the job there).
    const bad = ["garbage", '[""]', "[1]", '["abc"]', '["ab","cdef"]'];
    bad.forEach((p, i) =>
      db.prepare("UPDATE observations SET path_json = ? WHERE id = ?").run(p, candidates[700 + i])
    );
    loadGraph(db, stack.nodes, stack.resolver.graph);
    await loadStore(db, stack.store, stack.nodes, { workers: 0 });

    const inWindow = candidates.length - oldIds.length;
    const p = await new BackgroundJobs({ ...stack, config, log }).backfill();
    assert.ok(p);
    assert.equal(p.state, "done");
    assert.equal(p.total, inWindow);
    assert.equal(p.done, inWindow);
    assert.equal(p.skipped, bad.length);
    await stack.writer.flush();

    const count = (where: string) =>
      Number(db.prepare(`SELECT COUNT(*) AS n FROM observations WHERE ${where}`).get()!.n);
    assert.equal(count(`id <= ${oldIds[oldIds.length - 1]} AND resolved_path IS NOT NULL`), 0);
    const afterGap = count(`id > 100000 AND path_json <> '[]'`);
    assert.ok(afterGap > 500, `${afterGap} rows after the gap`);
    assert.ok(
      count("id > 100000 AND resolved_path IS NOT NULL") > 0.8 * afterGap,
      "rows after the gap are resolved",
    );
    assertConsistent(stack, "after the backfill");
    await stack.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A deterministic identity whose public key starts with `firstByte`. */
async function identityWithPrefix(firstByte: number, salt: number): Promise<Identity> {
  const seed = new Uint8Array(32);
  seed[0] = salt;
  for (let i = 0; i < 1 << 16; i++) {
    seed[1] = i & 0xff;
    seed[2] = i >> 8;
    const id = await identityFromSeed(seed);
    if (id.publicKey[0] === firstByte) return id;
  }
  throw new Error(`Cannot derive a key starting with ${firstByte.toString(16)}`);
}

/** A signed flood ADVERT of `who` at a location, heard over `hops`. */
async function advert(
  who: Identity,
  opts: { role: string; lat: number; lon: number; name: string; timestamp: number },
  hops: string[],
): Promise<string> {
  const payload = await buildAdvertPayload({
    privateKey: who.privateKey,
    publicKey: who.publicKey,
    timestamp: opts.timestamp,
    role: opts.role,
    lat: opts.lat,
    lon: opts.lon,
    name: opts.name,
  });
  return bytesToHex(
    encodePacket({
      routeType: ROUTE.FLOOD,
      payloadType: PAYLOAD.ADVERT,
      hashSize: 1,
      hops,
      payload,
    }),
  );
}

Deno.test("backfill re-run after the evidence changed moves a transmission to the other relay", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-backfill-move-" });
  try {
    const dbPath = `${dir}/tiny.db`;
    const config = configFor(dbPath, 24);
    const stack = createStack(config, { log });
    const { pipeline, store, writer, hdb } = stack;

    // Two repeaters sharing the 1-byte prefix 0x5a, an originator and an observer.
    const relayA = await identityWithPrefix(0x5a, 1);
    const relayB = await identityWithPrefix(0x5a, 2);
    const origin = await identityWithPrefix(0x11, 3);
    const keyA = relayA.keyHex.toLowerCase();
    const keyB = relayB.keyHex.toLowerCase();
    assert.notEqual(keyA, keyB);

    const t0 = Date.now() - 3_600_000;
    let clock = t0;
    const ingest = async (raw: string) => {
      clock += 1000;
      const r = await pipeline.ingestPacket(
        localPacketMessage(raw, "0b5e47e4", {
          source: "test",
          receivedAtMs: clock,
          observerName: "observer",
          iata: "SFO",
          snr: 5,
          rssi: -90,
        }),
      );
      assert.ok(r.status === "stored", `ingest: ${JSON.stringify(r.status)}`);
      return r;
    };
    const near = { lat: 37.52, lon: -122.12 }; // ~3 km from the originator
    const far = { lat: 45.5, lon: -110.0 }; // ~1,300 km away: beyond the 150 km link limit
    const ts = Math.floor(t0 / 1000);
    await ingest(await advert(relayA, { role: "repeater", ...near, name: "A", timestamp: ts }, []));
    await ingest(await advert(relayB, { role: "repeater", ...far, name: "B", timestamp: ts }, []));
    const heard = await ingest(
      await advert(
        origin,
        { role: "companion", lat: 37.5, lon: -122.1, name: "O", timestamp: ts + 10 },
        ["5A"],
      ),
    );
    const txId = heard.txId!;
    const obsId = heard.obsId!;
    await writer.flush();

    const sqlResolved = () =>
      hdb.db.prepare("SELECT resolved_path AS rp FROM observations WHERE id = ?").get(obsId)!.rp;
    // At ingest the hop is A (B is out of range of the originator).
    assert.equal(sqlResolved(), JSON.stringify([keyA]));
    assert.deepEqual(through(stack, keyA), [txId]);
    assert.deepEqual(through(stack, keyB), []);
    assertConsistent(stack, "after ingest");

    // The server's job: it re-runs only when the evidence changed since its last run.
    const jobs = new BackgroundJobs({ ...stack, config, log });
    const runBackfill = async () => {
      const p = await jobs.backfill();
      await writer.flush();
      assert.ok(p !== null);
      assert.equal(p.state, "done");
      return p;
    };

    // Same evidence: the backfill keeps A (what the assertions below must not see yet).
    const unchanged = await runBackfill();
    assert.equal(unchanged.done, 1);
    assert.equal(unchanged.changed, 0);
    assert.equal(sqlResolved(), JSON.stringify([keyA]));
    assert.deepEqual(through(stack, keyB), []);
    // Nothing changed since: the job does not run again (same progress, same start).
    assert.equal(await jobs.backfill(), unchanged);

    // The evidence changes: A moves far away, B moves in next to the originator (new adverts,
    // heard directly, so they put nobody on a path).
    await ingest(
      await advert(relayA, { role: "repeater", ...far, name: "A", timestamp: ts + 20 }, []),
    );
    await ingest(
      await advert(relayB, { role: "repeater", ...near, name: "B", timestamp: ts + 20 }, []),
    );
    await writer.flush();
    assert.deepEqual(through(stack, keyA), [txId], "adverts alone do not re-resolve old rows");

    // No new edge (the adverts are zero-hop), but two relays moved: the job runs again.
    const moved = await runBackfill();
    assert.notEqual(moved, unchanged);
    assert.equal(moved.done, 1);
    assert.equal(moved.changed, 1);
    assert.equal(sqlResolved(), JSON.stringify([keyB]));
    assert.deepEqual(through(stack, keyA), [], "no stale entry for A");
    assert.deepEqual(through(stack, keyB), [txId]);
    assertConsistent(stack, "after the move");
    const view = store.resolvedPathsFor([obsId]).get(obsId);
    assert.deepEqual(view, [keyB]);

    // A fresh load of the file agrees.
    jobs.stop();
    const fresh = await openLoaded(config);
    try {
      assert.deepEqual(through(fresh, keyA), []);
      assert.deepEqual(through(fresh, keyB), [txId]);
      assertConsistent(fresh, "fresh load after the move");
    } finally {
      await fresh.close();
    }
    await stack.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
