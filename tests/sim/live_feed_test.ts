import assert from "node:assert/strict";
import { buildDemoMesh, createLiveFeed, type LiveMessage } from "../../src/sim/live_feed.ts";
import { decodePacket } from "../../src/meshcore/decode.ts";
import { verifyAdvertSignature } from "../../src/meshcore/signature.ts";

const mesh = await buildDemoMesh(5);

async function take(n: number, opts: Partial<Parameters<typeof createLiveFeed>[1]> = {}) {
  const out: LiveMessage[] = [];
  for await (
    const m of createLiveFeed(mesh, {
      ratePerSec: 50,
      realtime: false,
      limit: n,
      startMs: 1.79e12,
      ...opts,
    })
  ) {
    out.push(m);
  }
  return out;
}

Deno.test("live feed: meshcoretomqtt packets and status messages on the right topics", async () => {
  const msgs = await take(400);
  assert.equal(msgs.length, 400);
  const ids = new Set(mesh.observers.map((o) => o.id));
  const statusSeen = new Set<string>();
  let packets = 0, adverts = 0, lastTs = 0;
  for (const m of msgs) {
    const match = /^meshcore\/([A-Z]{3})\/([0-9A-F]{64})\/(packets|status)$/.exec(m.topic);
    assert.ok(match, m.topic);
    assert.ok(ids.has(match[2]));
    const body = JSON.parse(m.payload);
    const ts = Date.parse(body.timestamp);
    assert.ok(ts >= lastTs, "messages come in time order");
    lastTs = ts;
    if (match[3] === "status") {
      statusSeen.add(match[2]);
      assert.equal(typeof body.origin, "string");
      assert.equal(typeof body.stats.battery_mv, "number");
      assert.equal(typeof body.stats.uptime_secs, "number");
      assert.equal(typeof body.stats.noise_floor, "number");
      assert.equal(typeof body.repeat, "boolean");
      assert.match(body.radio, /^\d+\.\d+,62\.5,7,5$/);
      continue;
    }
    packets++;
    assert.equal(body.direction, "rx");
    assert.equal(typeof body.SNR, "number");
    assert.equal(typeof body.RSSI, "number");
    assert.equal(typeof body.score, "number");
    assert.match(body.raw, /^[0-9A-F]+$/);
    const d = decodePacket(body.raw);
    assert.equal(d.valid, true, d.error ?? "");
    assert.equal(d.hash, body.hash);
    if (d.header!.payloadType === 4) {
      adverts++;
      assert.equal(await verifyAdvertSignature(body.raw), true);
    }
  }
  assert.equal(statusSeen.size, mesh.observers.length);
  assert.ok(packets > 300);
  assert.ok(adverts > 0);
});

Deno.test("live feed: deterministic per seed, paced by ratePerSec", async () => {
  const a = await take(100, { seed: 9 });
  const b = await take(100, { seed: 9 });
  assert.deepEqual(a, b);
  const c = await take(100, { seed: 10 });
  assert.notDeepEqual(a, c);
  const packets = (await take(600, { ratePerSec: 20 })).filter((m) => m.topic.endsWith("/packets"));
  const ts = packets.map((m) => Date.parse(JSON.parse(m.payload).timestamp));
  const rate = packets.length / ((ts[ts.length - 1] - ts[0]) / 1000);
  assert.ok(rate > 10 && rate < 40, `rate ${rate}`);
});

Deno.test("live feed: realtime mode stops on abort; bad rate is refused", async () => {
  assert.throws(() => createLiveFeed(mesh, { ratePerSec: 0 }), /ratePerSec/);
  const ac = new AbortController();
  let n = 0;
  const t0 = performance.now();
  for await (const _ of createLiveFeed(mesh, { ratePerSec: 200, signal: ac.signal })) {
    if (++n === 20) ac.abort();
  }
  assert.ok(n >= 20 && n < 40, `${n}`);
  assert.ok(performance.now() - t0 < 5000);
});
