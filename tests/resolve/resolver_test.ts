import assert from "node:assert/strict";
import { east, hops, makeMesh, T0_MS } from "./helpers.ts";

const BASE = { lat: 37.77, lon: -122.42 };
const LA = { lat: 34.05, lon: -118.24 }; // ~560 km away
const at = (km: number) => east(BASE.lat, BASE.lon, km);
const NOW = T0_MS + 3600_000;

Deno.test("resolver: unique prefixes resolve, unknown prefixes do not", () => {
  const { resolver, id } = makeMesh([
    { key: "aa", name: "A", ...at(0) },
    { key: "bbcc", name: "B", ...at(5) },
    { key: "bb", name: "C", role: "companion", ...at(6) }, // companions never relay
  ]);
  const p = resolver.resolvePath(hops("AA", "BB", "CC"), 1, 3, { nowMs: NOW });
  assert.deepEqual([...p.nodeIds], [id("A"), id("B"), -1]);
  assert.deepEqual(p.labels, ["unique", "unique", "no_match"]);
  assert.ok(Math.abs(p.confidence[0] - 0.95) < 1e-6);
  assert.equal(p.confidence[2], 0);
  const p2 = resolver.resolvePath(hops("BBCC"), 2, 1, { nowMs: NOW });
  assert.deepEqual([...p2.nodeIds], [id("B")]);
  assert.equal(p2.confidence[0], 1);
  assert.equal(resolver.resolvePath(hops(), 1, 0, { nowMs: NOW }).hopCount, 0);
});

Deno.test("resolver: ambiguous hops resolved by adjacency in both directions, to a fixpoint", () => {
  const { resolver, id } = makeMesh([
    { key: "c1", name: "U", ...at(0) },
    { key: "ab", name: "A1", ...at(5) },
    { key: "ab", name: "A2", ...at(6) }, // same prefix, same area: geography cannot tell
    { key: "cd", name: "B1", ...at(10) },
    { key: "cd", name: "B2", ...at(11) },
    { key: "c2", name: "V", ...at(15) },
  ]);
  const g = resolver.graph;
  g.addEdge(id("U"), id("A1"), T0_MS, 3);
  g.addEdge(id("A1"), id("B1"), T0_MS, 3);
  g.addEdge(id("B1"), id("V"), T0_MS, 3);
  // Forward: the known hop before decides.
  const fwd = resolver.resolvePath(hops("C1", "AB"), 1, 2, { nowMs: NOW });
  assert.deepEqual([...fwd.nodeIds], [id("U"), id("A1")]);
  assert.equal(fwd.labels[1], "adjacent");
  assert.ok(fwd.confidence[1] >= 0.9);
  // Backward: the known hop after decides.
  const back = resolver.resolvePath(hops("AB", "C1"), 1, 2, { nowMs: NOW });
  assert.deepEqual([...back.nodeIds], [id("A1"), id("U")]);
  // Fixpoint: V resolves CD backwards, then CD resolves AB.
  const chain = resolver.resolvePath(hops("AB", "CD", "C2"), 1, 3, { nowMs: NOW });
  assert.deepEqual([...chain.nodeIds], [id("A1"), id("B1"), id("V")]);
  assert.deepEqual(chain.labels, ["adjacent", "adjacent", "unique"]);
});

Deno.test("resolver: ambiguous with no evidence stays unknown (never a guess)", () => {
  const { resolver, dir, id } = makeMesh([
    { key: "c1", name: "U", ...at(0) },
    { key: "ab", name: "A1", ...at(5) },
    { key: "ab", name: "A2", ...at(5.5) },
  ]);
  // A1 is the "popular" one: more adverts, more recent. Still not a reason.
  dir.upsert({
    publicKey: dir.keyOf(id("A1")),
    advertCount: 500,
    lastSeen: "2026-05-10T00:59:00Z",
  });
  const p = resolver.resolvePath(hops("C1", "AB"), 1, 2, { nowMs: NOW });
  assert.equal(p.nodeIds[1], -1);
  assert.equal(p.labels[1], "ambiguous");
  const alone = resolver.resolvePath(hops("AB"), 1, 1, { nowMs: NOW });
  assert.equal(alone.nodeIds[0], -1);
  const api = resolver.resolveHops(["C1", "AB"], { nowMs: NOW });
  assert.equal(api[1].pubkey, null);
  assert.equal(api[1].label, "ambiguous");
  assert.equal(api[1].candidates.length, 2);
});

