// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { getJson, makeApp, type TestApp } from "./helpers.ts";
import { shapeContains } from "../../src/cli/config_geo.ts";
import { roleCanRelay } from "../../src/store/node_directory.ts";
import { DatabaseSync } from "node:sqlite";

/** San José and around: a box holding part of the fixture's positioned nodes. */
const SJ = { label: "San Jose", latMin: 37.1, latMax: 37.45, lonMin: -122.1, lonMax: -121.7 };

async function setup(): Promise<TestApp> {
  return await makeApp({ config: { raw: { areas: { SJ } } } });
}

/** Ids of the nodes positioned inside SJ (the rule the API applies). */
function areaIds(t: TestApp): Set<number> {
  const out = new Set<number>();
  for (const n of t.stack.nodes.values()) {
    if (n.lat === null || n.lon === null || (n.lat === 0 && n.lon === 0)) continue;
    if (shapeContains({ key: "SJ", ...SJ } as any, n.lat, n.lon)) out.add(n.id);
  }
  return out;
}

/** Every transmission of the store, with observations (brute force). */
function allTx(t: TestApp) {
  const ids = t.stack.store.listTransmissionIds({}, { limit: 10_000_000 }).ids;
  return ids.map((id) => t.stack.store.getByTxId(id, true)!).filter(Boolean);
}

const ENDPOINTS = [
  "/api/analytics/rf?window=30d",
  "/api/analytics/rf",
  "/api/analytics/topology",
  "/api/analytics/channels",
  "/api/analytics/hash-sizes",
  "/api/analytics/hash-collisions",
  "/api/analytics/relay-airtime-share",
  "/api/analytics/subpaths",
  "/api/analytics/distance",
  "/api/nodes/clock-skew",
  "/api/nodes/bulk-health",
];

Deno.test("area on analytics: 200 and a different answer; unknown area is a 400 naming it", async () => {
  const t = await setup();
  try {
    assert.ok(areaIds(t).size >= 5, "the area holds fixture nodes");
    // The most frequent sub-path among the area's adverts, looked up with and without the area.
    const top = (await getJson(t.app, "/api/analytics/subpaths?area=SJ&limit=1")).body as any;
    const detail = `/api/analytics/subpath-detail?hops=${top.subpaths[0].rawHops.join(",")}`;
    for (const path of [...ENDPOINTS, detail]) {
      const all = await getJson(t.app, path);
      const sep = path.includes("?") ? "&" : "?";
      const inArea = await getJson(t.app, `${path}${sep}area=SJ`);
      assert.equal(all.status, 200, path);
      assert.equal(inArea.status, 200, `${path}?area=SJ: ${JSON.stringify(inArea.body)}`);
      if (path !== "/api/nodes/clock-skew") {
        assert.notDeepEqual(inArea.body, all.body, `${path}: area changes the answer`);
      }
      const bad = await getJson(t.app, `${path}${sep}area=NOPE`);
      assert.equal(bad.status, 400, `${path}?area=NOPE`);
      assert.match(JSON.stringify(bad.body), /area/, path);
      const bad2 = await getJson(t.app, `${path}${sep}area=${"x".repeat(80)}`);
      assert.equal(bad2.status, 400, `${path}: overlong area`);
    }
  } finally {
    await t.close();
  }
});

Deno.test("area on rf: totals equal a brute-force count of the area's ADVERTs", async () => {
  const t = await setup();
  try {
    const ids = areaIds(t);
    let txs = 0, obs = 0;
    for (const tx of allTx(t)) {
      if (tx.payloadType !== 4 || !tx.fromPubkey) continue;
      const n = t.stack.nodes.byKey(tx.fromPubkey);
      if (!n || !ids.has(n.id)) continue;
      const o = tx.observations?.length ?? 0;
      if (o > 0) txs++;
      obs += o;
    }
    assert.ok(txs > 0, "the area sent adverts");
    const rf = (await getJson(t.app, "/api/analytics/rf?area=SJ")).body as any;
    const all = (await getJson(t.app, "/api/analytics/rf")).body as any;
    assert.equal(rf.totalTransmissions, txs);
    assert.equal(rf.totalAllPackets, obs);
    assert.ok(rf.totalTransmissions < all.totalTransmissions);
    assert.deepEqual(rf.payloadTypes.map((p: any) => p.type), [4]);
  } finally {
    await t.close();
  }
});

