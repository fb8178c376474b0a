/**
 * The live-row tests of the area filter (static/lib/area_filter.ts): the
 * point-in-area test, the list endpoints' rule (an ADVERT from the area) and
 * the Live map's rule (a route point or the observer in the area).
 */
import assert from "node:assert/strict";
import {
  advertInArea,
  type AreaScope,
  inArea,
  outline,
  routeInArea,
} from "../../static/lib/area_filter.ts";
import { NodeLocator } from "../../static/lib/route_points.ts";
import type { NodeLite } from "../../static/lib/node_names.ts";

/** A concave "L": the notch (lat 1..2, lon 1..2) is outside. */
const L_SHAPE = {
  key: "L",
  label: "L",
  polygon: [[0, 0], [0, 2], [1, 2], [1, 1], [2, 1], [2, 0]] as [number, number][],
};
const BOX = { key: "B", label: "Box", latMin: 10, latMax: 11, lonMin: 20, lonMax: 21 };

const node = (key: string, lat: number | null, lon: number | null): NodeLite => ({
  public_key: key,
  name: key.slice(0, 4),
  role: "repeater",
  lat,
  lon,
});
const IN = "aa".repeat(32), OUT = "bb".repeat(32), OBS = "cc".repeat(32);
const loc = new NodeLocator([node(IN, 0.5, 0.5), node(OUT, 1.5, 1.5), node(OBS, 5, 5)]);
const scope: AreaScope = { area: L_SHAPE, keys: new Set([IN]) };

const advert = (dec: Record<string, unknown>) => ({
  payload_type: 4,
  decoded_json: JSON.stringify(dec),
  path_json: "[]",
});

Deno.test("inArea: polygon (concave), box, and a shape with neither", () => {
  assert.equal(inArea(L_SHAPE, 0.5, 0.5), true);
  assert.equal(inArea(L_SHAPE, 1.5, 0.5), true);
  assert.equal(inArea(L_SHAPE, 1.5, 1.5), false, "the notch");
  assert.equal(inArea(L_SHAPE, -0.1, 0.5), false);
  assert.equal(inArea(BOX, 10, 21), true, "box edges are inside");
  assert.equal(inArea(BOX, 9.99, 20.5), false);
  assert.equal(inArea({ key: "X", label: "" }, 0, 0), false);
  assert.deepEqual(outline(BOX), [[10, 20], [11, 21]]);
  assert.deepEqual(outline({ key: "X", label: "" }), []);
});

Deno.test("advertInArea: the advert's own position, else the node's; never other types", () => {
  assert.equal(advertInArea(advert({ pubKey: OUT, lat: 0.5, lon: 0.5 }), scope), true);
  assert.equal(advertInArea(advert({ pubKey: IN, lat: 1.5, lon: 1.5 }), scope), false, "moved");
  assert.equal(advertInArea(advert({ pubKey: IN.toUpperCase() }), scope), true, "no position");
  assert.equal(advertInArea(advert({ pubKey: IN, lat: 0, lon: 0 }), scope), true, "0,0 is none");
  assert.equal(advertInArea(advert({ pubKey: OUT }), scope), false);
  assert.equal(advertInArea(advert({}), scope), false);
  assert.equal(advertInArea({ ...advert({ pubKey: IN }), payload_type: 5 }, scope), false);
  assert.equal(advertInArea({ payload_type: 4, decoded_json: "not json{" }, scope), false);
});

Deno.test("routeInArea: a hop, the advert's origin or the observer in the area", () => {
  const msg = (path: string[], extra: Record<string, unknown> = {}) => ({
    payload_type: 5,
    decoded_json: "{}",
    path_json: JSON.stringify(path),
    ...extra,
  });
  assert.equal(routeInArea(msg(["AA"]), scope, loc), true, "hop prefix located inside");
  assert.equal(routeInArea(msg(["BB"]), scope, loc), false, "hop in the notch");
  assert.equal(routeInArea(msg(["BB", "CC"]), scope, loc), false);
  assert.equal(routeInArea(msg(["BB"], { resolved_path: [IN] }), scope, loc), true, "resolved");
  assert.equal(routeInArea(msg([], { observer_id: IN.toUpperCase() }), scope, loc), true);
  assert.equal(routeInArea(msg([], { observer_id: OBS }), scope, loc), false);
  assert.equal(routeInArea(msg(["ZZ"]), scope, loc), false, "unknown hop");
  assert.equal(routeInArea(advert({ pubKey: OUT, lat: 0.2, lon: 0.2 }), scope, loc), true);
  assert.equal(routeInArea(advert({ pubKey: OUT, lat: 5, lon: 5 }), scope, loc), false);
});
