/**
 * The seven findings of the hostile-input attack (issue 16), one test each
 * (finding 4, `observerIATAWhitelist`, is in tests/cli/config_reference_test.ts).
 * Each failed on the code before the validation boundary.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { decodePacket } from "../../src/meshcore/mod.ts";
import { parseMqttMessage, type StatusMessage } from "../../src/ingest/messages.ts";
import { createTestStack, packetMsg } from "./pipeline_harness.ts";
import { getJson, makeApp, TEST_KEY } from "../api/helpers.ts";
import { loadConfig } from "../../src/cli/config.ts";
import { previewRetention } from "../../src/cli/retention_preview.ts";
import { startServer } from "../cli/server_process.ts";

const TRACE_65 = "2600010000000000000000" + "AA".repeat(65);
const TRACE_64 = "2600010000000000000000" + "AA".repeat(64);

function post(
  app: { request: (p: string, i: RequestInit) => Response | Promise<Response> },
  body: unknown,
) {
  return app.request("/api/packets", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": TEST_KEY },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const ctx = {
  source: { name: "t" },
  observerBlacklist: new Set<string>(),
  iataWhitelist: null,
  maxBytes: 1 << 20,
  nowMs: Date.parse("2026-12-04T00:00:00Z"),
};
const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

Deno.test("finding 1: a TRACE route over 64 bytes is refused by the decoder, stored by nobody", async () => {
  const d = decodePacket(TRACE_65);
  assert.equal(d.valid, false);
  assert.match(d.error ?? "", /trace route too long \(65 hops/);
  assert.equal(decodePacket(TRACE_64).valid, true);
  const s = createTestStack();
  try {
    await s.load();
    const out = await s.pipeline.ingestPacket(packetMsg(TRACE_65, "AA11"));
    assert.equal(out.status, "dropped");
    assert.equal(out.status === "dropped" && out.reason, "decode-error");
    assert.equal((await s.pipeline.ingestPacket(packetMsg(TRACE_64, "AA11"))).status, "stored");
  } finally {
    await s.close();
  }
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  try {
    const res = await post(t.app, { hex: TRACE_65, observer: "AA11" });
    assert.equal(res.status, 400, await res.text());
  } finally {
    await t.close();
  }
});

Deno.test("finding 1 (class): an exception inside the pipeline is one internal-error, never a throw", async () => {
  const s = createTestStack();
  try {
    await s.load();
    const observe = s.resolver.observe.bind(s.resolver);
    s.resolver.observe = () => {
      throw new RangeError("boom in the resolver");
    };
    const out = await s.pipeline.ingestPacket(packetMsg(TRACE_64, "AA11"));
    assert.equal(out.status, "dropped");
    assert.equal(out.status === "dropped" && out.reason, "internal-error");
    const snap = s.pipeline.counters.snapshot();
    assert.equal(snap.dropped["internal-error"], 1);
    assert.match(snap.lastInternalError ?? "", /RangeError: boom in the resolver/);
    s.resolver.observe = observe;
    assert.equal((await s.pipeline.ingestPacket(packetMsg(TRACE_64, "AA11"))).status, "stored");
  } finally {
    await s.close();
  }
});

Deno.test("finding 2: SNR/RSSI ranges are the same on MQTT, HTTP, client RX and replay", async () => {
  const s = createTestStack();
  try {
    await s.load();
    const m = parseMqttMessage(
      "meshcore/SJC/AA11/packets",
      enc(`{"raw":"${TRACE_64}","SNR":1e300,"RSSI":-1e300}`),
      ctx,
    );
    assert.equal(m.kind, "packet");
    const out = await s.pipeline.ingestPacket(m as Parameters<typeof s.pipeline.ingestPacket>[0]);
    assert.equal(out.status === "dropped" && out.reason, "out-of-range");
    assert.equal(s.pipeline.counters.snapshot().dropped["out-of-range"], 1);
    await s.writer.flush();
    assert.equal(Number(s.hdb.db.prepare("SELECT COUNT(*) AS n FROM observations").get()?.n), 0);
    // The same bound as HTTP: 50 is accepted, 50.5 is not.
    const edge = await s.pipeline.ingestPacket(
      packetMsg(TRACE_64, "AA11", { snr: 50, rssi: -200 }),
    );
    assert.equal(edge.status, "stored");
    const over = await s.pipeline.ingestPacket(packetMsg(TRACE_64, "AA12", { snr: 50.5 }));
    assert.equal(over.status === "dropped" && over.reason, "out-of-range");
  } finally {
    await s.close();
  }
  // Client RX topic: the same check, refused by the parser with the same reason.
  const rx = parseMqttMessage(
    "meshcore/client/ABCD/packets",
    enc({ raw: TRACE_64, SNR: 1e300, gps: { lat: 1, lon: 2 } }),
    { ...ctx, clientRxCoverage: true },
  );
  assert.equal(rx.kind === "rejected" && rx.reason, "out-of-range");
  // HTTP: 400 naming the field, counted.
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  try {
    const res = await post(t.app, `{"hex":"${TRACE_64}","observer":"AA11","snr":1e999}`);
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /"snr"/);
    assert.equal(t.stack.pipeline.counters.snapshot().dropped["out-of-range"], 1);
    const metrics = await (await t.app.request("/metrics")).text();
    assert.match(metrics, /hopwatch_pipeline_dropped_total\{reason="out-of-range"\} 1\n/);
    const mqttStatus = await getJson(t.app, "/api/mqtt/status");
    const pipe = (mqttStatus.body as { pipeline: { dropped: Record<string, number> } }).pipeline;
    assert.equal(pipe.dropped["out-of-range"], 1);
  } finally {
    await t.close();
  }
});

Deno.test("finding 2 (replay): out-of-range figures already in SQLite load as absent", async () => {
  const s = createTestStack();
  await s.load();
  await s.pipeline.ingestPacket(packetMsg(TRACE_64, "AA11", { snr: 5, rssi: -90 }));
  await s.writer.flush();
  s.hdb.db.exec("UPDATE observations SET snr = 1e300, rssi = -1e300");
  const path = `${s.dir}/hw.db`;
  await s.writer.close();
  s.hdb.close();
  const t = await makeApp({ db: path, config: { apiKey: TEST_KEY } });
  try {
    const rf = await getJson(t.app, "/api/analytics/rf");
    const text = JSON.stringify(rf.body);
    assert.equal(rf.status, 200);
    assert.ok(!/Infinity|NaN/.test(text), text.slice(0, 200));
    const obs = t.stack.store.getObservation(
      t.stack.store.getByHash(
        decodePacket(TRACE_64).hash,
        true,
      )!.observations![0].id,
    );
    assert.equal(obs?.snr, null);
  } finally {
    await t.close();
    Deno.removeSync(s.dir, { recursive: true });
  }
});

Deno.test("finding 3: observer identity from status messages is capped and validated", async () => {
  const s = createTestStack();
  try {
    await s.load();
    const status = (body: Record<string, unknown>) =>
      parseMqttMessage("meshcore/SJC/OBS1/status", enc(body), ctx) as StatusMessage;
    const long = s.pipeline.ingestStatus(status({ origin: "N".repeat(14_000) }));
    assert.equal(long.status === "dropped" && long.reason, "too-long");
    const uptime = s.pipeline.ingestStatus(
      status({ origin: "ok", stats: { uptime_secs: -1e308 } }),
    );
    assert.equal(uptime.status === "dropped" && uptime.reason, "out-of-range");
    const ctl = s.pipeline.ingestStatus(status({ origin: "a\u0007b" }));
    assert.equal(ctl.status === "dropped" && ctl.reason, "bad-text");
    assert.equal(
      s.pipeline.ingestStatus(status({ origin: "Fine", stats: { uptime_secs: 60 } })).status,
      "stored",
    );
    await s.writer.flush();
    const rows = s.hdb.db.prepare("SELECT name, uptime_secs FROM observers").all();
    assert.deepEqual(rows.map((r) => [r.name, r.uptime_secs]), [["Fine", 60]]);
    const d = s.pipeline.counters.snapshot().dropped;
    assert.deepEqual([d["too-long"], d["out-of-range"], d["bad-text"]], [1, 1, 1]);
  } finally {
    await s.close();
  }
});

Deno.test("finding 5: every API response carries X-Content-Type-Options: nosniff", async () => {
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  try {
    for (const path of ["/api/stats", "/api/nodes?limit=x", "/api/nope", "/metrics", "/api/spec"]) {
      const res = await t.app.request(path);
      await res.body?.cancel();
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    }
    const res = await post(t.app, { hex: "zz" });
    await res.body?.cancel();
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  } finally {
    await t.close();
  }
});

Deno.test("finding 6: the fixture showcase keeps its data; old rows are announced before deletion", async () => {
  const url = new URL("../../deploy/fixture.config.json", import.meta.url).pathname;
  const cfg = loadConfig({ config: url }, () => undefined);
  assert.deepEqual(
    [cfg.retention.packetDays, cfg.retention.nodeDays, cfg.retention.observerDays],
    [0, 0, 0],
  );
  // A database whose rows are all older than the default window: the server says so at startup.
  const s = createTestStack();
  await s.load();
  const old = Date.parse("2026-01-01T00:00:00Z");
  await s.pipeline.ingestPacket(packetMsg(TRACE_64, "AA11", { receivedAtMs: old }));
  await s.writer.flush();
  const preview = previewRetention(s.hdb.db, { packetDays: 30, nodeDays: 7, observerDays: 14 });
  assert.equal(preview.packets, 1);
  assert.equal(preview.totalPackets, 1);
  assert.equal(
    previewRetention(s.hdb.db, { packetDays: 0, nodeDays: 0, observerDays: 0 }).packets,
    0,
  );
  const path = `${s.dir}/hw.db`;
  await s.writer.close();
  s.hdb.close();
  const server = await startServer(path, {});
  try {
    const log = server.log();
    assert.match(log, /retention will delete 1 of 1 transmissions \(all of them\)/);
    const db = new DatabaseSync(path, { readOnly: true });
    assert.equal(Number(db.prepare("SELECT COUNT(*) AS n FROM transmissions").get()?.n), 1);
    db.close();
  } finally {
    await server.stop();
    Deno.removeSync(s.dir, { recursive: true });
  }
});

Deno.test("finding 7: what ingest accepts as an observer id, every reader accepts", async () => {
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  try {
    const ids = ["my observer #1", "Obs<script>", "ÄÖ🚫 relay", "x".repeat(128)];
    for (const id of ids) {
      const res = await post(t.app, { hex: TRACE_64, observer: id });
      assert.equal(res.status, 201, `${id}: ${await res.text()}`);
    }
    await t.stack.writer.flush();
    for (const id of ids) {
      const one = await getJson(t.app, `/api/observers/${encodeURIComponent(id)}`);
      assert.equal(one.status, 200, `${id}: ${JSON.stringify(one.body)}`);
      const list = await getJson(t.app, `/api/packets?observer=${encodeURIComponent(id)}`);
      assert.equal(list.status, 200, `${id}: ${JSON.stringify(list.body)}`);
      assert.ok((list.body as { total: number }).total >= 1, id);
    }
    for (const id of ["a,b", "a/b", " lead", "x".repeat(129), "tab\there"]) {
      const res = await post(t.app, { hex: TRACE_64, observer: id });
      assert.equal(res.status, 400, id);
      const r1 = await t.app.request(`/api/packets?observer=${encodeURIComponent(id)}`);
      await r1.body?.cancel();
      // a,b reads as two ids; every other refused id is refused by the reader too.
      if (id !== "a,b" && id !== " lead") assert.equal(r1.status, 400, id);
    }
    assert.equal(t.stack.pipeline.counters.snapshot().dropped["bad-observer-id"], 5);
  } finally {
    await t.close();
  }
});