Deno.test("area on topology: hop counts equal a brute-force count of paths relayed in the area", async () => {
  const t = await setup();
  try {
    const ids = areaIds(t);
    const relays = [...t.stack.nodes.values()].filter((n) => roleCanRelay(n.role) || n.canRelay);
    const hopNode = new Map<string, number | null>();
    const inArea = (hop: string) => {
      if (!hopNode.has(hop)) {
        const m = relays.filter((n) => n.publicKey.toLowerCase().startsWith(hop.toLowerCase()));
        hopNode.set(hop, m.length === 1 ? m[0].id : null);
      }
      const id = hopNode.get(hop);
      return id !== null && id !== undefined && ids.has(id);
    };
    // Relayed through the area: a resolved hop of any observation is an area node.
    const keys = new Set([...ids].map((id) => t.stack.nodes.get(id)!.publicKey));
    const db = new DatabaseSync(`${t.dir}/test.db`, { readOnly: true });
    const through = new Set<number>();
    const rows = db.prepare(
      "SELECT transmission_id AS tx, resolved_path AS rp FROM observations WHERE resolved_path IS NOT NULL",
    ).all() as { tx: number; rp: string }[];
    db.close();
    for (const r of rows) {
      if ((JSON.parse(r.rp) as (string | null)[]).some((k) => k !== null && keys.has(k))) {
        through.add(r.tx);
      }
    }
    const dist = new Map<number, number>();
    for (const tx of allTx(t)) {
      const hops = tx.best?.hops ?? [];
      if (hops.length === 0 || !through.has(tx.id)) continue;
      dist.set(hops.length, (dist.get(hops.length) ?? 0) + 1);
    }
    const topo = (await getJson(t.app, "/api/analytics/topology?area=SJ")).body as any;
    const want = [...dist.entries()].filter(([h]) => h <= 25).sort((a, b) => a[0] - b[0])
      .map(([hops, count]) => ({ hops, count }));
    assert.ok(want.length > 0, "paths cross the area");
    assert.deepEqual(topo.hopDistribution, want);
    for (const r of topo.topRepeaters) {
      assert.ok(ids.has(t.stack.nodes.byKey(r.pubkey)!.id), `${r.name} is inside the area`);
    }
    for (const p of topo.topPairs) assert.ok(inArea(p.hopA) && inArea(p.hopB));
  } finally {
    await t.close();
  }
});

Deno.test("area on node lists: bulk-health, clock-skew and hash-collisions keep area nodes only", async () => {
  const t = await setup();
  try {
    const ids = areaIds(t);
    const keyIn = (pk: string) => ids.has(t.stack.nodes.byKey(pk)!.id);
    const bulk = (await getJson(t.app, "/api/nodes/bulk-health?limit=200&area=SJ")).body as any[];
    assert.ok(bulk.length > 0);
    for (const e of bulk) assert.ok(keyIn(e.public_key), e.name);
    const skew = (await getJson(t.app, "/api/nodes/clock-skew?area=SJ")).body as any[];
    const skewAll = (await getJson(t.app, "/api/nodes/clock-skew")).body as any[];
    for (const e of skew) assert.ok(keyIn(e.pubkey));
    assert.equal(skew.length, skewAll.filter((e) => keyIn(e.pubkey)).length);
    const coll = (await getJson(t.app, "/api/analytics/hash-collisions?area=SJ")).body as any;
    for (const n of coll.inconsistent_nodes) assert.ok(keyIn(n.public_key));
    const ch = (await getJson(t.app, "/api/analytics/channels?area=SJ")).body as any;
    // Channel messages name no sender key: none is attributed to an area.
    assert.equal(ch.channels.length, 0);
  } finally {
    await t.close();
  }
});