Deno.test("resolver: candidates beyond the link limit are rejected (geo)", () => {
  const { resolver, id } = makeMesh([
    { key: "c1", name: "U", ...at(0) },
    { key: "ab", name: "NEAR", ...at(6) },
    { key: "ab", name: "FAR", ...LA },
    { key: "ff", name: "LONELY", ...LA },
    { key: "0b", name: "OBS", ...at(2) },
  ]);
  const { path, evidence } = resolver.explainPath(hops("C1", "AB"), 1, 2, { nowMs: NOW });
  assert.equal(path.nodeIds[1], id("NEAR"));
  assert.equal(path.labels[1], "only_plausible");
  const far = evidence[1].find((e) => e.id === id("FAR"))!;
  assert.equal(far.rejected, "out_of_range");
  assert.ok(far.anchors[0].km > 500);
  // A unique prefix out of range of the observer that heard it is someone else.
  const p = resolver.resolvePath(hops("FF"), 1, 1, { nowMs: NOW, observerId: id("OBS") });
  assert.equal(p.nodeIds[0], -1);
  assert.equal(p.labels[0], "implausible");
  // Two unique neighbours 560 km apart: the one without other support goes.
  const q = resolver.resolvePath(hops("C1", "FF"), 1, 2, { nowMs: NOW, observerId: id("OBS") });
  assert.deepEqual([...q.nodeIds], [id("U"), -1]);
  // A tighter limit rejects a nearer candidate too.
  const { resolver: strict, id: sid } = makeMesh([
    { key: "c1", name: "U", ...at(0) },
    { key: "ab", name: "NEAR", ...at(6) },
    { key: "ab", name: "MID", ...at(60) },
  ], { maxLinkKm: 40 });
  const s = strict.resolvePath(hops("C1", "AB"), 1, 2, { nowMs: NOW });
  assert.equal(s.nodeIds[1], sid("NEAR"));
});

Deno.test("resolver: a node is used once per path (loops), the originator never relays", () => {
  const { resolver, id } = makeMesh([
    { key: "0a", name: "O", ...at(0) },
    { key: "c1", name: "U", ...at(4) },
    { key: "ab", name: "A1", ...at(3) },
    { key: "ab", name: "A2", ...at(5) },
    { key: "0b", name: "W", ...at(6) },
  ]);
  resolver.graph.addEdge(id("O"), id("A1"), T0_MS, 5);
  // Hop 0 is A1 (adjacent to the originator); hop 2 cannot be A1 again.
  const p = resolver.resolvePath(hops("AB", "C1", "AB"), 1, 3, {
    nowMs: NOW,
    originatorId: id("O"),
  });
  assert.deepEqual([...p.nodeIds], [id("A1"), id("U"), id("A2")]);
  assert.equal(p.labels[2], "excluded");
  // Without the exclusion hop 2 would be ambiguous (both are near U):
  const q = resolver.resolvePath(hops("C1", "AB"), 1, 2, { nowMs: NOW });
  assert.equal(q.nodeIds[1], -1);
  // The advert's originator A1 cannot be a hop of its own advert.
  const r = resolver.resolvePath(hops("AB"), 1, 1, {
    nowMs: NOW,
    originatorId: id("A1"),
    observerId: id("W"),
  });
  assert.deepEqual([...r.nodeIds], [id("A2")]);
  // A unique prefix twice, no evidence for either position: neither is named.
  const s = resolver.resolvePath(hops("C1", "0B", "C1"), 1, 3, { nowMs: NOW });
  assert.deepEqual([...s.nodeIds], [-1, id("W"), -1]);
  assert.deepEqual(s.labels, ["loop", "unique", "loop"]);
  // Twice, but the graph puts it next to O: the evidence picks the position.
  const t = resolver.resolvePath(hops("AB", "0B", "AB"), 1, 3, {
    nowMs: NOW,
    originatorId: id("O"),
  });
  assert.deepEqual([...t.nodeIds].slice(0, 2), [id("A1"), id("W")]);
  assert.notEqual(t.nodeIds[2], id("A1"));
  // A unique prefix twice, but the originator's edge places it at hop 0.
  resolver.graph.addEdge(id("O"), id("U"), T0_MS, 5);
  const u = resolver.resolvePath(hops("C1", "0B", "C1"), 1, 3, {
    nowMs: NOW,
    originatorId: id("O"),
  });
  assert.deepEqual([...u.nodeIds], [id("U"), id("W"), -1]);
  assert.deepEqual(u.labels, ["adjacent", "unique", "loop"]);
});

