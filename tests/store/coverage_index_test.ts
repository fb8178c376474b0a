// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import {
  AGG_MAX_RES,
  CoverageIndex,
  DAY_MS,
  INDEX_MIN_RES,
  type ReceptionInput,
} from "../../src/store/coverage_index.ts";
import {
  addToDay,
  DAY_HEAD,
  dayCount,
  dropDaysBefore,
  forEachDayAfter,
  newDays,
  SLOT,
} from "../../src/store/coverage_days.ts";
import { collectionBytes, coverageCells } from "../../src/store/coverage_query.ts";
import { CELL_NODE_CAP, CellWriter } from "../../src/store/coverage_writer.ts";
import { idOrder } from "../../src/store/coverage_json.ts";
import { ByteArena } from "../../src/store/byte_arena.ts";
import { HeardTexts, heardTexts } from "../../src/store/coverage_names.ts";
import { cellRing } from "../../src/store/hex_grid.ts";
import { prng } from "../meshcore/fixture_util.ts";

const NOW = Date.UTC(2026, 11, 4, 10, 0, 0);
const KEYS = ["aa01", "aa0122", "bb02", "cc03", "aa01" + "5".repeat(60)];

/** Random receptions around one point over 10 days, some late, some without SNR. */
function receptions(n: number, seed = 1): ReceptionInput[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, i) => ({
    rxPubkey: (i % 3).toString(16).padStart(64, "c"),
    heardKey: KEYS[Math.floor(rnd() * KEYS.length)],
    lat: 37.5 + (rnd() - 0.5) * 0.2,
    lon: -122 + (rnd() - 0.5) * 0.3,
    snr: rnd() < 0.2 ? null : Math.round((rnd() * 30 - 18) * 4) / 4,
    rssi: null,
    rxAtMs: NOW - 10 * DAY_MS + Math.floor((i / n) * 10 * DAY_MS) -
      (i % 13 === 0 ? Math.floor(rnd() * 2 * DAY_MS) : 0),
  }));
}

/** One cell's day summaries as plain objects: day -> {count, best, keys: h -> [count, at, snr]}. */
function summaries(s: Float64Array): Map<number, any> {
  const out = new Map<number, any>();
  forEachDayAfter(s, -Infinity, (s, o) => {
    const keys = new Map<number, number[]>();
    for (let k = o + DAY_HEAD; k < o + DAY_HEAD + s[o + 3] * SLOT; k += SLOT) {
      keys.set(s[k], [s[k + 1], s[k + 2], s[k + 3]]);
    }
    out.set(s[o], { count: s[o + 1], best: s[o + 2], keys });
  });
  return out;
}

/** The same summaries computed from the receptions a cell's list holds. */
function bruteSummaries(idx: CoverageIndex, ids: number[]): Map<number, any> {
  const out = new Map<number, any>();
  for (const i of ids) {
    const day = Math.floor(idx.rxAt[i] / DAY_MS);
    let d = out.get(day);
    if (!d) out.set(day, d = { count: 0, best: NaN, keys: new Map() });
    d.count++;
    const snr = idx.snr[i];
    if (snr === snr && !(snr <= d.best)) d.best = snr;
    const k = d.keys.get(idx.heard[i]) ?? [0, -Infinity, NaN];
    k[0]++;
    if (idx.rxAt[i] >= k[1]) {
      k[1] = idx.rxAt[i];
      k[2] = snr;
    }
    d.keys.set(idx.heard[i], k);
  }
  return out;
}

function checkSummaries(idx: CoverageIndex): number {
  let cells = 0;
  for (let res = INDEX_MIN_RES; res <= AGG_MAX_RES; res++) {
    for (const cell of idx.levels[res - INDEX_MIN_RES].values()) {
      const ids = Array.from(cell.list.ids.subarray(cell.list.start, cell.list.n));
      assert.deepEqual(summaries(cell.days!), bruteSummaries(idx, ids), `cell ${res}:${cell.key}`);
      cells++;
    }
  }
  return cells;
}

