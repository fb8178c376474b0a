/**
 * The packet filter language (static/lib/filter_lang.ts): expressions with the
 * expected matches over sample rows, malformed expressions with the error at
 * the right position, and the length / nesting refusals.
 */

import assert from "node:assert/strict";
import {
  compileFilter,
  FilterError,
  matchFilter,
  MAX_FILTER_DEPTH,
  parseFilter,
} from "../../static/lib/filter_lang.ts";
import { tokenize } from "../../static/lib/filter_lex.ts";
import type { FilterRow } from "../../static/lib/filter_fields.ts";
import { suggest } from "../../static/lib/filter_suggest.ts";

const NOW = Date.parse("2026-01-10T12:00:00Z");

type Row = FilterRow & { id: string };

const ROWS: Row[] = [
  {
    id: "advGil",
    hash: "8a91bf3300112233",
    first_seen: "2026-01-10T11:30:00Z",
    route_type: 1,
    payload_type: 4,
    decoded_json: JSON.stringify({
      name: "ESP1 Gilroy Repeater",
      lat: 37.0,
      lon: -121.5,
      flags: { repeater: true, hasLocation: true },
    }),
    raw_hex: "1102aabb" + "00".repeat(40),
    observer_name: "kpabap",
    observer_id: "obs1",
    observer_iata: "SJC",
    snr: 8.5,
    rssi: -70,
    path_json: '["aa","bb"]',
    observation_count: 3,
  },
  {
    id: "advSfo",
    hash: "deadbeef00000000",
    first_seen: "2026-01-09T12:00:00Z",
    route_type: 1,
    payload_type: 4,
    decoded_json: JSON.stringify({ name: "SFO Node", flags: { hasLocation: false } }),
    raw_hex: "1100" + "00".repeat(20),
    observer_name: "bayview",
    observer_id: "obs2",
    observer_iata: "SFO",
    snr: 2,
    rssi: -95,
    path_json: "[]",
    observation_count: 1,
  },
  {
    id: "grp",
    hash: "1234567890abcdff",
    first_seen: "2026-01-10T11:59:00Z",
    route_type: 0,
    payload_type: 5,
    decoded_json: JSON.stringify({
      channel: "#test",
      sender: "alice",
      text: "hello world",
      transportCodes: { code1: "aabb", code2: "ccdd" },
    }),
    raw_hex: "1403" + "11".repeat(30),
    observer_name: "kpabap",
    observer_id: "obs1",
    observer_iata: "SJC",
    snr: -7.25,
    rssi: -110,
    path_json: '["aa","cc","dd"]',
    resolved_path: JSON.stringify(["AA11", "CC22", "DD33"]),
    observation_count: 5,
  },
  {
    id: "ack",
    hash: "ff00ff00ff00ff00",
    first_seen: "2025-12-31T23:00:00Z",
    route_type: 2,
    payload_type: 3,
    decoded_json: "{}",
    raw_hex: "0e00abcd",
    observer_name: "lax-1",
    observer_id: "obs3",
    observer_iata: "LAX",
    snr: null,
    rssi: null,
    path_json: '["ee"]',
    observation_count: 1,
  },
  {
    id: "trace",
    hash: "0000000000000001",
    first_seen: "2026-01-10T09:00:00Z",
    route_type: 3,
    payload_type: 9,
    decoded_json: "not json",
    observer_name: "kpabap",
    observer_iata: "SJC",
    snr: 12,
    rssi: -60,
    path_json: '["aa","bb","cc","dd"]',
    observation_count: 2,
  },
];