Deno.test("resolver: TRACE routes may repeat nodes and use the observer at the completed hop", () => {
  const { resolver, id } = makeMesh([
    { key: "c1", name: "U", ...at(0) },
    { key: "c2", name: "V", ...at(8) },
    { key: "ab", name: "A1", ...at(4) },
    { key: "ab", name: "A2", ...at(5) },
    { key: "0b", name: "W", role: "companion", ...at(3) },
  ]);
  resolver.graph.addEdge(id("W"), id("A1"), T0_MS, 4);
  // Out-and-back: U V U is a legal trace route.
  const rt = resolver.resolvePath(hops("C1", "C2", "C1"), 1, 3, { nowMs: NOW, kind: "trace" });
  assert.deepEqual([...rt.nodeIds], [id("U"), id("V"), id("U")]);
  // The observer heard hop completed-1 (here hop 0).
  const t1 = resolver.resolvePath(hops("AB", "C2"), 1, 2, {
    nowMs: NOW,
    kind: "trace",
    traceCompleted: 1,
    observerId: id("W"),
  });
  assert.equal(t1.nodeIds[0], id("A1"));
  // Nothing completed yet: the observer heard the (unknown) originator.
  const t0 = resolver.resolvePath(hops("AB", "C2"), 1, 2, {
    nowMs: NOW,
    kind: "trace",
    traceCompleted: 0,
    observerId: id("W"),
  });
  assert.equal(t0.nodeIds[0], -1);
  // Flood: the observer heard the last hop.
  const fl = resolver.resolvePath(hops("AB"), 1, 1, { nowMs: NOW, observerId: id("W") });
  assert.equal(fl.nodeIds[0], id("A1"));
  // Direct: the path is the remaining route; the observer is not next to its end.
  const di = resolver.resolvePath(hops("AB"), 1, 1, {
    nowMs: NOW,
    observerId: id("W"),
    kind: "direct",
  });
  assert.equal(di.nodeIds[0], -1);
});

Deno.test("resolver ADVERSARIAL: a far-away key grinder cannot capture an established repeater", () => {
  const { resolver, dir, id } = makeMesh([
    { key: "5e90aa", name: "R", ...at(0) },
    { key: "1100", name: "N1", ...east(BASE.lat, BASE.lon, -8) },
    { key: "2200", name: "N2", ...at(8) },
    { key: "0b", name: "OBS", role: "companion", ...at(9) },
  ]);
  // Weeks of honest traffic through R, learned from unique 2-byte paths.
  for (let day = 0; day < 14; day++) {
    for (let k = 0; k < 5; k++) {
      resolver.observe(hops("1100", "5E90", "2200"), 2, 3, {
        nowMs: T0_MS + day * 86_400_000 + k,
        observerId: id("OBS"),
      });
    }
  }
  const now = T0_MS + 14 * 86_400_000;
  assert.ok(resolver.graph.weight(id("R"), id("N1"), now) > 10);
  // Impostors grind keys sharing 1 byte and 2 bytes with R, advertise far
  // away, very recently and often; one even hides its position.
  const late = new Date(now).toISOString();
  const i1 = dir.upsert({ publicKey: `5e01${"c".repeat(60)}`, role: "repeater", ...LA }).id;
  const i2 = dir.upsert({ publicKey: `5e90bb${"d".repeat(58)}`, role: "repeater", ...LA }).id;
  const i3 = dir.upsert({ publicKey: `5e90cc${"e".repeat(58)}`, role: "repeater" }).id;
  for (const i of [i1, i2, i3]) {
    dir.upsert({ publicKey: dir.keyOf(i), lastSeen: late, advertCount: 999, firstSeen: late });
  }
  const ctx = { nowMs: now, observerId: id("OBS") };
  const cases: [Uint8Array, 1 | 2 | 3][] = [
    [hops("11", "5E", "22"), 1],
    [hops("1100", "5E90", "2200"), 2],
    [hops("110000", "5E90AA", "220000"), 3],
  ];
  for (const [path, size] of cases) {
    const p = resolver.resolvePath(path, size, 3, ctx);
    assert.equal(p.nodeIds[1], id("R"), `size ${size}`);
    assert.ok(![i1, i2, i3].includes(p.nodeIds[1]), `impostor captured a ${size}-byte hop`);
  }
  // One-sided evidence and the 1-byte hop alone next to the observer.
  assert.equal(resolver.resolvePath(hops("5E", "22"), 1, 2, ctx).nodeIds[0], id("R"));
  assert.equal(resolver.resolvePath(hops("11", "5E"), 1, 2, ctx).nodeIds[1], id("R"));
  const api = resolver.resolveHops(["11", "5E", "22"], {
    observer: dir.keyOf(id("OBS")),
    nowMs: now,
  });
  assert.equal(api[1].pubkey, dir.keyOf(id("R")));
  const scores = Object.fromEntries(api[1].candidates.map((c) => [c.pubkey, c.score]));
  assert.equal(scores[dir.keyOf(i1)], 0);
  assert.equal(scores[dir.keyOf(i2)], 0);
  assert.ok(scores[dir.keyOf(id("R"))] > 0.9);
});

