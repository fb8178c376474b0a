import assert from "node:assert/strict";
import { type HopwatchDb, openDatabase } from "../../src/db/database.ts";
import { DbWriter, type FlushInfo, type TransmissionInsert } from "../../src/db/writer.ts";
import { collectLog, rows, scalar, sleep, tempDir } from "./helpers.ts";

function withDb(fn: (hdb: HopwatchDb, dir: string) => Promise<void> | void) {
  return async () => {
    const { dir, cleanup } = tempDir();
    const hdb = openDatabase(`${dir}/w.db`, { log: () => {} });
    try {
      await fn(hdb, dir);
    } finally {
      hdb.close();
      cleanup();
    }
  };
}

function tx(id: number, hash: string, extra: Partial<TransmissionInsert> = {}): TransmissionInsert {
  return {
    id,
    rawHex: "11AA" + hash,
    hash,
    firstSeen: "2026-05-17T18:00:00Z",
    routeType: 1,
    payloadType: 4,
    decodedJson: "{}",
    lastSeen: 1779040800,
    ...extra,
  };
}

function obs(w: DbWriter, transmissionId: number, observerIdx: number, extra = {}) {
  const id = w.nextObservationId();
  w.upsertObservation({
    id,
    transmissionId,
    observerIdx,
    pathJson: '["AB","CD"]',
    timestamp: 1779040800,
    ...extra,
  });
  return id;
}

Deno.test(
  "batches by time: nothing commits before the interval, one batch after",
  withDb(async (hdb) => {
    const w = new DbWriter(hdb, { flushIntervalMs: 120, maxBatchRows: 1000 });
    const infos: FlushInfo[] = [];
    w.onFlush((i) => infos.push(i));
    const o = w.observerIdx("OBS1");
    const t = w.nextTransmissionId();
    w.insertTransmission(tx(t, "0000000000000001"));
    for (let i = 0; i < 9; i++) obs(w, t, o, { pathJson: `["${i}"]`, resolvedPath: null });
    assert.equal(w.pending, 10);
    await sleep(40);
    assert.equal(infos.length, 0);
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations"), 0);
    await sleep(250);
    assert.equal(infos.length, 1);
    assert.equal(infos[0].reason, "time");
    assert.equal(infos[0].rows, 10);
    assert.deepEqual(infos[0].counts, { transmission: 1, observation: 9 });
    assert.equal(w.pending, 0);
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations"), 9);
    await w.close();
  }),
);

Deno.test(
  "batches by count: every maxBatchRows ops is one transaction",
  withDb(async (hdb) => {
    const w = new DbWriter(hdb, { flushIntervalMs: 60_000, maxBatchRows: 100 });
    const infos: FlushInfo[] = [];
    w.onFlush((i) => infos.push(i));
    const o = w.observerIdx("OBS1");
    const t = w.nextTransmissionId();
    w.insertTransmission(tx(t, "0000000000000001"));
    for (let i = 0; i < 249; i++) obs(w, t, o, { pathJson: `["${i}"]` });
    assert.deepEqual(infos.map((i) => [i.reason, i.rows]), [["count", 100], ["count", 100]]);
    assert.equal(w.pending, 50);
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations"), 199);
    await w.flush();
    assert.deepEqual(infos.map((i) => i.reason), ["count", "count", "manual"]);
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations"), 249);
    assert.equal(w.stats.batches, 3);
    assert.equal(w.stats.rows, 250);
    await w.close();
  }),
);

