/**
 * Paths through a node and relay counts are exact: on a mesh where two relays
 * share their 1- and 2-byte prefixes, neither ever shows the other's
 * transmissions, ambiguous unresolved hops are credited to nobody, and relay
 * counts equal a brute-force count over the stored resolved paths.
 */

import assert from "node:assert/strict";
import { localPacketMessage } from "../../src/ingest/messages.ts";
import { FIXTURE_NOW, getJson, makeApp } from "./helpers.ts";
import { KEY_A, KEY_B, KEY_C, KEY_D, MESH_NOW, PACKETS, writeMeshDb } from "./mesh_db.ts";
import { bytesToHex, encodePacket } from "../../src/meshcore/encode.ts";

interface PathsBody {
  paths: {
    hops: { prefix: string; pubkey: string | null; name: string | null }[];
    count: number;
    sampleHash: string;
    resolved: boolean;
  }[];
  totalTransmissions: number;
  totalPaths: number;
}

async function meshApp() {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-mesh-" });
  const src = `${dir}/mesh.db`;
  const hashes = writeMeshDb(src);
  const t = await makeApp({ db: src, deps: { now: () => MESH_NOW } });
  return {
    ...t,
    hashes,
    async close() {
      await t.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The `/paths` answer for `key`. */
async function pathHashes(t: Awaited<ReturnType<typeof meshApp>>, key: string): Promise<PathsBody> {
  const { status, body } = await getJson(t.app, `/api/nodes/${key}/paths`);
  assert.equal(status, 200);
  return body as PathsBody;
}

Deno.test("paths through a node never include a prefix-sharing relay's transmissions", async () => {
  const t = await meshApp();
  try {
    for (
      const [key, flag] of [[KEY_A, "throughA"], [KEY_B, "throughB"], [KEY_D, "throughD"]] as const
    ) {
      const body = await pathHashes(t, key);
      const expected = PACKETS.filter((p) => p[flag]);
      assert.equal(body.totalTransmissions, expected.length, `${key.slice(0, 8)} transmissions`);
      // Every group names the node at a hop, and no group names the prefix twin.
      const twin = key === KEY_A ? KEY_B : key === KEY_B ? KEY_A : null;
      for (const p of body.paths) {
        assert.ok(p.hops.some((h) => h.pubkey === key), "the node is named in the path");
        if (twin) {
          assert.ok(!p.hops.some((h) => h.pubkey === twin), "the prefix twin never appears");
        }
      }
      // Samples come from the expected packets and the group counts add up to them
      // (B's two "AB" packets share one hop signature, so they form one group).
      const want = new Set(expected.map((p) => t.hashes.get(p.name)!));
      for (const p of body.paths) assert.ok(want.has(p.sampleHash), p.sampleHash);
      assert.equal(body.paths.reduce((n, p) => n + p.count, 0), expected.length);
    }
    // Unresolved hops with a shared prefix are credited to nobody.
    const a = await pathHashes(t, KEY_A);
    const b = await pathHashes(t, KEY_B);
    const unresolvedAB = PACKETS.filter((p) =>
      p.resolved === null && p.hops[0].startsWith("AB")
    ).length;
    assert.equal(unresolvedAB, 2);
    assert.equal(a.totalTransmissions + b.totalTransmissions, 6);
    // Relay D's unique prefix claims the unresolved packet, marked as a prefix match.
    const d = await pathHashes(t, KEY_D);
    assert.equal(d.paths.filter((p) => !p.resolved).length, 1);
    assert.equal(d.paths.filter((p) => p.resolved).length, 1);
  } finally {
    await t.close();
  }
});

Deno.test("relay counts on the collision mesh equal the packets each relay really carried", async () => {
  const t = await meshApp();
  try {
    const expect = (key: string, windowSec: number) =>
      PACKETS.filter((p) => p.resolved?.includes(key) && p.ageSec <= windowSec).length;
    for (const key of [KEY_A, KEY_B, KEY_C, KEY_D]) {
      const { status, body } = await getJson(t.app, `/api/nodes/${key}`);
      assert.equal(status, 200);
      const node = (body as { node: Record<string, unknown> }).node;
      assert.equal(node.relay_count_24h, expect(key, 86_400), `${key.slice(0, 8)} 24h`);
      assert.equal(node.relay_count_1h, expect(key, 3600), `${key.slice(0, 8)} 1h`);
    }
    // The reference would credit A and B with every "AB" hop: make sure we did not.
    const a = (await getJson(t.app, `/api/nodes/${KEY_A}`)).body as {
      node: { relay_count_24h: number };
    };
    assert.equal(a.node.relay_count_24h, 3);
  } finally {
    await t.close();
  }
});

Deno.test("an 8-hex prefix shared by two nodes answers 409; a longer one finds the node", async () => {
  const t = await meshApp();
  try {
    const amb = await getJson(t.app, `/api/nodes/${KEY_A.slice(0, 8)}`);
    assert.equal(amb.status, 409);
    assert.match((amb.body as { error: string }).error, /matches 2 nodes/);
    const one = await getJson(t.app, `/api/nodes/${KEY_A.slice(0, 10)}/paths`);
    assert.equal(one.status, 200);
    assert.equal((one.body as { node: { public_key: string } }).node.public_key, KEY_A);
    assert.equal((await getJson(t.app, `/api/nodes/abcd12`)).status, 400);
    assert.equal((await getJson(t.app, `/api/nodes/${"0".repeat(64)}`)).status, 404);
  } finally {
    await t.close();
  }
});

Deno.test("fixture: relay counts equal a brute-force count over stored resolved paths", async () => {
  const t = await makeApp();
  // The test's own copy: hopwatch re-resolved its stored paths on the first start.
  const db = t.stack.hdb.db;
  try {
    const count = db.prepare(
      `SELECT COUNT(DISTINCT t.id) AS n FROM transmissions t JOIN observations o ON o.transmission_id = t.id
       WHERE t.payload_type != 4 AND INSTR(LOWER(o.resolved_path), '"' || ? || '"') > 0
         AND t.first_seen >= ? AND t.first_seen <= ?`,
    );
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    const { body } = await getJson(t.app, "/api/nodes?role=repeater&limit=2000");
    const nodes =
      (body as { nodes: { public_key: string; relay_count_24h: number; relay_count_1h: number }[] })
        .nodes;
    assert.ok(nodes.length > 100);
    let nonZero = 0;
    for (const n of nodes) {
      const d24 = Number(
        count.get(n.public_key, iso(FIXTURE_NOW - 86_400_000), iso(FIXTURE_NOW))!.n,
      );
      const d1 = Number(count.get(n.public_key, iso(FIXTURE_NOW - 3_600_000), iso(FIXTURE_NOW))!.n);
      assert.equal(n.relay_count_24h, d24, `${n.public_key} 24h`);
      assert.equal(n.relay_count_1h, d1, `${n.public_key} 1h`);
      if (d24 > 0) nonZero++;
    }
    assert.ok(nonZero > 20, "the fixture has relays with traffic");
  } finally {
    await t.close();
  }
});

Deno.test("fixture: every resolved path group of a node really contains the node", async () => {
  const t = await makeApp();
  // The test's own copy: hopwatch re-resolved its stored paths on the first start.
  const db = t.stack.hdb.db;
  try {
    const contains = db.prepare(
      `SELECT COUNT(*) AS n FROM transmissions t JOIN observations o ON o.transmission_id = t.id
       WHERE t.hash = ? AND INSTR(LOWER(o.resolved_path), '"' || ? || '"') > 0`,
    );
    const total = db.prepare(
      `SELECT COUNT(DISTINCT t.id) AS n FROM transmissions t JOIN observations o ON o.transmission_id = t.id
       WHERE INSTR(LOWER(o.resolved_path), '"' || ? || '"') > 0`,
    );
    for (
      const pk of [
        "1000009e310d729534b70faa33a1abe5cd5e45d594f72f786febccbb770b7e74",
        "20aaa863297b2a97372c8ef877d35ee46aa6b5ff4a68ea8bdec3a0dc77cfa54b",
        "33333333ab5d31112de8b847a4cbab05f5e8e60deb4e91b8a464b1b5e0357549",
      ]
    ) {
      const { body } = await getJson(t.app, `/api/nodes/${pk}/paths`);
      const b = body as PathsBody & { uniquePrefixTransmissions: number };
      for (const p of b.paths.filter((x) => x.resolved)) {
        assert.equal(Number(contains.get(p.sampleHash, pk)!.n) > 0, true, p.sampleHash);
      }
      assert.equal(b.totalTransmissions - b.uniquePrefixTransmissions, Number(total.get(pk)!.n));
    }
  } finally {
    await t.close();
  }
});

Deno.test("the per-node path index follows new and removed transmissions", async () => {
  const t = await meshApp();
  try {
    const before = await pathHashes(t, KEY_D);
    assert.equal(before.totalTransmissions, 2);
    // A new packet through D's unique 1-byte prefix, ingested by the real pipeline.
    const raw = bytesToHex(encodePacket({
      routeType: 1,
      payloadType: 2,
      hashSize: 1,
      hops: ["9A"],
      payload: Uint8Array.of(0x10, 0x20, 0x77, 0x55, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    }));
    const out = await t.stack.pipeline.ingestPacket(
      localPacketMessage(raw, "5E".repeat(32), {
        source: "test",
        receivedAtMs: MESH_NOW,
        observerName: "Obs",
        iata: "SFO",
        snr: 1,
        rssi: -100,
      }),
    );
    assert.equal(out.status, "stored");
    const after = await pathHashes(t, KEY_D);
    assert.equal(after.totalTransmissions, 3);
    // Removing a transmission rebuilds the index.
    t.stack.store.removeTransmissions([(out as { txId: number }).txId]);
    const removed = await pathHashes(t, KEY_D);
    assert.equal(removed.totalTransmissions, 2);
  } finally {
    await t.close();
  }
});