const resolve = (k: string) =>
  k.startsWith("aa01") ? { key: "aa01".repeat(16), name: 'Node "A" ☃' } : { key: k, name: "" };

function answer(idx: CoverageIndex, res: number, days: number, memo: boolean, now = NOW) {
  const cells = coverageCells(idx, {
    bbox: { minLat: 37.3, minLon: -122.3, maxLat: 37.7, maxLon: -121.7 },
    res,
    sinceMs: now - days * DAY_MS,
    resolve,
    memo: memo ? { key: days, tag: "t" } : undefined,
  });
  return new TextDecoder().decode(collectionBytes(cells));
}

function rebuilt(idx: CoverageIndex, cutoffMs: number): CoverageIndex {
  const f = new CoverageIndex();
  for (let i = 0; i < idx.rows; i++) {
    if (idx.rxAt[i] < cutoffMs) continue;
    f.add(idx.reception(i));
  }
  return f;
}

Deno.test("coverage days: blocks grow, a middle day grows in place, drops keep order", () => {
  let s = newDays();
  s = addToDay(s, 10, 1, 10 * DAY_MS + 5, -3);
  s = addToDay(s, 11, 2, 11 * DAY_MS + 5, NaN);
  s = addToDay(s, 12, 1, 12 * DAY_MS + 5, 4);
  // a late reception of day 10 with a new heard key: the blocks after it shift
  s = addToDay(s, 10, 3, 10 * DAY_MS + 9, 7);
  s = addToDay(s, 12, 1, 12 * DAY_MS + 1, 9); // older than the latest: SNR kept
  for (let h = 4; h < 40; h++) s = addToDay(s, 11, h, 11 * DAY_MS + h, h);
  const m = summaries(s);
  assert.deepEqual([...m.keys()], [10, 11, 12]);
  assert.deepEqual(m.get(10), {
    count: 2,
    best: 7,
    keys: new Map([[1, [1, 10 * DAY_MS + 5, -3]], [3, [1, 10 * DAY_MS + 9, 7]]]),
  });
  assert.equal(m.get(11).keys.size, 37);
  assert.equal(m.get(11).count, 37);
  assert.deepEqual(m.get(12), {
    count: 2,
    best: 9,
    keys: new Map([[1, [2, 12 * DAY_MS + 5, 4]]]),
  });
  // the last block is still found after the shift: adding to day 12 does not make a new block
  s = addToDay(s, 12, 1, 12 * DAY_MS + 6, 1);
  assert.equal(dayCount(s), 3);
  s = dropDaysBefore(s, 11);
  assert.deepEqual([...summaries(s).keys()], [12], "the cutoff day itself is dropped too");
  s = addToDay(s, 13, 5, 13 * DAY_MS, NaN);
  s = addToDay(s, 12, 1, 12 * DAY_MS + 7, 2);
  assert.deepEqual([...summaries(s).keys()], [12, 13]);
  assert.equal(summaries(s).get(12).count, 4);
  assert.equal(dayCount(dropDaysBefore(s, 99)), 0);
});

Deno.test("coverage index: day summaries hold exactly the listed receptions through retention", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(6000)) idx.add(r);
  assert.ok(checkSummaries(idx) > 50);
  // expire mid-day: the cutoff day's summary is rebuilt from the receptions it still holds
  for (const cut of [NOW - 7 * DAY_MS - DAY_MS / 3, NOW - 4 * DAY_MS + 1234, NOW - 4 * DAY_MS]) {
    const before = idx.live;
    const removed = idx.expireBefore(cut);
    assert.ok(removed > 0 || cut === NOW - 4 * DAY_MS);
    assert.equal(idx.live, before - removed);
    checkSummaries(idx);
    // late receptions older than the kept days, then more expiry
    idx.add({ ...receptions(1, 9)[0], rxAtMs: cut + 1000 });
    checkSummaries(idx);
  }
});