/** [expression, ids expected to match]. */
const CASES: [string, string[]][] = [
  ["", ["advGil", "advSfo", "grp", "ack", "trace"]],
  ["type == Advert", ["advGil", "advSfo"]],
  ["type == ADVERT", ["advGil", "advSfo"]],
  ["type == advert", ["advGil", "advSfo"]],
  ['type == "Channel Msg"', ["grp"]],
  ["type == channel", ["grp"]],
  ["type == 9", ["trace"]],
  ["type != ACK", ["advGil", "advSfo", "grp", "trace"]],
  ["type == Advert && snr > 5", ["advGil"]],
  ["snr > 5", ["advGil", "trace"]],
  ["snr < -5", ["grp"]],
  ["snr >= 2 && snr <= 8.5", ["advGil", "advSfo"]],
  ["rssi > -90 || snr < -7", ["advGil", "grp", "trace"]],
  ['payload.name contains "gilroy"', ["advGil"]],
  ['payload.name starts_with "SFO"', ["advSfo"]],
  ['hash starts_with "8a91"', ["advGil"]],
  ['hash ends_with "ff"', ["grp"]],
  ["payload.flags.hasLocation", ["advGil"]],
  ["!payload.flags.hasLocation", ["advSfo", "grp", "ack", "trace"]],
  ["!type == Advert", ["grp", "ack", "trace"]],
  ["!(type == Advert || type == ACK)", ["grp", "trace"]],
  ["(type == Advert || type == ACK) && hops >= 1", ["advGil", "ack"]],
  ["hops > 2", ["grp", "trace"]],
  ["hops == 0", ["advSfo"]],
  ["route == FLOOD", ["advGil", "advSfo"]],
  ["route == t_flood", ["grp"]],
  ["route == t_direct", ["trace"]],
  ["transport", ["grp", "trace"]],
  ["transport == false", ["advGil", "advSfo", "ack"]],
  ['observer == "kpabap"', ["advGil", "grp", "trace"]],
  ['iata in ("SJC", "LAX")', ["advGil", "grp", "ack", "trace"]],
  ['observer_iata contains "s"', ["advGil", "advSfo", "grp", "trace"]],
  ["type in (advert, ack)", ["advGil", "advSfo", "ack"]],
  ["size > 40", ["advGil"]],
  ["payload_bytes == 2", ["ack"]],
  ['payload_hex == "abcd"', ["ack"]],
  ["observations >= 3", ["advGil", "grp"]],
  ['path contains "cc"', ["grp", "trace"]],
  ['routed_through contains "cc22"', ["grp"]],
  ['code1 == "AABB"', ["grp"]],
  ['payload.channel == "#test" && payload.sender == alice', ["grp"]],
  ["age < 1h", ["advGil", "grp"]],
  ["age >= 1d", ["advSfo", "ack"]],
  ["age > 1d", ["ack"]],
  ['time after "2026-01-10"', ["advGil", "grp", "trace"]],
  ['time before "2026-01-01"', ["ack"]],
  ['time between "2026-01-09T00:00:00Z" "2026-01-10T10:00:00Z"', ["advSfo", "trace"]],
  ["snr between -8 3", ["advSfo", "grp"]],
  ["payload.text contains 'world'", ["grp"]],
  ["snr != 2", ["advGil", "grp", "trace"]],
  ["payload.lat > 36", ["advGil"]],
  ["((((snr > 10))))", ["trace"]],
  ["type == Advert || type == GRP_TXT && snr < 0", ["advGil", "advSfo", "grp"]],
  ["payload.nothing.deeper", []],
  ['payload.name == "__proto__" || payload.constructor', []],
];

Deno.test(`filter language: ${CASES.length} expressions match the expected rows`, () => {
  assert.ok(CASES.length >= 30);
  for (const [expr, want] of CASES) {
    const c = compileFilter(expr);
    assert.equal(c.error, null, `${expr}: ${c.error?.message}`);
    const got = ROWS.filter((r) => c.filter!.test(r, NOW)).map((r) => r.id);
    assert.deepEqual(got, want, expr);
  }
});

/** [expression, error position, a fragment of the message]. */
const BAD: [string, number, RegExp][] = [
  ["invalid @@@ garbage", 8, /Unexpected character "@"/],
  ["snr >", 5, /Expected a value after "snr >"/],
  ["snr > > 5", 6, /Expected a value after "snr >" at position 6, got >/],
  ["(snr > 5", 8, /Expected "\)" at position 8 to close "\(" at position 0/],
  ["snr > 5)", 7, /Unexpected \) at position 7/],
  ["snr 5", 4, /Expected an operator after "snr" at position 4/],
  ["foo == 1", 0, /Unknown field "foo"/],
  ['type == "ADVERT', 8, /Unterminated string starting at position 8/],
  ["age < 5x", 7, /Invalid duration unit "x"/],
  ["hash == 8a91bf33", 8, /must be quoted/],
  ["snr = 5", 4, /use "=="/],
  ["snr > 1 & hops > 1", 8, /use "&&"/],
  ["snr > 1 &&", 10, /Expected a field name at position 10, reached the end/],
  ["&& snr > 1", 0, /Expected a field name at position 0/],
  ["()", 1, /Expected a field name at position 1/],
  ["iata in SJC", 8, /Expected "\(" after "in"/],
  ["iata in ()", 9, /Empty list/],
  ['iata in ("a" "b")', 13, /Expected "," or "\)"/],
  ['time after "not a date"', 11, /Invalid date "not a date"/],
  ["5 > snr", 0, /Expected a field name at position 0, got 5/],
  ["type == ADVERT snr > 1", 15, /Unexpected snr at position 15/],
];