Deno.test(
  "in-process ids match rows, never reuse a deleted max id, and observer rowid comes first",
  withDb(async (hdb) => {
    const w = new DbWriter(hdb);
    const idx = w.observerIdx("NEWOBSERVER");
    // The observer row exists before any packet is flushed.
    assert.equal(scalar(hdb.db, "SELECT rowid FROM observers WHERE id = 'NEWOBSERVER'"), idx);
    assert.equal(w.observerIdx("NEWOBSERVER"), idx);
    assert.throws(() => w.observerIdx(""), /empty id/);
    const ids: Array<[number, number]> = [];
    for (let i = 0; i < 5; i++) {
      const t = w.nextTransmissionId();
      w.insertTransmission(tx(t, `00000000000000a${i}`));
      ids.push([t, obs(w, t, idx)]);
    }
    assert.throws(
      () =>
        w.upsertObservation({
          id: 99,
          transmissionId: 1,
          observerIdx: null as unknown as number,
          pathJson: "[]",
          timestamp: 1,
        }),
      /observer_idx null is not a rowid/,
    );
    await w.close();
    for (const [t, o] of ids) {
      assert.equal(
        scalar(hdb.db, "SELECT hash FROM transmissions WHERE id = ?", t),
        `00000000000000a${ids.findIndex((x) => x[0] === t)}`,
      );
      assert.equal(scalar(hdb.db, "SELECT transmission_id FROM observations WHERE id = ?", o), t);
      assert.equal(scalar(hdb.db, "SELECT observer_idx FROM observations WHERE id = ?", o), idx);
    }
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations WHERE observer_idx IS NULL"), 0);
    // Delete the newest rows: a new writer must not hand their ids out again.
    hdb.db.exec("DELETE FROM observations WHERE id = 5; DELETE FROM transmissions WHERE id = 5");
    const w2 = new DbWriter(hdb);
    assert.equal(w2.nextTransmissionId(), 6);
    assert.equal(w2.nextObservationId(), 6);
    await w2.close();
  }),
);

Deno.test(
  "transmission conflict: first_seen earlier, last_seen forward, id remapped for observations",
  withDb(async (hdb) => {
    const w = new DbWriter(hdb);
    const infos: FlushInfo[] = [];
    w.onFlush((i) => infos.push(i));
    const o = w.observerIdx("OBS1");
    const a = w.nextTransmissionId();
    w.insertTransmission(tx(a, "00000000000000ff", { firstSeen: "2026-05-17T18:00:00Z" }));
    await w.flush();
    const b = w.nextTransmissionId(); // the store did not know the hash: a second id
    w.insertTransmission(tx(b, "00000000000000ff", {
      firstSeen: "2026-05-17T17:00:00Z",
      lastSeen: 1779049999,
      decodedJson: '{"other":1}',
    }));
    const ob = obs(w, b, o);
    await w.flush();
    assert.deepEqual(infos[1].transmissionRemaps, [{ requested: b, actual: a }]);
    assert.deepEqual(
      rows(hdb.db, "SELECT id, first_seen, last_seen, decoded_json FROM transmissions"),
      [
        { id: a, first_seen: "2026-05-17T17:00:00Z", last_seen: 1779049999, decoded_json: "{}" },
      ],
    );
    assert.equal(scalar(hdb.db, "SELECT transmission_id FROM observations WHERE id = ?", ob), a);
    // A later sighting neither moves first_seen later nor last_seen back.
    w.insertTransmission(tx(w.nextTransmissionId(), "00000000000000ff", {
      firstSeen: "2026-05-18T00:00:00Z",
      lastSeen: 1,
    }));
    await w.close();
    assert.equal(scalar(hdb.db, "SELECT first_seen FROM transmissions"), "2026-05-17T17:00:00Z");
    assert.equal(scalar(hdb.db, "SELECT last_seen FROM transmissions"), 1779049999);
    assert.equal(w.stats.transmissionRemaps, 2);
  }),
);

