// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { MEMOS_BYTES } from "../../src/store/coverage_index.ts";
import { FIXTURE_NOW, getJson, makeApp, type TestApp } from "./helpers.ts";
import type { NodeInfo } from "../../src/store/node_directory.ts";

const CLIENT_A = "c1".repeat(32);
const CLIENT_B = "c2".repeat(32);

interface Fixture {
  t: TestApp;
  heard: NodeInfo[];
  area: number[][];
}

async function setup(enabled = true): Promise<Fixture> {
  const t = await makeApp({
    config: {
      raw: {
        clientRxCoverage: { enabled },
        areas: {
          BAY: { label: "Bay", polygon: [[36, -123.5], [36, -121], [38.5, -121], [38.5, -123.5]] },
          BOX: { label: "Box", latMin: 0, latMax: 1, lonMin: 0, lonMax: 1 },
        },
        geo_filter: {
          polygon: [[36, -123.5], [36, -121], [38.5, -121], [38.5, -123.5]],
          bufferKm: 5,
        },
      },
    },
  });
  const heard = [...t.stack.nodes.values()].filter((n) =>
    n.lat !== null && n.lon !== null &&
    !(n.lat === 0 && n.lon === 0)
  ).slice(0, 3);
  assert.ok(heard.length >= 2, "fixture has positioned nodes");
  // roaming receptions: client A drives near the first two nodes, client B near the first
  let k = 0;
  for (
    const [client, nodes] of [[CLIENT_A, heard.slice(0, 2)], [CLIENT_B, heard.slice(0, 1)]] as const
  ) {
    for (const n of nodes) {
      for (let i = 0; i < 20; i++) {
        t.stack.clientRx.add({
          rxPubkey: client,
          heardKey: i % 2 ? n.publicKey.slice(0, 4) : n.publicKey.slice(0, 6),
          lat: n.lat! + i * 0.002,
          lon: n.lon! + i * 0.002,
          snr: i % 5 === 0 ? null : -5 + i / 2,
          rssi: -100,
          rxAtMs: FIXTURE_NOW - 3_600_000 * (1 + k++ % 48),
        });
      }
    }
  }
  t.stack.clientRx.flush();
  return { t, heard, area: [] };
}

const bboxAround = (n: NodeInfo, d = 0.5) =>
  `${n.lat! - d},${n.lon! - d},${n.lat! + d},${n.lon! + d}`;

Deno.test("geo config endpoints: areas, polygons, geo-filter, iata-coords", async () => {
  const { t } = await setup();
  try {
    const areas = await getJson(t.app, "/api/config/areas");
    assert.equal(areas.status, 200);
    assert.deepEqual(areas.body, [{ key: "BAY", label: "Bay" }, { key: "BOX", label: "Box" }]);
    const polys = (await getJson(t.app, "/api/config/areas/polygons")).body as Record<
      string,
      unknown
    >[];
    assert.equal((polys[0].polygon as number[][]).length, 4);
    assert.deepEqual([polys[1].latMin, polys[1].lonMax], [0, 1]);
    const gf = (await getJson(t.app, "/api/config/geo-filter")).body as Record<string, unknown>;
    assert.equal(gf.bufferKm, 5);
    assert.equal(typeof gf.writeEnabled, "boolean");
    const iata = (await getJson(t.app, "/api/iata-coords")).body as {
      coords: Record<string, { lat: number; lon: number }>;
    };
    assert.equal(typeof iata.coords.SJC.lat, "number");
  } finally {
    await t.close();
  }
});

