/**
 * Error paths and parameter handling: JSON 404 for unknown API paths, 400
 * naming the parameter, clamped limits, headers, the loading state (503 +
 * Retry-After) and the filters of `/api/packets`.
 */

import assert from "node:assert/strict";
import { getJson, makeApp, type TestApp } from "./helpers.ts";

type Body = Record<string, unknown>;
type Rows = { packets: Body[]; total: number; limit: number; offset: number };

async function withApp(name: string, fn: (t: TestApp) => Promise<void>): Promise<void> {
  await Deno.test(name, async () => {
    const t = await makeApp();
    try {
      await fn(t);
    } finally {
      await t.close();
    }
  });
}

withApp("unknown /api paths answer a JSON 404, never the UI", async (t) => {
  for (
    const [method, path] of [["GET", "/api/nope"], ["GET", "/api/packets/x/y/z"], [
      "POST",
      "/api/nope",
    ], ["DELETE", "/api/packets"]]
  ) {
    const res = await t.app.request(path, { method, body: method === "POST" ? "{}" : undefined });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = await res.json();
    assert.equal(typeof body.error, "string");
  }
});

withApp("every /api response carries no-store and the load status", async (t) => {
  for (const path of ["/api/stats", "/api/nope", "/api/packets?limit=x"]) {
    const { res } = await getJson(t.app, path);
    assert.equal(res.headers.get("cache-control"), "no-store", path);
    assert.equal(res.headers.get("x-corescope-load-status"), "ready", path);
  }
});

withApp("invalid parameters answer 400 naming the parameter", async (t) => {
  const cases: [string, string][] = [
    ["/api/packets?foo=1", "foo"],
    ["/api/packets?limit=abc", "limit"],
    ["/api/packets?offset=-1", "offset"],
    ["/api/packets?order=sideways", "order"],
    ["/api/packets?type=NOTATYPE", "type"],
    ["/api/packets?type=99", "type"],
    ["/api/packets?route=7", "route"],
    ["/api/packets?hash=xyz", "hash"],
    ["/api/packets?since=yesterday", "since"],
    ["/api/packets?until=2026-13-45T99:99:99Z", "until"],
    ["/api/packets?groupByHash=maybe", "groupByHash"],
    ["/api/packets?expand=everything", "expand"],
    ["/api/packets?nodes=abc", "nodes"],
    ["/api/packets?nodes=" + "a".repeat(64) + "&type=4", "type"],
    ["/api/packets/timestamps", "since"],
    ["/api/packets/not-an-id", "id"],
    ["/api/nodes?sortBy=random", "sortBy"],
    ["/api/nodes?lastHeard=2y", "lastHeard"],
    ["/api/nodes/xyz", "pk"],
    ["/api/nodes/" + "1".repeat(64) + "/analytics?days=999", "days"],
    ["/api/nodes/" + "1".repeat(64) + "/neighbors?min_score=2", "min_score"],
    ["/api/resolve-hops", "hops"],
    ["/api/resolve-hops?hops=ABC", "hops"],
    ["/api/resolve-hops?hops=zz", "hops"],
    ["/api/analytics/rf?window=5y", "window"],
    ["/api/analytics/rf?window=1h&from=2026-05-17T00:00:00Z", "window"],
    ["/api/analytics/subpaths?minLen=1", "minLen"],
    ["/api/analytics/subpath-detail?hops=AB", "hops"],
    ["/api/observers/bad%2Cid", "id"],
    ["/api/traces/123", "hash"],
    ["/api/channels?includeEncrypted=perhaps", "includeEncrypted"],
  ];
  for (const [path, param] of cases) {
    const { status, body } = await getJson(t.app, path);
    assert.equal(status, 400, path);
    assert.ok(
      String((body as Body).error).includes(`"${param}"`),
      `${path}: ${(body as Body).error}`,
    );
  }
});

withApp("limits are clamped to their documented range", async (t) => {
  const huge = await getJson(t.app, "/api/packets?limit=99999999");
  assert.equal(huge.status, 200);
  assert.equal((huge.body as Rows).limit, 10_000);
  assert.equal((huge.body as Rows).packets.length, 499);
  const zero = await getJson(t.app, "/api/packets?limit=0");
  assert.equal((zero.body as Rows).limit, 1);
  assert.equal((zero.body as Rows).packets.length, 1);
  const nodes = await getJson(t.app, "/api/nodes?limit=5000");
  assert.equal((nodes.body as { nodes: unknown[] }).nodes.length, 200);
  const msgs = await getJson(t.app, "/api/channels/public/messages?limit=100000");
  assert.equal(msgs.status, 200);
  const spec = await getJson(t.app, "/api/spec");
  const limit = (spec.body as {
    paths: Record<
      string,
      { get: { parameters: { name: string; schema: Body; description: string }[] } }
    >;
  })
    .paths["/api/packets"].get.parameters.find((p) => p.name === "limit")!;
  assert.equal(limit.schema.maximum, 10_000);
  assert.match(limit.description, /clamped/);
});

