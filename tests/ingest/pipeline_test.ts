import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { contentHash, decodePacket, hexToBytes } from "../../src/meshcore/mod.ts";
import { createTestStack as createStack, fixturePath, packetMsg } from "./pipeline_harness.ts";

const OBS_A = "A".repeat(64);
const OBS_B = "B".repeat(64);

interface Row {
  id: number;
  raw_hex: string;
  payload_type: number;
}

function fixtureRaw(): Row[] {
  const db = new DatabaseSync(fixturePath("corescope-e2e.db"), { readOnly: true });
  try {
    // Adverts first, so relays are known to the prefix table when the rest arrives.
    return db.prepare(
      "SELECT id, raw_hex, payload_type FROM transmissions ORDER BY payload_type <> 4, id",
    ).all() as unknown as Row[];
  } finally {
    db.close();
  }
}

// Row 465 (path byte claims 37 two-byte hops, over the firmware's 64-byte limit) is rejected by
// the decoder on purpose (meshcore-wire §1.3); the pipeline must drop it, and it does (below).
const allRows = fixtureRaw();
const rows = allRows.filter((r) => decodePacket(r.raw_hex).valid);
const distinctHashes = new Set(rows.map((r) => contentHash(hexToBytes(r.raw_hex)!))).size;

Deno.test("pipeline: fixture packets de-duplicate across observers and persist", async () => {
  const s = createStack();
  try {
    assert.deepEqual(allRows.filter((r) => !rows.includes(r)).map((r) => r.id), [465]);
    const bad = await s.pipeline.ingestPacket(
      packetMsg(allRows.find((r) => r.id === 465)!.raw_hex, OBS_A),
    );
    assert.equal(bad.status === "dropped" && bad.reason, "decode-error");
    for (const r of rows) {
      const out = await s.pipeline.ingestPacket(packetMsg(r.raw_hex, OBS_A));
      assert.notEqual(out.status, "dropped", `row ${r.id}: ${JSON.stringify(out)}`);
    }
    assert.equal(s.store.txCount, distinctHashes);
    const afterA = s.store.obsCount;
    for (const r of rows) await s.pipeline.ingestPacket(packetMsg(r.raw_hex, OBS_B));
    assert.equal(s.store.txCount, distinctHashes, "a second observer creates no transmission");
    assert.equal(s.store.obsCount, afterA * 2, "one observation per observer and path");
    // The same observer hearing the same path again is a repeat, not a new observation.
    const dupBefore = s.pipeline.counters.duplicate;
    for (const r of rows.slice(0, 50)) await s.pipeline.ingestPacket(packetMsg(r.raw_hex, OBS_A));
    assert.equal(s.pipeline.counters.duplicate - dupBefore, 50);
    assert.equal(s.store.obsCount, afterA * 2);

    await s.writer.flush();
    const db = s.hdb.db;
    const one = (sql: string) => Number(db.prepare(sql).get()!.n);
    assert.equal(one("SELECT COUNT(*) n FROM transmissions"), distinctHashes);
    assert.equal(one("SELECT COUNT(*) n FROM observations"), afterA * 2);
    assert.equal(one("SELECT COUNT(*) n FROM observations WHERE observer_idx IS NULL"), 0);
    assert.equal(one("SELECT COUNT(*) n FROM observers"), 2);
    assert.equal(one("SELECT COUNT(*) n FROM nodes"), s.nodes.size);
    // advert_count counts transmissions, not sightings.
    assert.equal(one("SELECT MAX(advert_count) n FROM nodes") >= 1, true);
    assert.equal(
      one("SELECT SUM(advert_count) n FROM nodes"),
      one("SELECT COUNT(*) n FROM transmissions WHERE payload_type = 4"),
    );
  } finally {
    await s.close();
  }
});

