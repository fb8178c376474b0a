/**
 * The pure helpers behind the first-impressions fixes: time stamps that show
 * the date when not today, the Packets time column's meaning, and the offline
 * map's outline and graticule.
 */
import assert from "node:assert/strict";
import { packetTime, packetTimeLabel, stamp } from "../../static/lib/time_label.ts";
import { graticuleStep, hull, insideBounds } from "../../static/lib/map_offline.ts";

Deno.test("stamp: a clock today, the date otherwise, a dash when unknown", () => {
  const now = new Date(2026, 11, 4, 15, 0, 0).getTime();
  assert.equal(stamp(new Date(2026, 11, 4, 9, 5, 7).toISOString(), now), "09:05:07");
  assert.equal(stamp(new Date(2026, 4, 17, 18, 13, 27).toISOString(), now), "2026-05-17 18:13");
  assert.equal(stamp(new Date(2026, 11, 3, 23, 59, 59).getTime() / 1000, now), "2026-12-03 23:59");
  assert.equal(stamp(null, now), "—");
  assert.equal(stamp("not a date", now), "—");
});

Deno.test("Packets time column: first seen when grouped, heard time per observation", () => {
  const r = { first_seen: "2026-05-17T18:00:00Z", timestamp: "2026-05-17T18:05:00Z" };
  assert.equal(packetTimeLabel(undefined), "First seen");
  assert.equal(packetTimeLabel("obs"), "Heard");
  assert.equal(packetTime(r, undefined), r.first_seen);
  assert.equal(packetTime(r, "obs"), r.timestamp);
  assert.equal(packetTime({ timestamp: r.timestamp }, undefined), r.timestamp);
});

Deno.test("offline map: hull, graticule step and the points inside bounds", () => {
  const square: [number, number][] = [[0, 0], [0, 2], [2, 2], [2, 0], [1, 1], [0.5, 1.5]];
  const h = hull(square);
  assert.equal(h.length, 4);
  assert.deepEqual(new Set(h.map((p) => p.join())), new Set(["0,0", "0,2", "2,2", "2,0"]));
  assert.deepEqual(hull([[1, 1], [2, 2]]), [[1, 1], [2, 2]]);
  assert.equal(graticuleStep(2.5), 0.5);
  assert.equal(graticuleStep(0.3), 0.05);
  assert.equal(graticuleStep(500), 30);
  const nodes = [{ lat: 37, lon: -122 }, { lat: 10, lon: 10 }];
  assert.deepEqual(insideBounds(nodes, [[36, -123], [38, -121]]), [[37, -122]]);
  assert.equal(insideBounds(nodes, null).length, 2);
});