withApp("packet filters select the right rows", async (t) => {
  const all = (await getJson(t.app, "/api/packets?limit=10000")).body as Rows;
  assert.equal(all.total, 499);
  const adverts = (await getJson(t.app, "/api/packets?type=ADVERT&limit=10000")).body as Rows;
  assert.equal(adverts.total, all.packets.filter((p) => p.payload_type === 4).length);
  assert.ok(adverts.packets.every((p) => p.payload_type === 4));
  const byNum = (await getJson(t.app, "/api/packets?type=4,5&limit=10000")).body as Rows;
  assert.equal(
    byNum.total,
    all.packets.filter((p) => p.payload_type === 4 || p.payload_type === 5).length,
  );
  const direct = (await getJson(t.app, "/api/packets?route=DIRECT&limit=10000")).body as Rows;
  assert.ok(direct.total > 0 && direct.packets.every((p) => p.route_type === 2));
  const asc = (await getJson(t.app, "/api/packets?order=asc&limit=3&offset=2")).body as Rows;
  assert.deepEqual(
    asc.packets.map((p) => p.id),
    all.packets.map((p) => p.id).sort((a, b) => Number(a) - Number(b)).slice(2, 5),
  );
  const since = (await getJson(t.app, "/api/packets?since=2026-05-17T18:00:00Z&limit=10000"))
    .body as Rows;
  assert.equal(
    since.total,
    all.packets.filter((p) => String(p.first_seen) >= "2026-05-17T18:00:00").length,
  );
  const until = (await getJson(t.app, "/api/packets?until=2026-05-17T17:00:00Z&limit=10000"))
    .body as Rows;
  assert.equal(
    until.total,
    all.packets.filter((p) => String(p.first_seen) <= "2026-05-17T17:00:00.000Z").length,
  );
  const obsId = String(all.packets[0].observer_id);
  const byObs = (await getJson(t.app, `/api/packets?observer=${obsId.toLowerCase()}&limit=10000`))
    .body as Rows;
  assert.equal(byObs.total, all.packets.filter((p) => p.observer_id === obsId).length);
  const iata = (await getJson(t.app, "/api/observers")).body as {
    observers: { id: string; iata: string }[];
  };
  const sfo = new Set(iata.observers.filter((o) => o.iata === "SFO").map((o) => o.id));
  const region = (await getJson(t.app, "/api/packets?region=sfo&limit=10000")).body as Rows;
  assert.equal(region.total, all.packets.filter((p) => sfo.has(String(p.observer_id))).length);
  const allRegion = (await getJson(t.app, "/api/packets?region=All")).body as Rows;
  assert.equal(allRegion.total, 499);
  const hash = String(all.packets[7].hash);
  const one = (await getJson(t.app, `/api/packets?hash=${hash.toUpperCase()}`)).body as Rows;
  assert.deepEqual(one.packets.map((p) => p.hash), [hash]);
  const chan = (await getJson(t.app, "/api/packets?channel=%23TEST&limit=10000")).body as Rows;
  assert.equal(chan.total, 35);
  const grouped = (await getJson(t.app, "/api/packets?groupByHash=true&limit=5")).body as Rows;
  assert.ok(grouped.packets.every((p) => "count" in p && "latest" in p && !("resolved_path" in p)));
  const expanded = (await getJson(t.app, "/api/packets?expand=observations&limit=3")).body as Rows;
  assert.ok(
    expanded.packets.every((p) =>
      Array.isArray(p.observations) && (p.observations as unknown[]).length > 0
    ),
  );
});

withApp("node and nodes= filters use the exact indexes", async (t) => {
  const pk = "1000009e310d729534b70faa33a1abe5cd5e45d594f72f786febccbb770b7e74";
  const byNode = (await getJson(t.app, `/api/packets?node=${pk}&limit=10000`)).body as Rows;
  assert.equal(byNode.total, 205); // hopwatch's resolution (the reference's stored paths: 207)
  const byName = (await getJson(
    t.app,
    `/api/packets?node=${encodeURIComponent("1000💥Repeater G2")}&limit=10000`,
  )).body as Rows;
  assert.equal(byName.total, 205);
  const none = (await getJson(t.app, `/api/packets?node=nobody-at-all`)).body as Rows;
  assert.equal(none.total, 0);
  const other = "20aaa863297b2a97372c8ef877d35ee46aa6b5ff4a68ea8bdec3a0dc77cfa54b";
  const both = (await getJson(t.app, `/api/packets?nodes=${pk},${other}&limit=10000`)).body as Rows;
  const ids = new Set([...byNode.packets.map((p) => p.id)]);
  const second = (await getJson(t.app, `/api/packets?node=${other}&limit=10000`)).body as Rows;
  for (const p of second.packets) ids.add(p.id);
  assert.equal(both.total, ids.size);
  const page =
    (await getJson(t.app, `/api/packets?nodes=${pk}&limit=5&order=asc&since=2026-05-17T17:00:00Z`))
      .body as Rows;
  assert.equal(page.packets.length, 5);
  assert.ok(page.packets.every((p) => String(p.first_seen) >= "2026-05-17T17:00:00"));
});

