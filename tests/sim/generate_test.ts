import assert from "node:assert/strict";
import { decodePacket } from "../../src/meshcore/decode.ts";
import { createKeyRing } from "../../src/meshcore/channel_keys.ts";
import { verifyAdvertSignature } from "../../src/meshcore/signature.ts";
import { buildMesh } from "../../src/sim/mesh.ts";
import { readTruth } from "../../src/sim/truth.ts";
import { HASHTAG_CHANNELS } from "../../src/sim/payloads.ts";
import { SHAPES } from "../../src/sim/shapes.ts";
import { NOW, openRo, SEED, sharedS } from "./helpers.ts";

type Row = Record<string, string | number | null>;

Deno.test("gen S: counts are on target", async () => {
  const { result } = await sharedS();
  const s = SHAPES.S;
  assert.equal(result.transmissions, s.transmissions);
  assert.ok(Math.abs(result.observations / s.observations - 1) < 0.05, `${result.observations}`);
  assert.equal(result.nodes, s.nodes);
  assert.equal(result.observers, s.observers);
  const db = openRo(result.path);
  try {
    const count = (t: string) => Number(db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get()!.n);
    assert.equal(count("transmissions"), result.transmissions);
    assert.equal(count("observations"), result.observations);
    assert.equal(count("nodes"), s.nodes);
    assert.equal(count("observers"), s.observers);
    assert.ok(count("neighbor_edges") > 0);
    assert.ok(count("observer_metrics") > 0);
    const types = db.prepare("SELECT DISTINCT payload_type AS t FROM transmissions").all().map((
      r,
    ) => Number(r.t));
    for (const t of [0, 1, 2, 3, 4, 5, 8, 9]) {
      assert.ok(types.includes(t), `payload type ${t} missing`);
    }
    const span = db.prepare("SELECT MIN(timestamp) AS a, MAX(timestamp) AS b FROM observations")
      .get()!;
    assert.ok(Number(span.b) <= NOW && Number(span.b) > NOW - 3600, `last ${span.b}`);
    assert.ok(Number(span.a) >= NOW - s.spanDays * 86400);
  } finally {
    db.close();
  }
});

Deno.test("gen S: every packet decodes; hash, decoded_json and path_json agree", async () => {
  const { result } = await sharedS();
  const db = openRo(result.path);
  const ring = createKeyRing({ hashChannels: [...HASHTAG_CHANNELS] });
  try {
    const txs = db.prepare("SELECT * FROM transmissions ORDER BY id").all() as Row[];
    const byId = new Map<number, Row>();
    for (const t of txs) {
      byId.set(Number(t.id), t);
      const d = decodePacket(String(t.raw_hex), { keyRing: ring });
      assert.equal(d.valid, true, d.error ?? "");
      assert.equal(d.hash, t.hash);
      assert.deepEqual(d.payload, JSON.parse(String(t.decoded_json)));
      assert.equal(d.header!.routeType, t.route_type);
      assert.equal(d.header!.payloadType, t.payload_type);
      if (t.payload_type === 5) assert.equal(d.channelHash, t.channel_hash);
      if (t.payload_type === 4) {
        assert.equal(t.from_pubkey, (d.payload as { pubKey: string }).pubKey);
        assert.equal(await verifyAdvertSignature(String(t.raw_hex)), true, `advert ${t.id}`);
      }
      assert.ok(Date.parse(String(t.first_seen)) / 1000 <= Number(t.last_seen));
    }
    const obs = db.prepare("SELECT * FROM observations ORDER BY id").all() as Row[];
    for (const o of obs) {
      const d = decodePacket(String(o.raw_hex));
      const tx = byId.get(Number(o.transmission_id))!;
      assert.equal(d.valid, true, d.error ?? "");
      assert.equal(d.hash, tx.hash, `observation ${o.id}`);
      assert.deepEqual(d.path!.hops, JSON.parse(String(o.path_json)));
      assert.ok(Number(o.timestamp) <= Number(tx.last_seen));
      assert.ok(Number(o.timestamp) >= Date.parse(String(tx.first_seen)) / 1000);
    }
  } finally {
    db.close();
  }
});