Deno.test(
  "observation upsert: dedup on (tx, observer, path), COALESCE(new, old), tx last_seen raised",
  withDb(async (hdb) => {
    const w = new DbWriter(hdb);
    const infos: FlushInfo[] = [];
    w.onFlush((i) => infos.push(i));
    const o = w.observerIdx("OBS1");
    const t = w.nextTransmissionId();
    w.insertTransmission(tx(t, "0000000000000abc", { lastSeen: 100 }));
    const first = obs(w, t, o, { snr: 5, rssi: -90, score: 3, direction: "rx", timestamp: 200 });
    await w.flush();
    // Same key: NULLs keep the old values, non-NULLs win; the row keeps its id.
    const second = obs(w, t, o, {
      snr: null,
      rssi: -80,
      resolvedPath: '["aa","bb"]',
      rawHex: "11BB",
      direction: "tx",
      timestamp: 300,
    });
    await w.flush();
    assert.deepEqual(infos[1].observationDedups, [{ requested: second, actual: first }]);
    // An all-null resolved path never replaces a good one; a wrong-length one is refused.
    obs(w, t, o, { resolvedPath: "[null,null]", timestamp: 250 });
    obs(w, t, o, { resolvedPath: '["aa"]', timestamp: 250 });
    // Different path, same observer: a new row. Same path as JSON null vs "": same key.
    const other = obs(w, t, o, { pathJson: "[]", timestamp: 400 });
    await w.close();
    assert.deepEqual(
      rows(
        hdb.db,
        "SELECT id, snr, rssi, score, direction, raw_hex, resolved_path, timestamp FROM observations ORDER BY id",
      ),
      [
        {
          id: first,
          snr: 5,
          rssi: -80,
          score: 3,
          direction: "rx",
          raw_hex: "11BB",
          resolved_path: '["aa","bb"]',
          timestamp: 200,
        },
        {
          id: other,
          snr: null,
          rssi: null,
          score: null,
          direction: null,
          raw_hex: null,
          resolved_path: null,
          timestamp: 400,
        },
      ],
    );
    assert.equal(scalar(hdb.db, "SELECT last_seen FROM transmissions"), 400);
    assert.equal(w.stats.observationDedups, 3);
    assert.equal(w.stats.invalidResolvedPaths, 1);
  }),
);

Deno.test(
  "node upsert: COALESCE, advert_count, first_seen earlier, future last_seen clamped",
  withDb(async (hdb) => {
    const now = new Date("2026-05-17T18:00:00Z");
    const w = new DbWriter(hdb, { now: () => now });
    w.upsertNode({
      publicKey: "ABCDEF",
      name: "Alpha",
      role: "repeater",
      lat: 37.5,
      lon: -122.1,
      lastSeen: "2027-01-01T00:00:00Z", // a bad future time
      firstSeen: "2026-05-10T00:00:00Z",
      batteryMv: 3900,
      foreignAdvert: 1,
      multibyteSup: 1,
      advertIncrement: 1,
    });
    await w.flush();
    w.upsertNode({
      publicKey: "abcdef",
      name: null,
      lat: 38,
      lastSeen: "2026-05-17T17:59:00Z",
      firstSeen: "2026-05-01T00:00:00Z",
      multibyteSup: 0,
      defaultScope: "#bay",
      advertIncrement: 1,
    });
    w.upsertNode({ publicKey: "abcdef", lastSeen: "2026-05-17T17:58:00Z", advertIncrement: 0 });
    await w.close();
    assert.deepEqual(rows(hdb.db, "SELECT * FROM nodes"), [{
      public_key: "abcdef",
      name: "Alpha",
      role: "repeater",
      lat: 38,
      lon: -122.1,
      last_seen: "2026-05-17T18:00:00Z", // the future value was clamped to now, then MAX
      first_seen: "2026-05-01T00:00:00Z",
      advert_count: 2,
      battery_mv: 3900,
      temperature_c: null,
      foreign_advert: 1,
      default_scope: "#bay",
      multibyte_sup: 1,
      multibyte_evidence: null,
      last_relayed: null,
      relay_count: 0,
    }]);
  }),
);