withApp("packet detail: hash (any case), transmission id, observation id, 404", async (t) => {
  const byHash = await getJson(t.app, "/api/packets/09F282F70CC1FF60");
  assert.equal(byHash.status, 200);
  const id = ((byHash.body as { packet: Body }).packet.id) as number;
  const byId = await getJson(t.app, `/api/packets/${id}`);
  assert.equal((byId.body as { packet: Body }).packet.hash, "09f282f70cc1ff60");
  const obsId = ((byHash.body as { observations: Body[] }).observations[0].id) as number;
  const byObs = await getJson(t.app, `/api/packets/${obsId}`);
  assert.equal(byObs.status, 200);
  assert.equal((await getJson(t.app, "/api/packets/ffffffffffffffff")).status, 404);
  assert.equal((await getJson(t.app, "/api/packets/999999999")).status, 404);
  const traces = await getJson(t.app, "/api/traces/09f282f70cc1ff60");
  assert.equal((traces.body as { traces: unknown[] }).traces.length, 1);
});

Deno.test("while the store loads: 503 + Retry-After for index endpoints, healthz 503, load header", async () => {
  const t = await makeApp({ noLoad: true });
  try {
    const paths = await getJson(t.app, "/api/nodes/" + "1".repeat(64) + "/paths");
    assert.equal(paths.status, 503);
    assert.equal(paths.res.headers.get("retry-after"), "5");
    assert.deepEqual(paths.body, { error: "index loading" });
    assert.equal(paths.res.headers.get("x-corescope-load-status"), "loading; progress=42");
    const hz = await getJson(t.app, "/api/healthz");
    assert.equal(hz.status, 503);
    assert.equal((hz.body as Body).ready, false);
    assert.equal((hz.body as Body).progress, 42);
    const stats = await getJson(t.app, "/api/stats");
    assert.equal(stats.status, 200);
  } finally {
    await t.close();
  }
});

Deno.test("blacklisted and hidden nodes answer 404 and are left out of lists", async () => {
  const pk = "1000009e310d729534b70faa33a1abe5cd5e45d594f72f786febccbb770b7e74";
  const t = await makeApp({
    config: { nodeBlacklist: [pk.toUpperCase()], raw: { hiddenNamePrefixes: ["MRO-"] } },
  });
  try {
    assert.equal((await getJson(t.app, `/api/nodes/${pk}`)).status, 404);
    assert.equal((await getJson(t.app, `/api/nodes/${pk}/paths`)).status, 404);
    const mro = "20aaa863297b2a97372c8ef877d35ee46aa6b5ff4a68ea8bdec3a0dc77cfa54b";
    assert.equal((await getJson(t.app, `/api/nodes/${mro}`)).status, 404);
    const list = (await getJson(t.app, "/api/nodes?limit=2000")).body as {
      nodes: Body[];
      total: number;
    };
    assert.equal(list.total, 200 - 1 - 3, "one blacklisted key, three MRO- names");
    assert.ok(!list.nodes.some((n) => n.public_key === pk || String(n.name).startsWith("MRO-")));
  } finally {
    await t.close();
  }
});

Deno.test("packet detail falls back to SQL for transmissions no longer in memory", async () => {
  const t = await makeApp();
  try {
    const hash = "09f282f70cc1ff60";
    const before = (await getJson(t.app, `/api/packets/${hash}`)).body as { packet: Body };
    t.stack.store.removeTransmissions([before.packet.id as number]);
    assert.equal(t.stack.store.getByHash(hash), null);
    const { status, body } = await getJson(t.app, `/api/packets/${hash}`);
    assert.equal(status, 200);
    const b = body as { packet: Body; observations: Body[]; breakdown: { ranges: unknown[] } };
    assert.equal(b.packet.id, before.packet.id);
    assert.equal(b.packet.hash, hash);
    assert.equal(b.observations.length, 1);
    assert.equal((b.observations[0].resolved_path as unknown[]).length, 6);
    assert.ok(b.breakdown.ranges.length > 3);
    const traces = (await getJson(t.app, `/api/traces/${hash}`)).body as { traces: unknown[] };
    assert.equal(traces.traces.length, 1);
  } finally {
    await t.close();
  }
});