Deno.test("pipeline: what is broadcast is exactly what is persisted (one resolver)", async () => {
  const s = createStack();
  try {
    for (const r of rows) await s.pipeline.ingestPacket(packetMsg(r.raw_hex, OBS_A));
    await s.writer.flush();
    const stmt = s.hdb.db.prepare("SELECT resolved_path FROM observations WHERE id = ?");
    let resolvedEvents = 0;
    assert.equal(s.events.length, s.store.obsCount);
    for (const e of s.events) {
      const stored = stmt.get(e.obs.id)!.resolved_path as string | null;
      assert.deepEqual(e.resolvedPath ?? null, stored === null ? null : JSON.parse(stored));
      if (e.resolvedPath) resolvedEvents++;
    }
    assert.ok(resolvedEvents > 50, `only ${resolvedEvents} observations had a resolved hop`);
    // The in-memory index agrees too: the on-demand fetch serves the same arrays.
    const ids = s.events.slice(0, 200).map((e) => e.obs.id);
    const fetched = s.store.resolvedPathsFor(ids);
    for (const e of s.events.slice(0, 200)) {
      assert.deepEqual(fetched.get(e.obs.id) ?? null, e.resolvedPath ?? null);
    }
  } finally {
    await s.close();
  }
});

Deno.test("pipeline: relay last-seen is persisted for resolved relays", async () => {
  const s = createStack();
  try {
    for (const r of rows) await s.pipeline.ingestPacket(packetMsg(r.raw_hex, OBS_A));
    await s.writer.flush();
    const relays = new Set<string>();
    for (const e of s.events) for (const k of e.resolvedPath ?? []) if (k) relays.add(k);
    assert.ok(relays.size > 0);
    const stmt = s.hdb.db.prepare("SELECT last_relayed FROM nodes WHERE public_key = ?");
    for (const k of relays) {
      const row = stmt.get(k);
      if (row) assert.match(String(row.last_relayed), /^\d{4}-\d\d-\d\dT/, `relay ${k}`);
    }
    const persisted = Number(
      s.hdb.db.prepare("SELECT COUNT(*) n FROM nodes WHERE last_relayed IS NOT NULL").get()!.n,
    );
    assert.ok(persisted > 0, "some relay last-seen reached SQLite");
    for (const k of relays) {
      const id = s.nodes.idOf(k)!;
      assert.ok(s.store.relayLastSeen(id) > 0, `in-memory relay last-seen of ${k}`);
    }
  } finally {
    await s.close();
  }
});

Deno.test("pipeline: a forged ADVERT signature is dropped and recorded with its reason", async () => {
  const s = createStack();
  try {
    const advert = rows.find((r) => r.payload_type === 4)!;
    const bytes = hexToBytes(advert.raw_hex)!;
    const pathLen = (bytes[1] & 0x3f) * ((bytes[1] >> 6) + 1);
    const sigStart = 2 + pathLen + 32 + 4;
    bytes[sigStart + 5] ^= 0x01;
    const forged = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const out = await s.pipeline.ingestPacket(packetMsg(forged, OBS_A));
    assert.equal(out.status, "dropped");
    assert.equal(out.status === "dropped" && out.reason, "invalid-signature");
    assert.equal(s.pipeline.counters.dropped["invalid-signature"], 1);
    assert.equal(s.store.txCount, 0);
    assert.equal(s.nodes.size, 0, "no node from a forged advert");
    await s.writer.flush();
    const dropped = s.hdb.db.prepare("SELECT reason, node_pubkey FROM dropped_packets").all();
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0].reason, "invalid signature");
    assert.equal(
      dropped[0].node_pubkey,
      advert.raw_hex.slice(4 + pathLen * 2, 68 + pathLen * 2).toLowerCase(),
    );
    // The genuine advert still goes through afterwards.
    assert.equal(
      (await s.pipeline.ingestPacket(packetMsg(advert.raw_hex, OBS_A))).status,
      "stored",
    );
    assert.equal(s.nodes.size, 1);
  } finally {
    await s.close();
  }
});

Deno.test("pipeline: bad input is counted by reason and logged once per interval", async () => {
  const s = createStack();
  try {
    for (let i = 0; i < 20; i++) {
      assert.equal((await s.pipeline.ingestPacket(packetMsg("zz" + i, OBS_A))).status, "dropped");
      assert.equal((await s.pipeline.ingestPacket(packetMsg("0a", OBS_A))).status, "dropped");
    }
    assert.equal(s.pipeline.counters.dropped["bad-hex"], 20);
    assert.equal(s.pipeline.counters.dropped["decode-error"], 20);
    const logged = s.lines.filter((l) => l.includes("dropped packet"));
    assert.equal(logged.length, 2, logged.join("\n"));
    // Nothing else is lost: a good packet after the bad ones is stored.
    assert.equal(
      (await s.pipeline.ingestPacket(packetMsg(rows[0].raw_hex, OBS_A))).status,
      "stored",
    );
  } finally {
    await s.close();
  }
});
