/**
 * Contract tests of the reference-parity endpoints (issue 14): every field
 * the reference's pages read is present with the same JSON type, over the
 * fixture database; bad parameters answer 400 naming the parameter, and no
 * request answers 500.
 */

import assert from "node:assert/strict";
import { getJson, makeApp, TEST_KEY, type TestApp } from "./helpers.ts";
import { checkShape, type Spec } from "./shape_check.ts";
import * as S from "./reference_shapes.ts";

const KEY = { headers: { "X-API-Key": TEST_KEY } };

type Case = [string, (t: TestApp) => Promise<void>];
const cases: Case[] = [];
function test(name: string, fn: (t: TestApp) => Promise<void>): void {
  cases.push([name, fn]);
}

async function shaped(t: TestApp, path: string, spec: Spec, init?: RequestInit) {
  const { status, body } = await getJson(t.app, path, init);
  assert.equal(status, 200, `${path}: ${JSON.stringify(body).slice(0, 200)}`);
  assert.deepEqual(checkShape(spec, body), [], path);
  return body as Record<string, unknown>;
}

async function post(t: TestApp, path: string, body: unknown) {
  return await getJson(t.app, path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

test("analytics/rf: reference shape, counts agree", async (t) => {
  const rf = await shaped(t, "/api/analytics/rf", S.RF) as {
    totalTransmissions: number;
    payloadTypes: { count: number }[];
    snrValues: { bins: { count: number }[] };
    totalPackets: number;
    packetsPerHour: { hour: string }[];
  };
  assert.equal(rf.totalTransmissions, 499);
  assert.equal(rf.payloadTypes.reduce((a, b) => a + b.count, 0), 499);
  // The fixture's observations carry no SNR: an empty histogram, zero summaries.
  assert.equal(rf.snrValues.bins.length, rf.totalPackets ? 20 : 0);
  assert.equal(rf.snrValues.bins.reduce((a, b) => a + b.count, 0), rf.totalPackets);
  assert.match(rf.packetsPerHour[0].hour, /^\d{4}-\d\d-\d\dT\d\d$/);
  await shaped(t, "/api/analytics/rf?window=24h", S.RF);
});

test("analytics/topology: hopDistribution is an array, rings per observer", async (t) => {
  const topo = await shaped(t, "/api/analytics/topology", S.TOPOLOGY) as {
    hopDistribution: { hops: number; count: number }[];
    perObserverReach: Record<string, unknown>;
    topRepeaters: { count: number }[];
  };
  assert.ok(Array.isArray(topo.hopDistribution) && topo.hopDistribution.length > 0);
  const hops = topo.hopDistribution.map((h) => h.hops);
  assert.deepEqual(hops, [...hops].sort((a, b) => a - b));
  assert.ok(Object.keys(topo.perObserverReach).length > 0);
  assert.ok(topo.topRepeaters.length > 0);
});

test("analytics/channels: channel rows by hash byte", async (t) => {
  const ch = await shaped(t, "/api/analytics/channels", S.CHANNELS) as {
    activeChannels: number;
    channels: { hash: string; messages: number }[];
  };
  assert.equal(ch.activeChannels, ch.channels.length);
  assert.ok(ch.channels.length > 0);
  for (const c of ch.channels) assert.match(c.hash, /^(\d{1,3}|\?)$/);
});

test("analytics/hash-sizes and hash-collisions", async (t) => {
  const hs = await shaped(t, "/api/analytics/hash-sizes", S.HASH_SIZES) as {
    total: number;
    distribution: Record<string, number>;
  };
  assert.equal(hs.distribution[1] + hs.distribution[2] + hs.distribution[3], hs.total);
  const hc = await shaped(t, "/api/analytics/hash-collisions", S.HASH_COLLISIONS) as {
    by_size: Record<string, { one_byte_cells?: Record<string, unknown> }>;
  };
  assert.equal(Object.keys(hc.by_size[1].one_byte_cells!).length, 256);
});

test("analytics/subpaths and subpaths-bulk agree", async (t) => {
  const one = await shaped(t, "/api/analytics/subpaths?minLen=2&maxLen=2&limit=5", S.SUBPATHS);
  const bulk = await shaped(t, "/api/analytics/subpaths-bulk?groups=2-2:5,3-3:4,5-8:3", {
    results: [S.SUBPATHS],
  }) as { results: { subpaths: { hops: number }[] }[] };
  assert.equal(bulk.results.length, 3);
  assert.deepEqual(bulk.results[0], one);
  for (const s of bulk.results[1].subpaths) assert.equal(s.hops, 3);
  const top = (one as { subpaths: { rawHops: string[]; count: number }[] }).subpaths[0];
  const detail = await shaped(
    t,
    `/api/analytics/subpath-detail?hops=${top.rawHops.join(",")}`,
    S.SUBPATH_DETAIL,
  ) as { totalMatches: number; hourDistribution: number[] };
  assert.equal(detail.totalMatches, top.count);
  assert.equal(detail.hourDistribution.length, 24);
  assert.equal(detail.hourDistribution.reduce((a, b) => a + b, 0), top.count);
});

test("analytics/roles and relay-airtime-share", async (t) => {
  const roles = await shaped(t, "/api/analytics/roles", S.ROLES) as {
    totalNodes: number;
    roles: { nodeCount: number }[];
  };
  assert.equal(roles.roles.reduce((a, r) => a + r.nodeCount, 0), roles.totalNodes);
  const air = await shaped(t, "/api/analytics/relay-airtime-share", S.AIRTIME) as {
    rows: { count: number; airtime_pct: number }[];
    total_count: number;
    total_score: number;
  };
  assert.equal(air.rows.reduce((a, r) => a + r.count, 0), air.total_count);
  assert.equal(air.total_count, 499);
  assert.ok(air.total_score > 0);
  const pct = air.rows.reduce((a, r) => a + r.airtime_pct, 0);
  assert.ok(Math.abs(pct - 100) < 1e-6);
  await shaped(t, "/api/analytics/relay-airtime-share?window=1h", S.AIRTIME);
});

test("paths/inspect: candidates carry the resolver's confidence", async (t) => {
  const pairs = (await getJson(t.app, "/api/analytics/subpaths?minLen=3&maxLen=3&limit=100"))
    .body as { subpaths: { rawHops: string[]; names: (string | null)[] }[] };
  // A path whose every hop has at least one relay-capable candidate.
  const prefixes = pairs.subpaths.find((s) => s.names.every((n) => n !== null))!.rawHops;
  const { status, body } = await post(t, "/api/paths/inspect", { prefixes });
  assert.equal(status, 200);
  assert.deepEqual(checkShape(S.INSPECT, body), []);
  const b = body as {
    candidates: {
      path: string[];
      score: number;
      speculative: boolean;
      evidence: { perHop: { confidence: number; chosen: string }[] };
    }[];
    hops: { pubkey: string | null; confidence: number }[];
  };
  assert.ok(b.candidates.length > 0);
  const scores = b.candidates.map((c) => c.score);
  assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
  for (const c of b.candidates) {
    assert.equal(c.path.length, prefixes.length);
    c.path.forEach((k, i) => assert.ok(k.startsWith(prefixes[i].toLowerCase())));
    const resolverPath = b.hops.every((h, i) => h.pubkey === c.path[i]);
    assert.equal(c.speculative, !resolverPath);
    for (const h of c.evidence.perHop) assert.ok(h.confidence >= 0 && h.confidence <= 1);
  }
});

test("paths/inspect: a hop no relay carries leaves no candidate route", async (t) => {
  const { status, body } = await post(t, "/api/paths/inspect", { prefixes: ["d6", "33"] });
  assert.equal(status, 200);
  const b = body as { candidates: unknown[]; hops: { label: string }[] };
  assert.deepEqual(b.candidates, []);
  assert.equal(b.hops[0].label, "no_match");
});

test("paths/inspect refuses bad bodies with 400", async (t) => {
  for (
    const [body, word] of [
      ["{", "JSON"],
      [{}, "prefixes"],
      [{ prefixes: [] }, "prefixes"],
      [{ prefixes: ["zz"] }, "prefixes"],
      [{ prefixes: ["abcdef01"] }, "prefixes"],
      [{ prefixes: ["ab", "abcd"] }, "prefixes"],
      [{ prefixes: Array(65).fill("ab") }, "prefixes"],
      [{ prefixes: ["ab"], limit: "x" }, "limit"],
      [{ prefixes: ["ab"], context: 5 }, "context"],
    ] as [unknown, string][]
  ) {
    const r = await post(t, "/api/paths/inspect", body);
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 40));
    assert.match(String((r.body as { error: string }).error), new RegExp(word));
  }
});