Deno.test(
  "observers: packet bookkeeping coalesced, status fields, can_relay_seen, metrics bucket",
  withDb(async (hdb) => {
    const w = new DbWriter(hdb, { now: () => new Date("2026-05-17T18:10:00Z") });
    const infos: FlushInfo[] = [];
    w.onFlush((i) => infos.push(i));
    w.observerIdx("OBSX");
    assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observers WHERE id = 'OBSX'"), 1);
    for (const s of ["2026-05-17T18:00:01Z", "2026-05-17T18:00:03Z", "2026-05-17T18:00:02Z"]) {
      w.upsertObserver({ id: "OBSX", name: "Obs X", iata: "SJC", seenAt: s });
    }
    w.updateObserverStatus({
      id: "OBSX",
      seenAt: "2026-05-17T18:00:04Z",
      model: "Heltec V3",
      radio: "910.525,62.5,7,5",
      noiseFloor: -110,
      canRelay: false,
    });
    w.updateObserverStatus({ id: "OBSY", seenAt: "2026-05-17T18:00:05Z", firmware: "1.9" });
    w.insertObserverMetrics({
      observerId: "OBSX",
      timestamp: "2026-05-17T18:07:59Z",
      noiseFloor: -110,
    });
    w.insertObserverMetrics({ observerId: "OBSX", timestamp: 1779041280, txAirSecs: 12 });
    await w.close();
    assert.equal(infos[0].units, 5); // 3 packet upserts became one statement
    assert.deepEqual(
      rows(
        hdb.db,
        "SELECT id, name, iata, packet_count, first_seen, last_packet_at, last_seen, model, radio, noise_floor, can_relay, can_relay_seen FROM observers ORDER BY id",
      ),
      [
        {
          id: "OBSX",
          name: "Obs X",
          iata: "SJC",
          packet_count: 3,
          first_seen: "2026-05-17T18:00:01Z",
          last_packet_at: "2026-05-17T18:00:03Z",
          last_seen: "2026-05-17T18:00:04Z",
          model: "Heltec V3",
          radio: "910.525,62.5,7,5",
          noise_floor: -110,
          can_relay: 0,
          can_relay_seen: 1,
        },
        {
          id: "OBSY",
          name: null,
          iata: null,
          packet_count: 0,
          first_seen: "2026-05-17T18:00:05Z",
          last_packet_at: null,
          last_seen: "2026-05-17T18:00:05Z",
          model: null,
          radio: null,
          noise_floor: null,
          can_relay: 1,
          can_relay_seen: 0,
        },
      ],
    );
    assert.deepEqual(
      rows(hdb.db, "SELECT timestamp, noise_floor, tx_air_secs FROM observer_metrics"),
      [
        { timestamp: "2026-05-17T18:05:00Z", noise_floor: -110, tx_air_secs: 12 },
      ],
    );
  }),
);

Deno.test(
  "relays, neighbor edges, dropped packets and resolved-path backfill persist",
  withDb(async (hdb) => {
    const w = new DbWriter(hdb, { now: () => new Date("2026-05-17T18:10:00Z") });
    const infos: FlushInfo[] = [];
    w.onFlush((i) => infos.push(i));
    w.upsertNode({ publicKey: "aa11", lastSeen: "2026-05-17T18:00:00Z", advertIncrement: 1 });
    w.touchRelay("AA11", "2026-05-17T18:01:00Z");
    w.touchRelay("aa11", "2026-05-17T18:03:00Z");
    w.touchRelay("aa11", "2026-05-17T18:02:00Z");
    w.touchRelay("ffff", "2026-05-17T18:02:00Z");
    w.upsertNeighborEdge("BB", "aa", 1, "2026-05-17T18:00:00Z");
    w.upsertNeighborEdge("aa", "bb", 2, "2026-05-17T17:00:00Z");
    assert.throws(() => w.upsertNeighborEdge("", "bb", 1, "x"), /empty key/);
    w.insertDroppedPacket({
      hash: "h1",
      rawHex: "11",
      reason: "bad signature",
      nodePubkey: "aa11",
    });
    const o = w.observerIdx("O");
    const t = w.nextTransmissionId();
    w.insertTransmission(tx(t, "000000000000beef"));
    const id = obs(w, t, o);
    await w.flush();
    w.setResolvedPath(id, '["aa11",null]');
    await w.flush();
    assert.equal(scalar(hdb.db, "SELECT resolved_path FROM observations"), '["aa11",null]');
    w.setResolvedPath(id, "[null,null]");
    await w.close();
    assert.deepEqual(infos[0].relaysUnknown, ["ffff"]);
    assert.deepEqual(rows(hdb.db, "SELECT last_relayed, relay_count FROM nodes"), [
      { last_relayed: "2026-05-17T18:03:00Z", relay_count: 3 },
    ]);
    assert.deepEqual(rows(hdb.db, "SELECT * FROM neighbor_edges"), [
      { node_a: "aa", node_b: "bb", count: 3, last_seen: "2026-05-17T18:00:00Z" },
    ]);
    assert.deepEqual(
      rows(hdb.db, "SELECT hash, reason, node_pubkey, dropped_at FROM dropped_packets"),
      [
        {
          hash: "h1",
          reason: "bad signature",
          node_pubkey: "aa11",
          dropped_at: "2026-05-17T18:10:00Z",
        },
      ],
    );
    assert.equal(scalar(hdb.db, "SELECT resolved_path FROM observations"), null);
  }),
);