Deno.test("coverage answers after retention equal those of an index built from the kept receptions", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(8000, 3)) idx.add(r);
  // fill the memos of several windows, then expire and compare with a rebuilt index
  for (const d of [1, 3, 10]) for (const res of [8, 11, 13, 15]) answer(idx, res, d, true);
  const cut = NOW - 6 * DAY_MS - 777;
  idx.expireBefore(cut);
  const fresh = rebuilt(idx, cut);
  for (const d of [1, 3, 7, 10, 30]) {
    for (const res of [5, 8, 11, 13, 15]) {
      assert.equal(answer(idx, res, d, true), answer(fresh, res, d, false), `z${res} d${d}`);
    }
  }
});

Deno.test("coverage memo: served while unchanged, recomputed after an add or a moved window", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(3000, 5)) idx.add(r);
  const a = answer(idx, 11, 1, true);
  assert.equal(answer(idx, 11, 1, true), a, "memoised answer is the same");
  // an empty window is memoised too: a later reception in it must show
  const empty = answer(idx, 11, 1, true, NOW + 5 * DAY_MS);
  assert.equal(JSON.parse(empty).features.length, 0);
  idx.add({ ...receptions(1, 6)[0], rxAtMs: NOW + 4.5 * DAY_MS, lat: 37.5, lon: -122 });
  assert.equal(JSON.parse(answer(idx, 11, 1, true, NOW + 5 * DAY_MS)).features.length, 1);
  // the window moves past receptions: the memo (same key) must not serve the old cells
  const later = answer(idx, 11, 1, true, NOW + 6 * 3_600_000);
  assert.equal(later, answer(rebuilt(idx, -Infinity), 11, 1, false, NOW + 6 * 3_600_000));
  assert.notEqual(later, a);
});

Deno.test("coverage memo: a few windows per cell, oldest dropped, a recomputed one kept newest", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(2000, 7)) idx.add(r);
  const cells = [...idx.levels[11 - INDEX_MIN_RES].values()];
  const keys = () => cells[0].memo?.map((m) => m.key);
  for (const d of [1, 2, 3, 4]) answer(idx, 11, d, true);
  assert.deepEqual(keys(), [1, 2, 3, 4]);
  const two = answer(idx, 11, 2, true);
  assert.equal(two, answer(idx, 11, 2, false));
  assert.deepEqual(keys(), [1, 2, 3, 4], "served from the memo: order unchanged");
  // a reception added to the cell recomputes d2: its entry becomes the newest; a fifth window
  // drops the oldest (d1)
  const c0 = cells[0].list;
  idx.add({ ...idx.reception(c0.ids[c0.start]), rxAtMs: NOW - DAY_MS / 2 });
  const moved = answer(idx, 11, 2, true);
  assert.deepEqual(keys(), [1, 3, 4, 2]);
  answer(idx, 11, 5, true);
  assert.deepEqual(keys(), [3, 4, 2, 5]);
  assert.ok(cells.every((c) => (c.memo?.length ?? 0) <= 4));
  // every answer equals the unmemoised one
  assert.equal(moved, answer(idx, 11, 2, false));
  assert.notEqual(moved, two);
  assert.equal(answer(idx, 11, 1, true), answer(idx, 11, 1, false));
});

Deno.test("coverage memo: windows holding the same receptions share one feature", () => {
  const idx = new CoverageIndex();
  // receptions of the last 20 hours only: the 1-, 3- and 7-day windows hold the same ones
  for (const r of receptions(1500, 13)) {
    idx.add({ ...r, rxAtMs: NOW - (NOW - r.rxAtMs) / 12 });
  }
  const d1 = answer(idx, 11, 1, true);
  assert.equal(answer(idx, 11, 3, true), d1);
  assert.equal(answer(idx, 11, 7, true), d1);
  const cells = [...idx.levels[11 - INDEX_MIN_RES].values()];
  for (const c of cells) {
    assert.deepEqual(c.memo!.map((m) => m.key), [1, 3, 7]);
    assert.ok(c.memo!.every((m) => m.value === c.memo![0].value), "one feature, shared");
  }
  // a reception two days old: the 3- and 7-day windows now differ from the 1-day one
  const c0 = cells[0].list;
  idx.add({ ...idx.reception(c0.ids[c0.start]), rxAtMs: NOW - 2 * DAY_MS });
  for (const d of [7, 1, 3]) assert.equal(answer(idx, 11, d, true), answer(idx, 11, d, false));
  assert.notEqual(answer(idx, 11, 3, true), answer(idx, 11, 1, true));
  assert.equal(answer(idx, 11, 7, true), answer(idx, 11, 3, true));
  // shared features stay owned: past a tiny budget every memo is dropped or still right
  const tiny = new CoverageIndex({ memos: 4096 });
  for (let i = 0; i < idx.rows; i++) tiny.add(idx.reception(i));
  for (const d of [1, 3, 7, 1, 3, 7]) {
    assert.equal(answer(tiny, 11, d, true), answer(idx, 11, d, false), `d${d}`);
  }
  assert.ok(tiny.memos.dropped > 0);
});