Deno.test("gen S: channel messages decrypt with hashtag keys; private ones do not", async () => {
  const { result } = await sharedS();
  const db = openRo(result.path);
  try {
    const rows = db.prepare(
      "SELECT raw_hex, channel_hash FROM transmissions WHERE payload_type = 5",
    ).all();
    const ring = createKeyRing({ hashChannels: [...HASHTAG_CHANNELS] });
    const seen = new Set<string>();
    for (const r of rows) {
      const d = decodePacket(String(r.raw_hex), { keyRing: ring });
      const p = d.payload as { type: string; channel?: string; text?: string };
      if (String(r.channel_hash).startsWith("enc_")) {
        assert.equal(p.type, "GRP_TXT");
      } else {
        assert.equal(p.type, "CHAN");
        assert.equal(p.channel, r.channel_hash);
        assert.ok(p.text!.length > 0);
        seen.add(p.channel!);
      }
    }
    for (const ch of ["Public", "#test", "#wardriving", "#bot"]) assert.ok(seen.has(ch), ch);
    const none = decodePacket(String(rows[0].raw_hex), {
      keyRing: createKeyRing({ includePublic: false }),
    });
    assert.notEqual((none.payload as { type: string }).type, "CHAN");
  } finally {
    db.close();
  }
});

Deno.test("gen S: truth paths follow links and match hops and resolved_path", async () => {
  const { result } = await sharedS();
  const mesh = await buildMesh("S", SEED);
  const truth = readTruth(result.truthPath);
  assert.equal(truth.observationCount, result.observations);
  assert.deepEqual(truth.nodeKeys, mesh.nodes.map((n) => n.keyHex));
  const db = openRo(result.path);
  let filled = 0, nonEmpty = 0, nullHops = 0;
  try {
    const obs = db.prepare("SELECT id, path_json, resolved_path FROM observations ORDER BY id")
      .all();
    const ids = [...truth.observationIds()];
    assert.deepEqual(ids, obs.map((o) => Number(o.id)));
    assert.equal(truth.pathOf(0), undefined);
    assert.equal(truth.pathOf(result.observations + 1), undefined);
    for (const o of obs) {
      const hops = JSON.parse(String(o.path_json)) as string[];
      const t = truth.pathOf(Number(o.id))!;
      assert.equal(t.length, hops.length);
      for (let i = 0; i < hops.length; i++) {
        assert.ok(truth.nodeKeys[t[i]].startsWith(hops[i].toLowerCase()), `obs ${o.id} hop ${i}`);
        if (i > 0) {
          assert.ok(mesh.isLink(t[i - 1], t[i]), `obs ${o.id}: hops ${i - 1},${i} not linked`);
        }
        assert.ok(mesh.nodes[t[i]].relay, `obs ${o.id}: hop ${i} is not a relay`);
      }
      if (hops.length === 0) {
        assert.equal(o.resolved_path, null);
        continue;
      }
      nonEmpty++;
      if (o.resolved_path === null) continue;
      filled++;
      const r = JSON.parse(String(o.resolved_path)) as (string | null)[];
      assert.equal(r.length, hops.length);
      assert.ok(r.some((k) => k !== null));
      r.forEach((k, i) => {
        if (k === null) nullHops++;
        else assert.equal(k, truth.nodeKeys[t[i]]);
      });
    }
  } finally {
    db.close();
  }
  const share = filled / nonEmpty;
  assert.ok(share > 0.82 && share < 0.95, `resolved share ${share}`);
  assert.ok(nullHops >= 0);
});

