import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  buildAdvertPayload,
  bytesToHex,
  encodePacket,
  PAYLOAD,
  ROUTE,
} from "../../src/meshcore/encode.ts";
import { createStack } from "../../src/cli/stack.ts";
import { ConfigError, DEFAULTS, loadConfig } from "../../src/cli/config.ts";
import { validateGeoConfig } from "../../src/cli/config_geo.ts";
import { Logger } from "../../src/log/logger.ts";
import { packetMsg } from "./pipeline_harness.ts";

const SQUARE = [[37, -122.5], [37, -121.5], [38, -121.5], [38, -122.5]];

async function advert(lat?: number, lon?: number) {
  const kp = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
  const payload = await buildAdvertPayload({
    privateKey: kp.privateKey,
    publicKey,
    timestamp: 1_700_000_000,
    role: "repeater",
    lat,
    lon,
    name: `n${lat ?? "x"}`,
  });
  const hex = bytesToHex(encodePacket({
    routeType: ROUTE.FLOOD,
    payloadType: PAYLOAD.ADVERT,
    hashSize: 1,
    hops: [],
    payload,
  }));
  return { hex, pk: bytesToHex(publicKey).toLowerCase() };
}

function stackWith(mode: "flag" | "drop") {
  const dir = Deno.makeTempDirSync({ prefix: "hw-geofilter-" });
  const raw = { geo_filter: { polygon: SQUARE, bufferKm: 1 } };
  const stack = createStack({
    ...DEFAULTS,
    dbPath: `${dir}/hw.db`,
    raw,
    foreignAdvertsMode: mode,
  }, { log: new Logger("error", () => {}) });
  return { stack, dir };
}

Deno.test("geofilter drop mode: outside dropped and counted, inside/edge/no-position stored", async () => {
  const { stack, dir } = stackWith("drop");
  try {
    const inside = await advert(37.5, -122);
    const edge = await advert(37, -122); // on the southern edge
    const nearEdge = await advert(36.995, -122); // ~0.55 km outside: within the 1 km buffer
    const outside = await advert(36.95, -122); // ~5.5 km outside
    const far = await advert(48.85, 2.35);
    const none = await advert();
    const out: Record<string, string> = {};
    for (const [name, a] of Object.entries({ inside, edge, nearEdge, outside, far, none })) {
      out[name] = (await stack.pipeline.ingestPacket(packetMsg(a.hex, "AA".repeat(32)))).status;
    }
    assert.deepEqual(out, {
      inside: "stored",
      edge: "stored",
      nearEdge: "stored",
      outside: "dropped",
      far: "dropped",
      none: "stored",
    });
    assert.equal(stack.pipeline.counters.dropped["outside-geofilter"], 2);
    assert.equal(stack.nodes.byKey(outside.pk), undefined);
    assert.ok(stack.nodes.byKey(none.pk), "a node without position is not judged");
    await stack.writer.flush();
    const db = new DatabaseSync(`${dir}/hw.db`, { readOnly: true });
    const rows = db.prepare(
      "SELECT node_pubkey, reason FROM dropped_packets ORDER BY id",
    ).all() as { node_pubkey: string; reason: string }[];
    db.close();
    assert.deepEqual(rows.map((r) => r.node_pubkey).sort(), [outside.pk, far.pk].sort());
    assert.ok(rows.every((r) => r.reason === "outside geo_filter"));
  } finally {
    await stack.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("geofilter flag mode: outside stored and marked foreign", async () => {
  const { stack, dir } = stackWith("flag");
  try {
    const inside = await advert(37.5, -122);
    const outside = await advert(40, -100);
    for (const a of [inside, outside]) {
      assert.equal(
        (await stack.pipeline.ingestPacket(packetMsg(a.hex, "AB".repeat(32)))).status,
        "stored",
      );
    }
    assert.equal(stack.nodes.byKey(outside.pk)?.foreign, true);
    assert.equal(stack.nodes.byKey(inside.pk)?.foreign, false);
    await stack.writer.flush();
    const db = new DatabaseSync(`${dir}/hw.db`, { readOnly: true });
    const flag = (pk: string) =>
      db.prepare("SELECT foreign_advert AS f FROM nodes WHERE public_key = ?").get(pk)?.f;
    assert.equal(flag(outside.pk), 1);
    assert.equal(flag(inside.pk), 0);
    db.close();
    assert.equal(stack.pipeline.counters.dropped["outside-geofilter"], 0);
  } finally {
    await stack.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("geo config: malformed polygons and ranges are errors naming the key", () => {
  const bowtie = [[37, -122], [38, -121], [37, -121], [38, -122]];
  const errs = validateGeoConfig({
    geo_filter: { polygon: bowtie },
    areas: {
      OPEN: { label: "Open", polygon: [[37, -122], [38, -122]] },
      LAT: { label: "Lat", polygon: [[37, -122], [95, -122], [37, -121]] },
      BOX: { label: "Box", latMin: 1, latMax: 2, lonMin: 3 },
      OK: { label: "Fine", polygon: SQUARE },
      _comment: "ignored",
    },
  });
  assert.equal(errs.length, 4, errs.join("\n"));
  assert.match(errs[0], /config key "geo_filter\.polygon": is self-intersecting/);
  assert.match(errs[1], /config key "areas\.OPEN\.polygon": is open/);
  assert.match(errs[2], /config key "areas\.LAT\.polygon": point 1: latitude 95 is out of range/);
  assert.match(errs[3], /config key "areas\.BOX": a bounding box needs all of/);
  assert.deepEqual(validateGeoConfig({ geo_filter: { polygon: SQUARE, bufferKm: -1 } }), [
    'config key "geo_filter.bufferKm": expected a number from 0 to 20000, got -1',
  ]);
  // a closed ring (first point repeated) is accepted
  assert.deepEqual(
    validateGeoConfig({ areas: { A: { label: "A", polygon: [...SQUARE, SQUARE[0]] } } }),
    [],
  );
});

Deno.test("geo config: loadConfig refuses a self-intersecting geo_filter at startup", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/config.json`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({ geo_filter: { polygon: [[37, -122], [38, -121], [37, -121], [38, -122]] } }),
    );
    assert.throws(
      () => loadConfig({ config: path }, () => undefined),
      (e: unknown) => e instanceof ConfigError && /geo_filter\.polygon/.test(e.message),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