Deno.test("coverage caches: past tiny budgets, dropped heads and memos are made again, answers unchanged", () => {
  const tiny = new CoverageIndex({ heads: 4096, memos: 16384 });
  const roomy = new CoverageIndex();
  for (const r of receptions(4000, 11)) {
    tiny.add(r);
    roomy.add(r);
  }
  for (let round = 0; round < 2; round++) {
    for (const d of [1, 2, 3, 5, 8]) {
      for (const res of [8, 11, 13]) {
        assert.equal(answer(tiny, res, d, true), answer(roomy, res, d, false), `z${res} d${d}`);
      }
    }
  }
  assert.ok(tiny.heads.dropped > 0 && tiny.memos.dropped > 0, "both budgets were exceeded");
  assert.ok(tiny.heads.bytes <= 4096 && tiny.memos.bytes <= 16384);
  // a dropped memo lets go of its bytes and is not served; a dropped head is let go of
  const cells = [...tiny.levels[11 - INDEX_MIN_RES].values()];
  const stale = cells.flatMap((c) => c.memo ?? []).filter((m) => m.adds === -1);
  assert.ok(stale.length > 0 && stale.every((m) => m.value === null));
  assert.ok(cells.some((c) => c.head === undefined));
  assert.equal(roomy.memos.dropped, 0);
});

Deno.test("coverage caches: recomputed memos let go of the old bytes; expired cells of all", () => {
  const idx = new CoverageIndex();
  const rs = receptions(3000, 17);
  for (const r of rs) idx.add(r);
  const held = () => idx.memos.bytes;
  answer(idx, 11, 3, true);
  answer(idx, 11, 7, true);
  const once = held();
  assert.ok(once > 0);
  // every round adds a reception to every cell (each memo is recomputed): the bytes held stay
  // about one round's, not one per round
  for (let round = 0; round < 12; round++) {
    for (const c of [...idx.levels[11 - INDEX_MIN_RES].values()]) {
      idx.add({ ...idx.reception(c.ids[c.n - 1]), rxAtMs: NOW - DAY_MS / 3 });
    }
    assert.equal(answer(idx, 11, 3, true), answer(idx, 11, 3, false));
    assert.equal(answer(idx, 11, 7, true), answer(idx, 11, 7, false));
  }
  assert.ok(held() <= 3 * once, `${held()} bytes held after 12 rounds, ${once} after one`);
  assert.equal(idx.memos.dropped, 0);
  // every cell expires: only the chunk being written stays
  idx.expireBefore(NOW + DAY_MS);
  assert.equal(idx.live, 0);
  assert.ok(idx.memos.chunks <= 1 && idx.heads.chunks <= 1);
});

