/**
 * Pure parts of the issue-14 UI: path-prefix parsing, observer comparison,
 * TRACE SNR bytes, the force layout, prefix indexes, topology/channel shape
 * adapters, the error caret and the packet sorts.
 */

import assert from "node:assert/strict";
import { parsePrefixes } from "../../static/pages/path_inspector.ts";
import { compareSightings } from "../../static/pages/compare.ts";
import { tracePayloadHops, traceSnrFromRaw } from "../../static/pages/traces.ts";
import { forceLayout, iterationsFor } from "../../static/lib/force_layout.ts";
import {
  freeOneByte,
  prefixIndex,
  recommendedBytes,
} from "../../static/pages/analytics_prefix_tool.ts";
import { hopPairs, reachRows } from "../../static/pages/analytics_topology.ts";
import { timelineSeries } from "../../static/pages/analytics_channels.ts";
import { caretLines } from "../../static/lib/filter_bar.ts";
import {
  flattenObservations,
  needsClientSort,
  sortComparator,
} from "../../static/lib/filtered_source.ts";
import { nextSort } from "../../static/lib/header_sort.ts";
import type { NodeLite } from "../../static/lib/node_names.ts";
import type { PacketRow } from "../../static/lib/packet_source.ts";

Deno.test("path inspector: prefixes parse, bad ones are named", () => {
  assert.deepEqual(parsePrefixes("a3 7f, 2b"), ["A3", "7F", "2B"]);
  assert.deepEqual(parsePrefixes("A3 › 7F → 2B"), ["A3", "7F", "2B"]);
  assert.deepEqual(parsePrefixes("a37f2b9c"), ["A3", "7F", "2B", "9C"]);
  assert.deepEqual(parsePrefixes("a37f 2b9c"), ["A37F", "2B9C"]);
  assert.deepEqual(parsePrefixes("  "), []);
  assert.throws(() => parsePrefixes("a3 zz"), /Cannot inspect "zz": prefixes are hex bytes/);
  assert.throws(() => parsePrefixes("a3 7f2b"), /every prefix must have the same length as "a3"/);
  assert.throws(() => parsePrefixes("a37f2b9c11 22"), /1 to 3 whole bytes/);
  assert.throws(() => parsePrefixes(Array(65).fill("aa").join(" ")), /65 hops: at most 64/);
});

Deno.test("compare: shared and unique packets, mean SNR difference", () => {
  const s = (hash: string, snr: number | null) => ({ hash, type: 4, time: "", snr });
  const c = compareSightings(
    [s("a", 5), s("b", 1), s("c", null)],
    [s("b", -3), s("c", 2), s("d", 0)],
  );
  assert.deepEqual(c.shared.map((x) => x.a.hash), ["b", "c"]);
  assert.deepEqual(c.onlyA.map((x) => x.hash), ["a"]);
  assert.deepEqual(c.onlyB.map((x) => x.hash), ["d"]);
  assert.equal(c.meanSnrDelta, 4);
  assert.equal(compareSightings([], []).meanSnrDelta, null);
});

Deno.test("traces: per-hop SNR from a TRACE's header bytes", () => {
  // DIRECT TRACE (0x26), 3 SNR bytes: +15 dB (0x3C), -2.5 dB (0xF6), 0.25 dB (0x01).
  assert.deepEqual(traceSnrFromRaw("26033CF601" + "00".repeat(12)), [15, -2.5, 0.25]);
  // The fixture's id 363: one hop, 3.75 dB.
  assert.deepEqual(traceSnrFromRaw("26010FBA74E45D000000000027"), [3.75]);
  assert.deepEqual(traceSnrFromRaw("1100aa"), [], "an ADVERT is not a TRACE");
  assert.deepEqual(traceSnrFromRaw("zz"), []);
  assert.deepEqual(traceSnrFromRaw(undefined), []);
});

Deno.test("force layout: deterministic, inside the box, linked nodes closer", () => {
  const edges = [{ a: 0, b: 1, w: 1 }, { a: 1, b: 2, w: 1 }, { a: 3, b: 4, w: 1 }];
  const p1 = forceLayout(6, edges, { width: 400, height: 300 });
  const p2 = forceLayout(6, edges, { width: 400, height: 300 });
  assert.deepEqual([...p1], [...p2]);
  for (let i = 0; i < 6; i++) {
    assert.ok(p1[2 * i] >= 0 && p1[2 * i] <= 400 && p1[2 * i + 1] >= 0 && p1[2 * i + 1] <= 300);
  }
  const d = (i: number, j: number) =>
    Math.hypot(p1[2 * i] - p1[2 * j], p1[2 * i + 1] - p1[2 * j + 1]);
  assert.ok(d(0, 1) < d(0, 5), `${d(0, 1)} < ${d(0, 5)}`);
  assert.equal(iterationsFor(2000, {}), 10);
  assert.equal(iterationsFor(50, {}), 300);
  assert.equal(forceLayout(0, [], { width: 10, height: 10 }).length, 0);
});