Deno.test("rx-coverage: GeoJSON hex cells with the reference's fields; filters and bad input", async () => {
  const { t, heard } = await setup();
  try {
    const r = await getJson(t.app, `/api/rx-coverage?bbox=${bboxAround(heard[0])}&z=12&days=7`);
    assert.equal(r.status, 200);
    const fc = r.body as { type: string; features: Record<string, any>[] };
    assert.equal(fc.type, "FeatureCollection");
    assert.ok(fc.features.length > 0);
    const f = fc.features[0];
    assert.equal(f.type, "Feature");
    assert.equal(f.geometry.type, "Polygon");
    assert.equal(f.geometry.coordinates[0].length, 7);
    assert.match(f.properties.cell, /^12:-?\d+:-?\d+$/);
    assert.equal(typeof f.properties.count, "number");
    assert.equal(typeof f.properties.has_sig, "boolean");
    assert.ok(f.properties.best_snr === null || typeof f.properties.best_snr === "number");
    const node = f.properties.nodes[0];
    assert.equal(typeof node.prefix, "string");
    assert.equal(typeof node.count, "number");
    const total = fc.features.reduce((s, x) => s + x.properties.count, 0);
    // finer display resolution than the index: same receptions, more cells
    const fine = (await getJson(t.app, `/api/rx-coverage?bbox=${bboxAround(heard[0])}&z=16`))
      .body as typeof fc;
    assert.equal(fine.features.reduce((s, x) => s + x.properties.count, 0), total);
    const onlyB = (await getJson(
      t.app,
      `/api/rx-coverage?bbox=-90,-180,90,180&z=8&rx=${CLIENT_B}`,
    )).body as typeof fc;
    assert.equal(onlyB.features.reduce((s, x) => s + x.properties.count, 0), 20);
    const window1 = (await getJson(t.app, `/api/rx-coverage?bbox=-90,-180,90,180&z=5&days=1`))
      .body as typeof fc;
    const n1 = window1.features.reduce((s, x) => s + x.properties.count, 0);
    assert.ok(n1 > 0 && n1 < 60, `a 1-day window holds part of the receptions (${n1})`);
    for (
      const bad of [
        "",
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=-95,0,10,10",
        "bbox=10,0,5,10",
        "bbox=0,0,1,400",
      ]
    ) {
      const res = await getJson(t.app, `/api/rx-coverage?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match(JSON.stringify(res.body), /bbox/);
    }
    assert.equal((await getJson(t.app, "/api/rx-coverage?bbox=0,0,1,1&rx=zz")).status, 400);

    // memoised cells follow new receptions (and answer the same bytes while nothing changed)
    const world = "/api/rx-coverage?bbox=-90,-180,90,180&z=6&days=7";
    const sum = (x: typeof fc) => x.features.reduce((s, f) => s + f.properties.count, 0);
    const first = await (await t.app.request(world)).text();
    const again = await (await t.app.request(world)).text();
    assert.equal(again, first);
    t.stack.clientRx.add({
      rxPubkey: CLIENT_B,
      heardKey: heard[0].publicKey.slice(0, 4),
      lat: heard[0].lat!,
      lon: heard[0].lon!,
      snr: 12.5,
      rssi: -90,
      rxAtMs: FIXTURE_NOW - 60_000,
    });
    t.stack.clientRx.flush();
    const after = JSON.parse(await (await t.app.request(world)).text()) as typeof fc;
    assert.equal(sum(after), sum(JSON.parse(first)) + 1);
    assert.ok(after.features.some((f) => f.properties.best_snr === 12.5));

    // the caches behind the answers are reported, within their budgets
    const metrics = await (await t.app.request("/metrics")).text();
    const sample = (name: string, cache: string) =>
      Number(metrics.match(new RegExp(`^${name}\\{cache="${cache}"\\} (\\d+)$`, "m"))?.[1]);
    assert.ok(sample("hopwatch_coverage_cache_bytes", "memos") > 0, "memoised features kept");
    assert.ok(sample("hopwatch_coverage_cache_bytes", "heads") > 0, "cell heads kept");
    assert.ok(sample("hopwatch_coverage_cache_bytes", "memos") <= MEMOS_BYTES);
    assert.equal(sample("hopwatch_coverage_cache_dropped_total", "memos"), 0);
  } finally {
    await t.close();
  }
});

Deno.test("rx-leaderboard and node rx-coverage", async () => {
  const { t, heard } = await setup();
  try {
    const lb = (await getJson(t.app, "/api/rx-leaderboard?days=7&limit=25")).body as {
      days: number;
      observers: Record<string, unknown>[];
    };
    assert.equal(lb.days, 7);
    assert.equal(lb.observers.length, 2);
    assert.equal(lb.observers[0].pubkey, CLIENT_A);
    for (const k of ["pubkey", "name", "receptions", "nodes", "cells", "score"]) {
      assert.ok(k in lb.observers[0], k);
    }
    const nc = await getJson(
      t.app,
      `/api/nodes/${heard[0].publicKey}/rx-coverage?bbox=${bboxAround(heard[0])}&z=13`,
    );
    assert.equal(nc.status, 200);
    const body = nc.body as {
      mobile_receptions: number;
      mobile_clients: number;
      features: unknown[];
    };
    assert.equal(body.mobile_clients, 2);
    assert.equal(body.mobile_receptions, 40);
    assert.equal(
      (await getJson(t.app, `/api/nodes/${"0".repeat(64)}/rx-coverage?bbox=0,0,1,1`)).status,
      404,
    );
    assert.equal((await getJson(t.app, `/api/nodes/xyz/rx-coverage?bbox=0,0,1,1`)).status, 400);
  } finally {
    await t.close();
  }
});

Deno.test("rx coverage answers 404 when clientRxCoverage is off", async () => {
  const { t } = await setup(false);
  try {
    assert.equal((await getJson(t.app, "/api/rx-coverage?bbox=0,0,1,1")).status, 404);
    assert.equal((await getJson(t.app, "/api/rx-leaderboard")).status, 404);
  } finally {
    await t.close();
  }
});

Deno.test("reach, distance, scope-stats and the area filter", async () => {
  const { t, heard } = await setup();
  try {
    const relays = [...t.stack.nodes.values()].filter((n) => n.role === "repeater");
    let seen = false;
    for (const n of relays.slice(0, 15)) {
      const r = await getJson(t.app, `/api/nodes/${n.publicKey}/reach?days=30`);
      assert.equal(r.status, 200);
      const b = r.body as Record<string, any>;
      for (
        const k of ["node", "window", "reliable_tokens", "importance", "direct_observers", "links"]
      ) {
        assert.ok(k in b, k);
      }
      assert.equal(b.window.days, 30);
      for (const l of b.links) {
        assert.equal(typeof l.we_hear, "number");
        assert.ok(l.distance_km === null || typeof l.distance_km === "number");
        seen ||= true;
      }
    }
    assert.ok(seen, "some relay has links");
    assert.equal((await getJson(t.app, `/api/nodes/${"0".repeat(64)}/reach`)).status, 404);
    assert.equal((await getJson(t.app, `/api/nodes/abc/reach`)).status, 400);

    const d = (await getJson(t.app, "/api/analytics/distance")).body as Record<string, any>;
    for (
      const k of ["summary", "topHops", "topPaths", "catStats", "distHistogram", "distOverTime"]
    ) {
      assert.ok(k in d, k);
    }
    assert.equal(typeof d.summary.totalHops, "number");
    assert.equal(typeof d.summary.skippedHops, "number");
    assert.deepEqual(Object.keys(d.catStats).sort(), ["C↔C", "C↔R", "R↔R"]);
    for (const h of d.topHops) assert.ok(h.dist >= 0 && typeof h.fromPk === "string");
    const inBox = (await getJson(t.app, "/api/analytics/distance?area=BOX")).body as Record<
      string,
      any
    >;
    assert.equal(inBox.summary.totalHops, 0, "no link lies in an area without nodes");
    assert.equal((await getJson(t.app, "/api/analytics/distance?area=NOPE")).status, 400);

    const s = await getJson(t.app, "/api/scope-stats?window=7d");
    assert.equal(s.status, 200);
    const sb = s.body as Record<string, any>;
    assert.equal(sb.window, "7d");
    for (const k of ["transportTotal", "scoped", "unscoped", "unknownScope"]) {
      assert.equal(typeof sb.summary[k], "number", k);
    }
    assert.ok(Array.isArray(sb.byRegion) && Array.isArray(sb.timeSeries));
    assert.equal((await getJson(t.app, "/api/scope-stats?window=2h")).status, 400);

    const all = (await getJson(t.app, "/api/nodes?limit=2000")).body as { total: number };
    const bay = (await getJson(t.app, "/api/nodes?limit=2000&area=BAY")).body as {
      total: number;
      nodes: { lat: number; lon: number }[];
    };
    assert.ok(bay.total > 0 && bay.total < all.total, `${bay.total} of ${all.total}`);
    assert.ok(bay.nodes.every((n) => n.lat >= 36 && n.lat <= 38.5));
    assert.equal(
      ((await getJson(t.app, "/api/nodes?area=BOX")).body as { total: number }).total,
      0,
    );
    assert.equal((await getJson(t.app, "/api/nodes?area=NOPE")).status, 400);

    // packets: only ADVERTs whose sender lies in the area (flat and grouped)
    const pk = (await getJson(t.app, "/api/packets?area=BAY&limit=50")).body as {
      packets: { payload_type: number; decoded_json: string }[];
      total: number;
    };
    assert.ok(pk.total > 0 && pk.packets.length > 0);
    const inBay = new Set(
      ((await getJson(t.app, "/api/nodes?limit=2000&area=BAY")).body as {
        nodes: { public_key: string }[];
      }).nodes.map((n) => n.public_key),
    );
    for (const row of pk.packets) {
      assert.equal(row.payload_type, 4);
      assert.ok(inBay.has(String(JSON.parse(row.decoded_json).pubKey).toLowerCase()));
    }
    const grouped = (await getJson(t.app, "/api/packets?area=BAY&groupByHash=true&limit=5"))
      .body as { packets: { count: number; hash: string }[]; total: number };
    assert.equal(grouped.total, pk.total);
    assert.equal(typeof grouped.packets[0].count, "number");
    const none = (await getJson(t.app, "/api/packets?area=BOX")).body as { total: number };
    assert.equal(none.total, 0);
    assert.equal((await getJson(t.app, "/api/packets?area=NOPE")).status, 400);
    void heard;
  } finally {
    await t.close();
  }
});