test("nodes/resolve: unique, ambiguous, unknown", async (t) => {
  const pk = t.stack.nodes.values().next().value!.publicKey;
  const one = (await getJson(t.app, `/api/nodes/resolve?prefix=${pk.slice(0, 12)}`)).body;
  assert.deepEqual(one, {
    prefix: pk.slice(0, 12),
    pubkey: pk,
    name: t.stack.nodes.byKey(pk)!.name ?? "",
    ambiguous: false,
  });
  const none = (await getJson(t.app, "/api/nodes/resolve?prefix=ffffffffffffff")).body;
  assert.deepEqual(none, { prefix: "ffffffffffffff", ambiguous: false });
  // Any 2-hex prefix shared by two keys answers ambiguous.
  const keys = [...t.stack.nodes.values()].map((n) => n.publicKey).sort();
  const dup = keys.find((k, i) => i > 0 && keys[i - 1].slice(0, 4) === k.slice(0, 4));
  if (dup) {
    const amb = (await getJson(t.app, `/api/nodes/resolve?prefix=${dup.slice(0, 4)}`)).body;
    assert.deepEqual(amb, { prefix: dup.slice(0, 4), ambiguous: true });
  }
});

test("known-channels, audio-lab, docs", async (t) => {
  await shaped(t, "/api/known-channels", S.KNOWN_CHANNELS);
  await shaped(t, "/api/known-channels?region=SJC", S.KNOWN_CHANNELS);
  const audio = await shaped(t, "/api/audio-lab/buckets", S.AUDIO) as {
    buckets: Record<string, unknown[]>;
  };
  assert.ok(audio.buckets.ADVERT.length > 0 && audio.buckets.ADVERT.length <= 8);
  const docs = await t.app.request("/api/docs");
  assert.equal(docs.status, 200);
  const html = await docs.text();
  assert.ok(html.includes("/api/paths/inspect") && html.includes("/api/analytics/rf"));
  assert.ok(!html.includes("<script"));
});