Deno.test("filter language: malformed expressions report the error position", () => {
  for (const [expr, pos, re] of BAD) {
    const c = compileFilter(expr);
    assert.ok(c.error instanceof FilterError, `${expr}: expected an error`);
    assert.equal(c.error.pos, pos, `${expr}: ${c.error.message}`);
    assert.match(c.error.message, re, expr);
  }
});

Deno.test("filter language: a 10,000-character expression is refused quickly", () => {
  const long = Array.from({ length: 1500 }, (_, i) => `snr > ${i}`).join(" || ").slice(0, 10_000);
  assert.equal(long.length, 10_000);
  const t0 = performance.now();
  const c = compileFilter(long);
  assert.ok(c.error, "expected a refusal");
  assert.match(c.error.message, /Filter too long: 10,000 characters \(at most 2,000\)/);
  assert.ok(performance.now() - t0 < 1000);
  // Just under the length limit but with too many tokens.
  const many = Array(300).fill("hops").join("&&");
  const m = compileFilter(many);
  assert.match(m.error?.message ?? "", /too complex: more than 500 tokens/);
});

Deno.test("filter language: deep nesting is refused, the limit itself is accepted", () => {
  const deep = "(".repeat(5000) + "snr > 1" + ")".repeat(5000);
  const c = compileFilter(deep);
  assert.match(c.error?.message ?? "", /Filter (too long|nested too deeply)/);
  const nested = (n: number) => "(".repeat(n) + "snr > 1" + ")".repeat(n);
  const over = compileFilter(nested(MAX_FILTER_DEPTH + 1));
  assert.match(over.error?.message ?? "", /nested too deeply at position 32 \(at most 32 levels\)/);
  assert.equal(over.error?.pos, MAX_FILTER_DEPTH);
  const nots = compileFilter("!".repeat(200) + "snr > 1");
  assert.match(nots.error?.message ?? "", /nested too deeply/);
  const ok = compileFilter(nested(MAX_FILTER_DEPTH));
  assert.equal(ok.error, null);
  assert.equal(ok.filter?.test(ROWS[4], NOW), true);
});

Deno.test("filter language: and/or chains are flat, tokens carry positions", () => {
  const ast = parseFilter("hops > 1 && snr > 1 && rssi > -100 || transport");
  assert.equal(ast?.t, "or");
  if (ast?.t === "or") {
    assert.equal(ast.items.length, 2);
    assert.equal(ast.items[0].t === "and" && ast.items[0].items.length, 3);
  }
  assert.deepEqual(
    tokenize('snr>-5&&x=="a\\"b"').map((t) => [t.k, t.v, t.pos]),
    [
      ["field", "snr", 0],
      ["op", ">", 3],
      ["num", -5, 4],
      ["and", "&&", 6],
      ["field", "x", 8],
      ["op", "==", 9],
      ["str", 'a"b', 11],
    ],
  );
  assert.equal(matchFilter(null, ROWS[0]), true);
  assert.equal(parseFilter("   "), null);
});

Deno.test("filter suggestions follow the token before the cursor", () => {
  assert.deepEqual(suggest("ty").items, ["type"]);
  assert.deepEqual(suggest("payload.n").items, ["payload.name"]);
  assert.equal(suggest("snr ").items[0], "==");
  assert.deepEqual(suggest("snr co").items, ["contains"]);
  assert.deepEqual(suggest("type == AD").items, ["ADVERT"]);
  assert.deepEqual(suggest("route == FL").items, ["FLOOD"]);
  assert.deepEqual(suggest("type == ADVERT && h").items, ["hash", "hops"]);
  const s = suggest("type == ADVERT && h");
  assert.deepEqual([s.start, s.end], [18, 19]);
  assert.deepEqual(suggest('payload.name == "x" ').items.length, 0);
});