Deno.test("prefix tool: index, free prefixes, recommendation", () => {
  const n = (k: string) => ({ public_key: k, name: k, role: "repeater" }) as NodeLite;
  const nodes = [n("a3112233"), n("a3445566"), n("7f000000")];
  const one = prefixIndex(nodes, 1);
  assert.equal(one.get("A3")?.length, 2);
  assert.equal(prefixIndex(nodes, 2).size, 3);
  assert.equal(freeOneByte(one).length, 254);
  assert.ok(!freeOneByte(one).includes("7F"));
  assert.equal(recommendedBytes(10), 1);
  assert.equal(recommendedBytes(300), 2);
  assert.equal(recommendedBytes(5000), 3);
});

Deno.test("topology and channels adapters read both answer shapes", () => {
  assert.deepEqual(hopPairs({ "2": 5, "0": 1 }), [[0, 1], [2, 5]]);
  assert.deepEqual(hopPairs([{ hops: 3, count: 2 }, { hops: 1, count: 9 }]), [[1, 9], [3, 2]]);
  assert.deepEqual(hopPairs(undefined), []);
  const rings = reachRows({
    o1: { observer_name: "A", rings: [{ hops: 1, nodes: [1, 2] }, { hops: 3, nodes: [3] }] },
    o2: { observer_name: "B", rings: [] },
  });
  assert.deepEqual(rings, [
    { id: "o1", name: "A", nodes: 3, maxHops: 3 },
    { id: "o2", name: "B", nodes: 0, maxHops: null },
  ]);
  const tl = timelineSeries([
    { hour: "2026-01-01T00:00:00Z", channel: "a", count: 2 },
    { hour: "2026-01-01T01:00:00Z", channel: "a", count: 3 },
    { hour: "2026-01-01T01:00:00Z", channel: "b", count: 1 },
  ], 1);
  assert.equal(tl.x.length, 2);
  assert.deepEqual(tl.series, [{ label: "a", values: [2, 3] }]);
});

Deno.test("filter bar caret and packet sorts", () => {
  assert.deepEqual(caretLines("snr >", 5), ["snr >", "     ^"]);
  const long = "x".repeat(300);
  const [line, caret] = caretLines(long, 200, 80);
  assert.equal(line.length, 82);
  assert.equal(line[caret.indexOf("^")], "x");
  const rows = [{ snr: 1 }, { snr: null }, { snr: 9 }] as PacketRow[];
  assert.deepEqual(rows.slice().sort(sortComparator("snr:desc")!).map((r) => r.snr), [9, 1, null]);
  assert.equal(sortComparator(undefined), null);
  assert.equal(sortComparator("nope:asc"), null);
  assert.equal(needsClientSort("time:desc"), false);
  assert.equal(needsClientSort("hops:asc"), true);
});

Deno.test("traces: route hops from the decoded payload", () => {
  assert.deepEqual(tracePayloadHops({ pathData: "27aabb", traceFlags: 0 }), ["27", "AA", "BB"]);
  assert.deepEqual(tracePayloadHops({ pathData: "27aabbcc", traceFlags: 1 }), ["27AA", "BBCC"]);
  assert.deepEqual(tracePayloadHops({ pathData: "zz" }), []);
  assert.deepEqual(tracePayloadHops({}), []);
});

Deno.test("per-observation rows carry each observation's observer, signal and path", () => {
  const tx = {
    id: 1,
    hash: "h",
    first_seen: "2026-01-01T00:00:00Z",
    route_type: 1,
    payload_type: 4,
    path_json: "[]",
    observations: [
      { observer_id: "o1", observer_name: "A", snr: 5, rssi: -80, path_json: '["aa"]' },
      {
        observer_id: "o2",
        observer_name: "B",
        snr: -1,
        rssi: -99,
        timestamp: "2026-01-01T00:01:00Z",
      },
    ],
  } as PacketRow;
  const rows = flattenObservations([tx, { ...tx, hash: "g", observations: [] }]);
  assert.deepEqual(rows.map((r) => [r.hash, r.observer_name ?? null, r.snr ?? null]), [
    ["h", "A", 5],
    ["h", "B", -1],
    ["g", null, null],
  ]);
  assert.equal(rows[0].path_json, '["aa"]');
  assert.equal(rows[1].latest, "2026-01-01T00:01:00Z");
  assert.equal(rows[0].observations, undefined);
});

Deno.test("header sort: first click picks a direction, the second reverses it", () => {
  assert.equal(nextSort("snr", undefined), "snr:desc");
  assert.equal(nextSort("snr", "snr:desc"), "snr:asc");
  assert.equal(nextSort("snr", "snr:asc"), "snr:desc");
  assert.equal(nextSort("observer", "snr:asc"), "observer:asc");
  assert.equal(nextSort("time", undefined), "time:asc");
  assert.equal(nextSort("time", "time:asc"), "time:desc");
});