Deno.test(
  "a failing row is reported and the rest of its batch still commits",
  withDb(async (hdb) => {
    const { log, lines } = collectLog();
    const w = new DbWriter(hdb, { log });
    const infos: FlushInfo[] = [];
    w.onFlush((i) => infos.push(i));
    const o = w.observerIdx("OBS1");
    const t = w.nextTransmissionId();
    w.insertTransmission(tx(t, "0000000000000001"));
    const good1 = obs(w, t, o, { pathJson: '["01"]' });
    const bad = obs(w, 424242, o); // no such transmission: FOREIGN KEY constraint failed
    const good2 = obs(w, t, o, { pathJson: '["02"]' });
    w.upsertObserver({ id: "OBS1", seenAt: "2026-05-17T18:00:00Z" });
    await w.close();
    assert.equal(infos.length, 1);
    assert.equal(infos[0].mode, "row-by-row");
    assert.equal(infos[0].attempts, 3);
    assert.deepEqual(infos[0].failed.map((f) => f.key), [
      `observation ${bad} (transmission 424242)`,
    ]);
    assert.match(infos[0].failed[0].error, /FOREIGN KEY/);
    assert.deepEqual(
      rows(hdb.db, "SELECT id FROM observations ORDER BY id").map((r) => r.id),
      [good1, good2],
    );
    assert.equal(scalar(hdb.db, "SELECT packet_count FROM observers"), 1);
    assert.equal(w.stats.failedRows, 1);
    assert.equal(w.stats.failedBatches, 1);
    assert.ok(
      lines.some((l) => l.level === "error" && l.msg.includes(`Cannot write observation ${bad}`)),
    );
  }),
);

Deno.test(
  "close() flushes everything; HopwatchDb.close() flushes an open writer; closed writer refuses",
  async () => {
    const { dir, cleanup } = tempDir();
    try {
      const hdb = openDatabase(`${dir}/c.db`, { log: () => {} });
      const w = new DbWriter(hdb, { flushIntervalMs: 60_000 });
      const o = w.observerIdx("OBS1");
      const t = w.nextTransmissionId();
      w.insertTransmission(tx(t, "0000000000000001"));
      for (let i = 0; i < 10; i++) obs(w, t, o, { pathJson: `["${i}"]` });
      await w.close();
      assert.equal(w.pending, 0);
      assert.equal(scalar(hdb.db, "SELECT COUNT(*) FROM observations"), 10);
      assert.throws(() => w.insertTransmission(tx(99, "x")), /writer is closed/);
      const w2 = new DbWriter(hdb, { flushIntervalMs: 60_000 });
      for (let i = 10; i < 15; i++) obs(w2, t, o, { pathJson: `["${i}"]` });
      hdb.close(); // runs the writer's close hook first
      const again = openDatabase(`${dir}/c.db`, { log: () => {} });
      assert.equal(scalar(again.db, "SELECT COUNT(*) FROM observations"), 15);
      assert.throws(
        () => new DbWriter(openDatabase(`${dir}/c.db`, { readOnly: true, log: () => {} })),
        /read-only/,
      );
      again.close();
    } finally {
      cleanup();
    }
  },
);
