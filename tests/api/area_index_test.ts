/**
 * The area node sets behind `?area=` (src/api/area_index.ts): built once,
 * then kept current by node events — a node that appears in, moves into, moves
 * out of or is removed from an area is in (or out of) `/api/nodes?area=` and
 * `/api/packets?area=` at once, as the UI's live rows assume — and a bad area
 * name answers 400 naming the parameter.
 */

import assert from "node:assert/strict";
import { buildAdvertPayload, bytesToHex, encodePacket } from "../../src/meshcore/encode.ts";
import { NodeDirectory, type NodeInfo } from "../../src/store/node_directory.ts";
import { AreaIndex } from "../../src/api/area_index.ts";
import type { AreaEntry } from "../../src/cli/config_geo.ts";
import { getJson, makeApp, TEST_KEY } from "./helpers.ts";

const PASO: AreaEntry = {
  key: "PASO",
  label: "Paso Robles",
  polygon: [[35.3, -121.0], [35.3, -120.3], [35.9, -120.3], [35.9, -121.0]],
  latMin: null,
  latMax: null,
  lonMin: null,
  lonMax: null,
};
const BOX: AreaEntry = {
  key: "BOX",
  label: "Box",
  polygon: null,
  latMin: 0,
  latMax: 1,
  lonMin: 0,
  lonMax: 1,
};

/** A point test like the API's: a real position inside the polygon or box. */
function inside(a: AreaEntry, n: NodeInfo): boolean {
  if (n.lat === null || n.lon === null) return false;
  if (a.polygon) {
    const lats = a.polygon.map((p) => p[0]), lons = a.polygon.map((p) => p[1]);
    return n.lat > Math.min(...lats) && n.lat < Math.max(...lats) &&
      n.lon > Math.min(...lons) && n.lon < Math.max(...lons);
  }
  return n.lat >= a.latMin! && n.lat <= a.latMax! && n.lon >= a.lonMin! && n.lon <= a.lonMax!;
}

Deno.test("area index: built once, then follows nodes added, moved and removed", () => {
  const dir = new NodeDirectory();
  const key = (i: number) => i.toString(16).padStart(64, "0");
  dir.upsert({ publicKey: key(1), name: "in", lat: 35.6, lon: -120.7 });
  dir.upsert({ publicKey: key(2), name: "out", lat: 37.8, lon: -122.3 });
  dir.upsert({ publicKey: key(3), name: "no position" });
  let tests = 0;
  const ix = new AreaIndex(dir, (a, n) => (tests++, inside(a, n)));
  const ids = (a: AreaEntry) => [...ix.ids(a)].map((id) => dir.keyOf(id)).sort();
  assert.deepEqual(ids(PASO), [key(1)]);
  assert.equal(tests, 3, "one pass over the nodes");
  assert.deepEqual(ids(PASO), [key(1)]);
  assert.equal(tests, 3, "answered from the set");
  dir.upsert({ publicKey: key(1), name: "renamed" }); // no move: no test
  assert.equal(tests, 3);
  dir.upsert({ publicKey: key(4), lat: 35.5, lon: -120.5 }); // appears inside
  dir.upsert({ publicKey: key(2), lat: 35.7, lon: -120.6 }); // moves in
  dir.upsert({ publicKey: key(1), lat: 36.5, lon: -121.5 }); // moves out
  dir.upsert({ publicKey: key(3), lat: 35.8, lon: -120.9 }); // gets a position inside
  assert.deepEqual(ids(PASO), [key(2), key(3), key(4)]);
  dir.remove(key(4));
  assert.deepEqual(ids(PASO), [key(2), key(3)]);
  // A second area is built on first use and maintained alongside.
  assert.deepEqual(ids(BOX), []);
  dir.upsert({ publicKey: key(5), lat: 0.5, lon: 0.5 });
  assert.deepEqual(ids(BOX), [key(5)]);
  assert.deepEqual(ids(PASO), [key(2), key(3)]);
  // Another config object for the same key is another shape: rebuilt.
  assert.deepEqual(ids({ ...PASO, polygon: [[0, 0], [0, 1], [1, 1], [1, 0]] }), [key(5)]);
});

async function advert(name: string, lat: number, lon: number): Promise<string> {
  const kp = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
  const payload = await buildAdvertPayload({
    privateKey: kp.privateKey,
    publicKey,
    timestamp: Math.floor(Date.now() / 1000),
    role: "companion",
    lat,
    lon,
    name,
  });
  return bytesToHex(encodePacket({ routeType: 1, payloadType: 4, hashSize: 1, hops: [], payload }));
}

Deno.test("?area= lists a node as soon as its advert puts it in the area; bad names are 400", async () => {
  const t = await makeApp({
    config: {
      apiKey: TEST_KEY,
      raw: { areas: { PASO: { label: "Paso Robles", polygon: PASO.polygon } } },
    },
  });
  try {
    const names = async () =>
      ((await getJson(t.app, "/api/nodes?area=PASO&limit=100")).body as {
        nodes: { name: string }[];
      }).nodes.map((n) => n.name).sort();
    const before = await names();
    assert.equal(before.length, 6, before.join(", "));
    const adverts = async () =>
      ((await getJson(t.app, "/api/packets?area=PASO&groupByHash=true")).body as {
        total: number;
      }).total;
    assert.equal(await adverts(), 2);
    for (const [name, lat, lon] of [["Area New", 35.61, -120.71], ["Far Away", 37.8, -122.27]]) {
      const res = await t.app.request("/api/packets", {
        method: "POST",
        headers: { "X-API-Key": TEST_KEY, "Content-Type": "application/json" },
        body: JSON.stringify({ hex: await advert(name as string, lat as number, lon as number) }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    // No wait: the set followed the node directory.
    assert.deepEqual(await names(), [...before, "Area New"].sort());
    assert.equal(await adverts(), 3);
    for (
      const path of [
        "/api/nodes?area=NOPE",
        "/api/packets?area=NOPE",
        "/api/packets?area=NOPE&groupByHash=true",
        "/api/packets?area=paso&expand=observations",
      ]
    ) {
      const r = await getJson(t.app, path);
      assert.equal(r.status, 400, path);
      assert.match(JSON.stringify(r.body), /parameter \\"area\\"/, path);
    }
    // What the Packets page sends with an area: every row source's parameters.
    for (
      const path of [
        "/api/packets?area=PASO&groupByHash=true&limit=250&offset=0",
        "/api/packets?area=PASO&expand=observations&limit=62&offset=0&since=2026-05-01T00:00:00Z",
        "/api/packets?area=PASO&groupByHash=true&type=4&until=2026-12-31T00:00:00Z",
      ]
    ) assert.equal((await getJson(t.app, path)).status, 200, path);
  } finally {
    await t.close();
  }
});
