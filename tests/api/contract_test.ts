/**
 * Contract tests: responses over the fixture database carry every field of
 * the reference captures (`shared/fixtures/api-captures`) with the same JSON
 * type.
 */

import assert from "node:assert/strict";
import {
  capture,
  FIXTURE_NOW,
  getJson,
  makeApp,
  shapeMismatches,
  type TestApp,
} from "./helpers.ts";
import { buildPacketFrame } from "../../src/api/ws_frame.ts";
import { decodePacket } from "../../src/meshcore/mod.ts";

type Case = [string, (t: TestApp) => Promise<void>];
const cases: Case[] = [];
function test(name: string, fn: (t: TestApp) => Promise<void>): void {
  cases.push([name, fn]);
}

test("contract: GET /api/packets matches packets.json", async (t) => {
  const expected = await capture("packets.json");
  const { status, body } = await getJson(t.app, "/api/packets?limit=5");
  assert.equal(status, 200);
  assert.deepEqual(shapeMismatches(expected, body), []);
  const b = body as { packets: unknown[]; total: number; limit: number; offset: number };
  assert.equal(b.packets.length, 5);
  assert.equal(b.total, 499);
  assert.equal(b.limit, 5);
  assert.equal(b.offset, 0);
});

for (
  const [file, ref] of [
    ["packet-type-advert.json", "09f282f70cc1ff60"],
    ["packet-type-grptxt-undecrypted.json", "6ec711b7e93e3731"],
    ["packet-type-req.json", "db884700fb37821d"],
  ]
) {
  test(`contract: GET /api/packets/{hash} matches ${file}`, async (t) => {
    const expected = await capture(file) as Record<string, unknown>;
    const { status, body } = await getJson(t.app, `/api/packets/${ref.toUpperCase()}`);
    assert.equal(status, 200);
    assert.deepEqual(shapeMismatches(expected, body), []);
    const b = body as {
      packet: { hash: string; decoded_json: string };
      breakdown: { ranges: unknown[] };
    };
    assert.equal(b.packet.hash, ref);
    assert.equal(typeof JSON.parse(b.packet.decoded_json), "object");
    assert.ok(b.breakdown.ranges.length >= 3);
  });
}

test("contract: GET /api/nodes/{pk}/paths matches node-paths.json", async (t) => {
  const expected = await capture("node-paths.json");
  const pk = "1000009e310d729534b70faa33a1abe5cd5e45d594f72f786febccbb770b7e74";
  const { status, body } = await getJson(t.app, `/api/nodes/${pk}/paths`);
  assert.equal(status, 200);
  assert.deepEqual(shapeMismatches(expected, body), []);
  const b = body as {
    paths: { hops: { pubkey: string | null }[] }[];
    totalTransmissions: number;
  };
  assert.ok(b.paths.length > 0);
  assert.ok(b.totalTransmissions >= b.paths.length);
  for (const p of b.paths) {
    assert.ok(p.hops.some((h) => h.pubkey === pk), "every path names the node");
  }
});

test("contract: the WebSocket frame matches websocket-message.json (current field names)", async (t) => {
  const cap = await capture("websocket-message.json") as {
    type: string;
    data: Record<string, unknown>;
  };
  // api.md §3: the legacy capture says raw/observer; hopwatch emits raw_hex/observer_id, and
  // decoded.path appears only for TRACE (decoded.transportCodes is not part of the frame).
  const data: Record<string, unknown> = {
    ...cap.data,
    raw_hex: cap.data.raw,
    observer_id: cap.data.observer,
  };
  delete data.raw;
  delete data.observer;
  const decoded = { ...(data.decoded as Record<string, unknown>) };
  delete decoded.path;
  delete decoded.transportCodes;
  delete decoded.raw;
  data.decoded = decoded;
  const tx = t.stack.store.getByHash("09f282f70cc1ff60", true)!;
  const frame = JSON.parse(buildPacketFrame({
    tx,
    obs: tx.observations![0],
    decoded: decodePacket(tx.rawHex),
    resolvedPath: [],
  }));
  assert.deepEqual(shapeMismatches({ type: cap.type, data }, frame), []);
  assert.equal(frame.data.packet.hash, "09f282f70cc1ff60");
  assert.equal(frame.data.decoded.header.payloadTypeName, "ADVERT");
  assert.equal(frame.data.decoded.path, undefined);
});

test("contract: list endpoints answer their documented top-level fields", async (t) => {
  const checks: [string, string[]][] = [
    ["/api/nodes?limit=3", ["nodes", "total", "counts"]],
    ["/api/nodes/search?q=rep", ["nodes"]],
    ["/api/observers", ["observers", "server_time"]],
    ["/api/channels", ["channels"]],
    ["/api/stats", [
      "totalPackets",
      "totalTransmissions",
      "totalObservations",
      "engine",
      "counts",
    ]],
    ["/api/health", ["status", "uptime", "memory", "websocket", "packetStore"]],
    ["/api/healthz", ["ready", "loadedTx", "loadedObs"]],
    ["/api/config/client", ["roles", "healthThresholds", "propagationBufferMs", "customizer"]],
    ["/api/config/theme", ["branding", "theme", "nodeColors", "markerStroke"]],
    ["/api/config/map", ["center", "zoom", "tiles"]],
    ["/api/analytics/rf", ["snr", "rssi", "packetsPerHour", "payloadTypes", "scatterData"]],
    ["/api/analytics/topology", [
      "hopDistribution",
      "topRepeaters",
      "topPairs",
      "perObserverReach",
    ]],
    ["/api/analytics/channels", ["activeChannels", "topSenders", "channelTimeline"]],
    ["/api/analytics/subpaths", ["subpaths", "totalPaths"]],
    ["/api/analytics/hash-sizes", ["distribution", "multiByteNodes"]],
    ["/api/analytics/hash-collisions", ["by_size", "inconsistent_nodes"]],
    ["/api/analytics/neighbor-graph", ["nodes", "edges", "stats"]],
    ["/api/mqtt/status", ["sources", "buffer", "ingest"]],
  ];
  for (const [path, keys] of checks) {
    const { status, body } = await getJson(t.app, path);
    assert.equal(status, 200, path);
    for (const k of keys) assert.ok(k in (body as object), `${path} lacks ${k}`);
  }
  const ts = await getJson(t.app, "/api/packets/timestamps?since=2026-05-17T18:00:00Z");
  assert.ok(Array.isArray(ts.body));
  const list = ts.body as string[];
  assert.deepEqual(list, [...list].sort());
  assert.ok(list.every((s) => s >= "2026-05-17T18:00:00"));
  assert.ok(FIXTURE_NOW > 0);
});

Deno.test("API contract over the fixture database", async (tc) => {
  const t = await makeApp();
  try {
    for (const [name, fn] of cases) await tc.step(name, () => fn(t));
  } finally {
    await t.close();
  }
});