test("perf endpoints", async (t) => {
  await getJson(t.app, "/api/stats");
  const perf = await shaped(t, "/api/perf", S.PERF) as {
    endpoints: Record<string, unknown>;
    totalRequests: number;
  };
  assert.ok("/api/stats" in perf.endpoints, Object.keys(perf.endpoints).join());
  assert.ok(perf.totalRequests >= 1);
  await shaped(t, "/api/perf?mem=true", S.PERF);
  await shaped(t, "/api/perf/io", S.PERF_IO);
  await shaped(t, "/api/perf/io", S.PERF_IO);
  await shaped(t, "/api/perf/sqlite", S.PERF_SQLITE);
  await shaped(t, "/api/perf/write-sources", S.WRITE_SOURCES);
  const noKey = await getJson(t.app, "/api/perf/reset", { method: "POST" });
  assert.ok(noKey.status === 401 || noKey.status === 403);
  const reset = await getJson(t.app, "/api/perf/reset", { method: "POST", ...KEY });
  assert.deepEqual(reset.body, { ok: true });
  const after = (await getJson(t.app, "/api/perf")).body as { totalRequests: number };
  assert.ok(after.totalRequests <= 1);
});

test("dropped-packets and debug/affinity need the key", async (t) => {
  for (const path of ["/api/dropped-packets", "/api/debug/affinity"]) {
    const r = await getJson(t.app, path);
    assert.ok(r.status === 401 || r.status === 403, path);
  }
  const drops = await getJson(t.app, "/api/dropped-packets?limit=5", KEY);
  assert.equal(drops.status, 200);
  assert.ok(Array.isArray(drops.body));
  await shaped(t, "/api/debug/affinity", S.AFFINITY, KEY);
  const withPrefix = await shaped(t, "/api/debug/affinity?prefix=a1", S.AFFINITY, KEY) as {
    resolutions: unknown[];
  };
  assert.equal(withPrefix.resolutions.length, 1);
});