Deno.test("cell writer: the bytes are the JSON of the feature, hostile names and caps included", () => {
  const idx = new CoverageIndex();
  const keys = Array.from({ length: 30 }, (_, i) => i.toString(16).padStart(4, "e"));
  for (const k of keys) {
    idx.add({
      rxPubkey: "c".repeat(64),
      heardKey: k,
      lat: 1,
      lon: 1,
      snr: 1,
      rssi: null,
      rxAtMs: 0,
    });
  }
  const names: Record<string, string> = { eee0: '"</script>\\\u2028', eee1: "nöde ☃ 🛰" };
  const w = new CellWriter(
    11,
    new HeardTexts(idx, (h) => {
      const k = idx.heardKey(h);
      return { key: k === "eee2" ? "eee3" : k, name: names[k] ?? "" };
    }),
  );
  const ring = JSON.stringify(cellRing(11, 12345));
  const key = 2 ** 23 * 2 ** 24 + 2 ** 23 - 5;
  const cases: [number, number, [number, number, number, number][]][] = [
    [3, NaN, []],
    [7, -0.001, [[0, 2, 10, -0.004], [1, 1, 9, NaN], [2, 2, 5, 3.333], [3, 2, 5, 7.5]]],
    [99, -12.25, keys.map((_, h) => [h, h + 1, h, h % 4 ? -h / 3 : NaN])],
    // ties of SNR and count (the prefix decides), rows without SNR among them
    [60, 4, keys.map((_, h) => [h, 1 + (h % 2), h, h % 5 ? 4 - (h % 3) : NaN])],
    // SNRs and counts beyond the one-number sort (compared one by one), huge counts
    [2 ** 40, 1e9, keys.map((_, h) => [h, h % 3 ? 2 ** 31 + h : 2 ** 33 * (h % 4), h, 1e7 - h])],
    [5, 3, keys.map((_, h) => [h, 2 ** 32 + (h % 3), h, (h % 6) - 2.5])],
    [5, 3, keys.map((_, h) => [h, 1, h, h % 2 ? 1e12 + h : -1e12 - h])],
    [5, 3, keys.map((_, h) => [h, 1 + (h % 4), h, h % 3 ? 1e9 : -1e8])],
  ];
  // small chunks, so heads and features cross chunk ends and outlive dropped chunks
  const arena = new ByteArena(256, 1024);
  for (const [i, [count, best, nodes]] of cases.entries()) {
    w.begin(w.head(key, ring, i % 2 ? arena : new ByteArena(64)), count, best);
    for (const [h, c, at, snr] of nodes) w.node(h, c, at, snr);
    const t = w.end(arena);
    const r2 = (v: number) => Math.round(v * 100) / 100;
    const rows: any[] = [];
    for (const [h, c, at, snr] of nodes) {
      const k = idx.heardKey(h);
      const shownKey = k === "eee2" ? "eee3" : k;
      const m = rows.find((r) => r.key === shownKey);
      const s = snr === snr ? r2(snr) : null;
      if (!m) rows.push({ key: shownKey, prefix: k, snr: s, count: c, at, name: names[k] });
      else {
        m.count += c;
        if (k.length > m.prefix.length || (k.length === m.prefix.length && k < m.prefix)) {
          m.prefix = k;
        }
        if (at >= m.at) [m.at, m.snr] = [at, s];
      }
    }
    rows.sort((x, y) =>
      (x.snr === null) !== (y.snr === null)
        ? (x.snr === null ? 1 : -1)
        : (x.snr !== y.snr ? y.snr - x.snr : y.count - x.count || (x.prefix < y.prefix ? -1 : 1))
    );
    const props: any = {
      cell: "11:0:-5",
      count,
      best_snr: best === best ? r2(best) : null,
      has_sig: best === best,
      nodes: rows.slice(0, CELL_NODE_CAP).map((r) => ({
        prefix: r.prefix,
        snr: r.snr,
        count: r.count,
        ...(r.name ? { name: r.name } : {}),
      })),
    };
    if (rows.length > CELL_NODE_CAP) props.nodes_truncated = true;
    const want = JSON.stringify({
      type: "Feature",
      geometry: { type: "Polygon", coordinates: [JSON.parse(ring)] },
      properties: props,
    });
    assert.equal(new TextDecoder().decode(t.bytes), want);
    assert.equal(t.cell, props.cell);
    assert.equal(t.count, count);
  }
});

