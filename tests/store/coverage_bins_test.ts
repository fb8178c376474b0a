import assert from "node:assert/strict";
import { CoverageIndex, DAY_MS, type ReceptionInput } from "../../src/store/coverage_index.ts";
import { collectionBytes, coverageCells } from "../../src/store/coverage_query.ts";
import type { CellText } from "../../src/store/coverage_json.ts";
import { binMemoSize, overlapped } from "../../src/store/coverage_bins.ts";
import { cellOf, cellOfMerc, cellRing, mercX, mercY, packCell } from "../../src/store/hex_grid.ts";
import { prng } from "../meshcore/fixture_util.ts";

const NOW = Date.UTC(2026, 11, 4, 10, 0, 0);
const KEYS = ["aa01", "bb02", "cc03", "dd04"];
const BOX = { minLat: 37.45, minLon: -122.05, maxLat: 37.55, maxLon: -121.95 };

function receptions(n: number, seed: number): ReceptionInput[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, i) => ({
    rxPubkey: (i % 3).toString(16).padStart(64, "c"),
    heardKey: KEYS[Math.floor(rnd() * KEYS.length)],
    lat: 37.48 + rnd() * 0.04,
    lon: -122.02 + rnd() * 0.04,
    snr: rnd() < 0.2 ? null : Math.round((rnd() * 30 - 18) * 4) / 4,
    rssi: null,
    rxAtMs: NOW - 10 * DAY_MS + Math.floor((i / n) * 10 * DAY_MS),
  }));
}

const resolve = (k: string) => ({ key: k, name: "" });

function cells(idx: CoverageIndex, res: number, memo: boolean, bbox = BOX, days = 20): CellText[] {
  return coverageCells(idx, {
    bbox,
    res,
    sinceMs: NOW - days * DAY_MS,
    resolve,
    memo: memo ? { key: `d${days}`, tag: "t" } : undefined,
  });
}

const text = (c: CellText[]) => new TextDecoder().decode(collectionBytes(c));
const byId = (c: CellText[]) => new Map(c.map((t) => [t.cell, t]));
const keyOf = (id: string) => {
  const [, q, r] = id.split(":").map(Number);
  return packCell(q, r);
};

/** Display cells recomputed (a new object) in `after` against `before`, by id. */
function recomputed(before: CellText[], after: CellText[]): Set<string> {
  const old = byId(before);
  return new Set(after.filter((t) => old.get(t.cell) !== t).map((t) => t.cell));
}

Deno.test("overlapped: every res-13 cell holding a point of a display cell is listed", () => {
  const rnd = prng(3);
  for (let i = 0; i < 20000; i++) {
    const x = mercX(-122 + rnd() * 0.1), y = mercY(37.5 + rnd() * 0.1);
    for (const res of [14, 16, 18]) {
      assert.ok(
        overlapped(res, cellOfMerc(x, y, res)).includes(cellOfMerc(x, y, 13)),
        `point ${x},${y} res ${res}`,
      );
    }
  }
  // a res-14 cell overlaps 2–4 res-13 cells, never all seven candidates
  const n = overlapped(14, cellOf(37.5, -122, 14)).length;
  assert.ok(n >= 1 && n < 7, `overlapped ${n}`);
});

Deno.test("bin memo: an added reception recomputes exactly the display cells over its res-13 cell", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(4000, 1)) idx.add(r);
  const once = cells(idx, 14, true); // cells are memoised when computed a second time
  assert.equal(binMemoSize(idx).entries, 0);
  const first = cells(idx, 14, true);
  assert.equal(recomputed(once, first).size, first.length);
  assert.ok(first.length > 100);
  assert.ok(binMemoSize(idx).entries > 0);
  const again = cells(idx, 14, true);
  assert.equal(text(again), text(first));
  assert.equal(recomputed(first, again).size, 0, "unchanged cells come from the memo");

  const lat = 37.5012, lon = -121.9987;
  const a = cellOf(lat, lon, 13);
  idx.add({
    rxPubkey: "e".repeat(64),
    heardKey: "ee05",
    lat,
    lon,
    snr: 3,
    rssi: null,
    rxAtMs: NOW,
  });
  const after = cells(idx, 14, true);
  assert.equal(text(after), text(cells(idx, 14, false)), "the memo never serves a stale cell");
  assert.ok(text(after).includes('"prefix":"ee05"'));
  const expected = new Set(
    after.map((t) => t.cell).filter((id) => overlapped(14, keyOf(id)).includes(a)),
  );
  assert.ok(expected.size >= 1 && expected.size < after.length / 4, `${expected.size}`);
  assert.deepEqual(recomputed(again, after), expected);
});

Deno.test("bin memo: a retention pass recomputes exactly the display cells over trimmed cells", () => {
  const idx = new CoverageIndex();
  for (const r of receptions(3000, 2)) idx.add(r);
  cells(idx, 15, true);
  const first = cells(idx, 15, true);
  const level = idx.levels[13 - 3];
  const before = new Map([...level].map(([k, c]) => [k, c.list.start]));
  idx.expireBefore(NOW - 9.5 * DAY_MS);
  const changed = new Set(
    [...before].filter(([k, start]) => level.get(k)?.list.start !== start).map(([k]) => k),
  );
  assert.ok(changed.size > 0 && changed.size < before.size);
  const after = cells(idx, 15, true);
  assert.equal(text(after), text(cells(idx, 15, false)));
  const expected = new Set(
    after.map((t) => t.cell).filter((id) => overlapped(15, keyOf(id)).some((k) => changed.has(k))),
  );
  assert.ok(expected.size > 0 && expected.size < after.length);
  assert.deepEqual(recomputed(first, after), expected);
});

Deno.test("bin memo: boxes cutting cells, moved windows and late receptions answer as without it", () => {
  const idx = new CoverageIndex();
  const rs = receptions(3000, 4);
  for (const r of rs.slice(0, 2000)) idx.add(r);
  const rnd = prng(9);
  for (let step = 0; step < 40; step++) {
    const lat = 37.48 + rnd() * 0.03, lon = -122.02 + rnd() * 0.03, d = 0.002 + rnd() * 0.02;
    const bbox = { minLat: lat - d, minLon: lon - d, maxLat: lat + d, maxLon: lon + d };
    const days = [1, 3, 20][step % 3], res = 14 + (step % 3);
    assert.equal(text(cells(idx, res, true, bbox, days)), text(cells(idx, res, false, bbox, days)));
    if (step % 4 === 1) {
      for (const r of rs.slice(2000 + step * 20, 2020 + step * 20)) idx.add(r);
    }
    if (step === 30) idx.expireBefore(NOW - 8 * DAY_MS);
  }
  // a display cell is drawn as its own ring, never an indexed cell's
  const one = cells(idx, 14, true)[0];
  const [, q, r] = one.cell.split(":").map(Number);
  assert.ok(
    new TextDecoder().decode(one.bytes).includes(JSON.stringify(cellRing(14, packCell(q, r)))),
  );
});