test("nodes/{pk}/analytics: the reference's node analytics shape", async (t) => {
  const pk = "33333333ab5d31112de8b847a4cbab05f5e8e60deb4e91b8a464b1b5e0357549";
  const a = await shaped(t, `/api/nodes/${pk}/analytics?days=7`, S.NODE_ANALYTICS) as {
    computedStats: { totalPackets: number; signalGrade: string };
    hopDistribution: { count: number }[];
  };
  assert.ok(a.computedStats.totalPackets > 0);
  assert.equal(a.hopDistribution.reduce((x, h) => x + h.count, 0), a.computedStats.totalPackets);
  assert.match(a.computedStats.signalGrade, /^(A|A-|B\+|B|C|D)$/);
});

test("bad parameters answer 400 naming the parameter; nothing answers 500", async (t) => {
  const bad: [string, string, RequestInit?][] = [
    ["/api/analytics/rf?window=2y", "window"],
    ["/api/analytics/topology?window=x", "window"],
    ["/api/analytics/channels?from=notatime", "from"],
    ["/api/analytics/hash-sizes?bogus=1", "bogus"],
    ["/api/analytics/subpaths-bulk", "groups"],
    ["/api/analytics/subpaths-bulk?groups=1-2:5", "groups"],
    ["/api/analytics/subpaths-bulk?groups=3-2:5", "groups"],
    ["/api/analytics/subpaths-bulk?groups=2-9:5", "groups"],
    ["/api/analytics/subpaths-bulk?groups=2-2", "groups"],
    ["/api/analytics/subpaths-bulk?groups=a", "groups"],
    ["/api/analytics/relay-airtime-share?window=5m", "window"],
    ["/api/analytics/roles?x=1", "x"],
    ["/api/nodes/resolve", "prefix"],
    ["/api/nodes/resolve?prefix=abc", "prefix"],
    ["/api/nodes/resolve?prefix=zzzz", "prefix"],
    ["/api/audio-lab/buckets?type=1", "type"],
    ["/api/perf?mem=maybe", "mem"],
    ["/api/dropped-packets?limit=x", "limit", KEY],
    ["/api/dropped-packets?pubkey=12", "pubkey", KEY],
    ["/api/debug/affinity?prefix=xyz", "prefix", KEY],
    ["/api/debug/affinity?node=ab", "node", KEY],
  ];
  for (const [path, name, init] of bad) {
    const r = await getJson(t.app, path, init);
    assert.equal(r.status, 400, path);
    assert.match(String((r.body as { error: string }).error), new RegExp(`"${name}"`), path);
  }
  for (
    const path of [
      "/api/analytics/rf?region=XXX",
      "/api/analytics/topology?region=XXX",
      "/api/analytics/channels?region=XXX",
      "/api/analytics/hash-sizes?region=XXX",
      "/api/analytics/hash-collisions?region=XXX",
      "/api/analytics/subpaths-bulk?groups=2-2:1&region=XXX",
      "/api/analytics/relay-airtime-share?region=XXX",
      "/api/known-channels?region=XXX",
    ]
  ) {
    const r = await getJson(t.app, path);
    assert.equal(r.status, 200, path);
  }
});

Deno.test("reference-parity endpoints over the fixture database", async (tc) => {
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  try {
    for (const [name, fn] of cases) await tc.step(name, () => fn(t));
  } finally {
    await t.close();
  }
});

Deno.test("memoised analytics answer 503 with Retry-After while the store loads", async () => {
  const t = await makeApp({ noLoad: true });
  try {
    for (
      const path of [
        "/api/analytics/rf",
        "/api/analytics/topology",
        "/api/analytics/subpaths-bulk?groups=2-2:5",
        "/api/analytics/relay-airtime-share",
      ]
    ) {
      const r = await getJson(t.app, path);
      assert.equal(r.status, 503, path);
      assert.equal(r.res.headers.get("Retry-After"), "5");
    }
    // Directory-only answers do not wait for the store.
    assert.equal((await getJson(t.app, "/api/analytics/roles")).status, 200);
  } finally {
    await t.close();
  }
});