Deno.test("heard-key texts: kept across answers under one names tag, renewed with another", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(400, 9)) idx.add(r);
  let names = { "aa01": "first" } as Record<string, string>;
  const namer = (k: string) => ({ key: k, name: names[k.slice(0, 4)] ?? "" });
  const name = (h: number) => namer(idx.heardKey(h));
  const a = heardTexts(idx, name, "t1");
  assert.equal(heardTexts(idx, name, "t1"), a);
  assert.notEqual(heardTexts(idx, name), a, "no tag: one per answer");
  assert.notEqual(heardTexts(idx, name), heardTexts(idx, name));
  const b = heardTexts(idx, name, "t2");
  assert.notEqual(b, a);
  assert.equal(heardTexts(idx, name, "t2"), b);
  // through the query: the names shown follow the tag (as the memoised cells do)
  const q = (tag: string) =>
    new TextDecoder().decode(collectionBytes(coverageCells(idx, {
      bbox: { minLat: 37.3, minLon: -122.3, maxLat: 37.7, maxLon: -121.7 },
      res: 9,
      sinceMs: NOW - 30 * DAY_MS,
      resolve: namer,
      memo: { key: 30, tag },
    })));
  assert.match(q("n1"), /"name":"first"/);
  names = { "aa01": "second" };
  assert.match(q("n1"), /"name":"first"/, "same tag: same texts");
  const fresh = q("n2");
  assert.match(fresh, /"name":"second"/);
  assert.doesNotMatch(fresh, /"name":"first"/);
});

Deno.test("coverage: a cell hearing many keys answers the same through summaries and binning", () => {
  const idx = new CoverageIndex();
  for (let i = 0; i < 600; i++) {
    idx.add({
      rxPubkey: "d".repeat(64),
      heardKey: (i % 45).toString(16).padStart(4, "b"),
      lat: 37.5 + (i % 3) * 1e-5,
      lon: -122,
      snr: i % 7 ? (i % 23) - 11.5 : null,
      rssi: null,
      rxAtMs: NOW - 3 * DAY_MS + i * 600_000,
    });
  }
  const all = { minLat: 37, minLon: -123, maxLat: 38, maxLon: -121 };
  const run = (res: number, rxId?: number) =>
    new TextDecoder().decode(collectionBytes(coverageCells(idx, {
      bbox: all,
      res,
      sinceMs: NOW - 2 * DAY_MS,
      rxId,
      resolve: (k) => ({ key: k, name: "" }),
    })));
  // the client made every reception: its filtered answer (binned) equals the unfiltered one
  // (day summaries) at the summarised resolutions, and binning keeps all 45 keys of the cell
  for (const res of [5, 9, 11]) {
    const a = run(res);
    assert.ok(JSON.parse(a).features.length > 0);
    assert.equal(run(res, idx.rxId("d".repeat(64))), a);
  }
  const f = JSON.parse(run(13)).features;
  assert.equal(f.length, 1);
  assert.equal(f[0].properties.nodes.length, 25);
  assert.equal(f[0].properties.nodes_truncated, true);
  assert.equal(f[0].properties.count, 600 - 144);
});

Deno.test("cell ids: the sort numbers order ids as their texts sort", () => {
  const rnd = prng(21);
  const ids: { text: string; q: number; r: number }[] = [];
  const pick = () => {
    const digits = 1 + Math.floor(rnd() * 7);
    const v = Math.floor(rnd() * 10 ** digits);
    return rnd() < 0.5 ? -v : v;
  };
  for (let i = 0; i < 3000; i++) {
    const q = i % 7 === 0 ? 12 : pick(), r = i % 5 === 0 ? -3 : pick();
    ids.push({ text: `18:${q}:${r}`, q, r });
  }
  for (const [q, r] of [[0, 0], [1, 0], [10, 0], [-1, 0], [-10, -1], [1, 9], [1, 10], [12, 3]]) {
    ids.push({ text: `18:${q}:${r}`, q, r });
  }
  const byText = ids.slice().sort((a, b) => a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
  const key = new Map(ids.map((x) => [x, idOrder(x.q, x.r)]));
  const byNumbers = ids.slice().sort((a, b) => {
    const ka = key.get(a)!, kb = key.get(b)!;
    return ka.qOrder - kb.qOrder || ka.rOrder - kb.rOrder;
  });
  assert.deepEqual(byNumbers.map((x) => x.text), byText.map((x) => x.text));
});