Deno.test("resolver: the API hook and the ingest path give the same answer", () => {
  const { resolver, dir, id } = makeMesh([
    { key: "c1", name: "U", ...at(0) },
    { key: "ab", name: "A1", ...at(5) },
    { key: "ab", name: "A2", ...at(6) },
    { key: "0a", name: "O", role: "companion", ...at(1) },
  ]);
  resolver.graph.addEdge(id("U"), id("A1"), T0_MS, 3);
  const ingest = resolver.resolvePath(hops("AB", "C1"), 1, 2, {
    nowMs: NOW,
    originatorId: id("O"),
  });
  const api = resolver.resolveHops(["ab", "c1"], { fromNode: dir.keyOf(id("O")), nowMs: NOW });
  assert.deepEqual(api.map((h) => h.pubkey), [...ingest.nodeIds].map((i) => dir.keyOf(i)));
  assert.deepEqual(api.map((h) => h.label), ingest.labels);
  assert.equal(api[0].hop, "AB");
  assert.equal(api[0].name, "A1");
  assert.equal(typeof api[0].candidates[0].lat, "number");
  assert.ok(api[0].confidence >= 0.9);
  // Longer prefixes (up to a full key) are accepted by the API.
  const full = resolver.resolveHops([dir.keyOf(id("A2"))], { nowMs: NOW });
  assert.equal(full[0].pubkey, dir.keyOf(id("A2")));
  assert.equal(
    resolver.toResolvedPathJson(ingest),
    JSON.stringify([
      dir.keyOf(id("A1")),
      dir.keyOf(id("U")),
    ]),
  );
  const none = resolver.resolvePath(hops("EE"), 1, 1, { nowMs: NOW });
  assert.equal(resolver.toResolvedPathJson(none), null);
});

Deno.test("resolver: bad input is rejected with a clear message", () => {
  const { resolver } = makeMesh([{ key: "aa", name: "A" }]);
  assert.throws(
    () => resolver.resolvePath(hops("AA"), 4 as 1, 1, { nowMs: NOW }),
    /Cannot resolve path: hash size 4 is not 1, 2 or 3/,
  );
  assert.throws(
    () => resolver.resolvePath(hops("AA"), 2, 1, { nowMs: NOW }),
    /Cannot resolve path: 1 hops of 2 bytes overrun 1 bytes/,
  );
  assert.throws(
    () => resolver.resolvePath(hops("AA"), 1, 1, { nowMs: NOW, kind: "bogus" as "flood" }),
    /unknown route kind "bogus"/,
  );
  assert.throws(() => resolver.resolveHops(["A"]), /Cannot resolve hop "A"/);
  assert.throws(() => resolver.resolveHops(["ZZ"]), /expected 2-64 hex characters/);
  assert.throws(() => makeMesh([], { maxLinkKm: NaN }), /Cannot use resolver option maxLinkKm/);
  assert.throws(() => makeMesh([], { minConfidence: 1.5 }), /minConfidence: 1.5 is out of range/);
  assert.throws(() => resolver.resolveHops(new Array(65).fill("AA")), /Cannot resolve 65 hops/);
});
