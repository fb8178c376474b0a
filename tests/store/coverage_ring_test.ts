import assert from "node:assert/strict";
import { RingTexts } from "../../src/store/coverage_ring.ts";
import { cellOfMerc, cellRing, mercX, mercY, packCell } from "../../src/store/hex_grid.ts";
import { prng } from "../meshcore/fixture_util.ts";

Deno.test("ring text equals the JSON of cellRing at every resolution, rows shared or not", () => {
  const rnd = prng(7);
  for (let res = 3; res <= 18; res++) {
    const rings = new RingTexts(res);
    for (let k = 0; k < 400; k++) {
      const lat = (rnd() - 0.5) * 170, lon = (rnd() - 0.5) * 360;
      const key = cellOfMerc(mercX(lon), mercY(lat), res);
      assert.equal(rings.text(key), JSON.stringify(cellRing(res, key)), `res ${res} key ${key}`);
      // the row's memoised latitudes serve its neighbours
      for (const d of [-1, 1]) {
        const next = key + d * 2 ** 24;
        assert.equal(rings.text(next), JSON.stringify(cellRing(res, next)));
      }
    }
    for (const [q, r] of [[0, 0], [-1, 1], [5, -3], [-100, -100]]) {
      const key = packCell(q, r);
      assert.equal(rings.text(key), JSON.stringify(cellRing(res, key)));
    }
  }
});

Deno.test("ring texts of one resolution do not serve another", () => {
  const key = packCell(3, 4);
  assert.notEqual(new RingTexts(14).text(key), JSON.stringify(cellRing(15, key)));
  assert.equal(new RingTexts(15).text(key), JSON.stringify(cellRing(15, key)));
});
