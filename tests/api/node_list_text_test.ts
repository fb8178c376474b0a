/**
 * `/api/nodes` serialises nodes from per-node memoised texts. Whatever changes
 * (time passing, node attributes, new relayed packets), a long-lived app must
 * answer byte for byte what a fresh app (empty memos) answers.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/api/app.ts";
import { bytesToHex, encodePacket } from "../../src/meshcore/encode.ts";
import { FIXTURE_NOW, makeApp } from "./helpers.ts";
import { packetMsg } from "../ingest/pipeline_harness.ts";

interface NodeBody {
  public_key: string;
  name: string | null;
  role: string;
  relay_count_1h?: number;
  relay_count_24h?: number;
  usefulness_score?: number;
  packet_count: number;
}

Deno.test("node list: memoised texts equal a fresh serialisation through time, node updates and new relays", async () => {
  let clock = FIXTURE_NOW;
  const t = await makeApp({ deps: { now: () => clock } });
  try {
    const warm = t.app;
    const list = async (app = warm) => {
      const res = await app.request("/api/nodes?limit=2000");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      return await res.text();
    };
    const fresh = () => createApp({ ...t.stack.apiDeps(t.config, t.hub), now: () => clock });
    const check = async (label: string) => {
      const a = await list();
      const b = await list(fresh());
      assert.equal(a, b, label);
      return JSON.parse(a) as { nodes: NodeBody[]; total: number };
    };

    const first = await check("first request");
    await check("second request (every text from the memo)");
    const relay = first.nodes.find((n) => (n.relay_count_24h ?? 0) > 0);
    assert.ok(relay, "the fixture has a relay with relayed packets");

    // Time passes: counts leave the 1 h / 24 h windows, scores decay.
    clock += 3 * 3_600_000;
    const later = await check("three hours later");
    const figures = (b: { nodes: NodeBody[] }) =>
      b.nodes.map((n) => [n.relay_count_1h, n.relay_count_24h, n.usefulness_score]);
    assert.notDeepEqual(figures(later), figures(first), "relay figures moved with the clock");
    clock += 24 * 3_600_000;
    const dayLater = await check("a day later");
    assert.ok(dayLater.nodes.every((n) => (n.relay_count_24h ?? 0) === 0), "24 h window emptied");

    // A node's attributes change (as an advert would).
    t.stack.nodes.upsert({ publicKey: relay.public_key, name: "Renamed Relay" });
    const renamed = await check("after a rename");
    assert.equal(
      renamed.nodes.find((n) => n.public_key === relay.public_key)?.name,
      "Renamed Relay",
    );

    // A packet relayed by that node (a unique 3-byte hop) arrives now.
    const before = renamed.nodes.find((n) => n.public_key === relay.public_key)!;
    const raw = bytesToHex(encodePacket({
      routeType: 1,
      payloadType: 2,
      hashSize: 3,
      hops: [relay.public_key.slice(0, 6).toUpperCase()],
      payload: Uint8Array.of(0x10, 0x20, 0x77, 0x55, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    }));
    const out = await t.stack.pipeline.ingestPacket(
      packetMsg(raw, "5E".repeat(32), { receivedAtMs: clock }),
    );
    assert.equal(out.status, "stored");
    const relayed = await check("after a relayed packet");
    const after = relayed.nodes.find((n) => n.public_key === relay.public_key)!;
    assert.equal(after.relay_count_1h, (before.relay_count_1h ?? 0) + 1);
    assert.equal(after.packet_count, before.packet_count + 1);
  } finally {
    await t.close();
  }
});