Deno.test("gen S: nodes, observers and neighbor_edges are consistent", async () => {
  const { result } = await sharedS();
  const mesh = await buildMesh("S", SEED);
  const db = openRo(result.path);
  try {
    const observers = db.prepare("SELECT rowid AS r, * FROM observers ORDER BY rowid")
      .all() as Row[];
    const rowids = new Set(observers.map((o) => Number(o.r)));
    for (const o of observers) {
      const ob = mesh.observers[Number(o.r) - 1];
      assert.equal(o.id, ob.id);
      assert.equal(o.can_relay, ob.canRelay ? 1 : 0);
      assert.equal(o.can_relay_seen, 1);
      const n = db.prepare("SELECT COUNT(*) AS n FROM observations WHERE observer_idx = ?").get(
        Number(o.r),
      )!;
      assert.equal(Number(n.n), o.packet_count);
    }
    const orphans = db.prepare("SELECT DISTINCT observer_idx AS i FROM observations").all()
      .filter((r) => !rowids.has(Number(r.i)));
    assert.deepEqual(orphans, []);
    const roles = new Map(mesh.nodes.map((n) => [n.keyHex, n.role]));
    for (const n of db.prepare("SELECT * FROM nodes").all() as Row[]) {
      assert.equal(n.role, roles.get(String(n.public_key)));
      const adverts = db.prepare(
        "SELECT COUNT(*) AS n FROM transmissions WHERE payload_type = 4 AND from_pubkey = ?",
      ).get(String(n.public_key))!;
      assert.equal(Number(adverts.n), n.advert_count);
    }
    // Recompute data-model §6B from the stored rows and compare exactly.
    const keys = (db.prepare("SELECT public_key AS k FROM nodes").all()).map((r) => String(r.k));
    const unique = (hop: string): string | null => {
      const m = keys.filter((k) => k.startsWith(hop.toLowerCase()));
      return m.length === 1 ? m[0] : null;
    };
    const want = new Map<string, { count: number; last: number; floodOnly: boolean }>();
    const edge = (x: string, y: string, ts: number, route: number) => {
      if (x === y) return;
      const k = x < y ? `${x}|${y}` : `${y}|${x}`;
      const e = want.get(k) ?? { count: 0, last: 0, floodOnly: true };
      e.count++;
      e.last = Math.max(e.last, ts);
      if (route !== 1) e.floodOnly = false;
      want.set(k, e);
    };
    const rows = db.prepare(
      `SELECT o.path_json, o.timestamp, t.payload_type, t.route_type, t.from_pubkey, lower(b.id) AS observer
       FROM observations o JOIN transmissions t ON t.id = o.transmission_id
       JOIN observers b ON b.rowid = o.observer_idx ORDER BY o.id`,
    ).all() as Row[];
    for (const r of rows) {
      if (r.payload_type === 9) continue;
      const hops = JSON.parse(String(r.path_json)) as string[];
      const ts = Number(r.timestamp), route = Number(r.route_type), obs = String(r.observer);
      if (hops.length === 0) {
        if (r.payload_type === 4) edge(String(r.from_pubkey), obs, ts, route);
        continue;
      }
      if (r.payload_type === 4) {
        const first = unique(hops[0]);
        if (first) edge(String(r.from_pubkey), first, ts, route);
      }
      const last = unique(hops[hops.length - 1]);
      if (last) edge(obs, last, ts, route);
    }
    const edges = db.prepare("SELECT * FROM neighbor_edges ORDER BY node_a, node_b").all() as Row[];
    assert.equal(edges.length, want.size);
    const keyIndex = new Map(mesh.nodes.map((n) => [n.keyHex, n.index]));
    for (const e of edges) {
      assert.ok(String(e.node_a) < String(e.node_b));
      assert.match(String(e.node_a), /^[0-9a-f]{64}$/);
      const w = want.get(`${e.node_a}|${e.node_b}`);
      assert.ok(w, `unexpected edge ${e.node_a}|${e.node_b}`);
      assert.equal(e.count, w.count);
      assert.equal(Date.parse(String(e.last_seen)) / 1000, w.last);
      // Evidence from floods only is always a real radio link.
      if (w.floodOnly) {
        assert.ok(mesh.isLink(keyIndex.get(String(e.node_a))!, keyIndex.get(String(e.node_b))!));
      }
    }
  } finally {
    db.close();
  }
});

Deno.test("shapes: M, L and XL parameters match the targets", () => {
  assert.deepEqual(
    [SHAPES.M.transmissions, SHAPES.M.observations],
    [37_000, 388_000],
  );
  assert.deepEqual(
    [SHAPES.L.transmissions, SHAPES.L.observations, SHAPES.L.nodes, SHAPES.L.observers],
    [62_000, 1_660_000, 2_379, 33],
  );
  assert.deepEqual([SHAPES.XL.transmissions, SHAPES.XL.observations], [325_000, 7_300_000]);
  assert.deepEqual(
    [SHAPES.S.transmissions, SHAPES.S.observations, SHAPES.S.nodes, SHAPES.S.observers],
    [300, 3_000, 80, 6],
  );
});
