/**
 * End-to-end MQTT ingest against real Mosquitto brokers started by the test.
 */
import assert from "node:assert/strict";
import { connectAsync, type MqttClient } from "mqtt";
import type { IngestMessage, PacketMessage, StatusMessage } from "../../src/ingest/messages.ts";
import { MqttIngest, type MqttIngestOptions } from "../../src/ingest/mqtt_source.ts";
import { Logger } from "../../src/log/logger.ts";
import { freePort, startMosquitto } from "./mosquitto_harness.ts";

const OBSERVERS = [
  "AA00000000000000000000000000000000000000000000000000000000000001",
  "BB00000000000000000000000000000000000000000000000000000000000002",
  "CC00000000000000000000000000000000000000000000000000000000000003",
];
const IATAS = ["SJC", "SJC", "PDX"];
const FAST = { initialMs: 50, maxMs: 300, jitter: 0.2 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000, info = () => "") {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${info()}`);
    await sleep(10);
  }
}

function rawFor(i: number): string {
  // FLOOD TXT_MSG header, no hops, a payload carrying the sequence number
  return `0900${i.toString(16).padStart(4, "0").toUpperCase()}DEADBEEF`;
}

function packetBody(i: number, obs: number) {
  return {
    origin: `Observer ${obs}`,
    origin_id: OBSERVERS[obs],
    timestamp: "2026-05-17T11:00:00",
    type: "PACKET",
    direction: "rx",
    SNR: String(obs + i / 10),
    RSSI: String(-60 - i),
    score: String(1000 + i),
    raw: rawFor(i),
  };
}

async function publisher(url: string): Promise<MqttClient> {
  return await connectAsync(url, {
    clientId: `test_pub_${crypto.randomUUID().slice(0, 8)}`,
    reconnectPeriod: 0,
  });
}

function quietLogger(lines: string[]): Logger {
  return new Logger("info", (l) => lines.push(l));
}

function ingestWith(
  lines: string[],
  out: IngestMessage[],
  over: Partial<MqttIngestOptions>,
): MqttIngest {
  return new MqttIngest({
    sources: [],
    handler: async (m) => {
      out.push(m);
      await Promise.resolve();
    },
    logger: quietLogger(lines),
    backoff: FAST,
    connectTimeoutMs: 2000,
    maxMessageBytes: 1024,
    ...over,
  });
}

Deno.test("mqtt e2e: observers' packets and status arrive in order; bad input is counted; reconnect after a broker restart", async () => {
  const broker = await startMosquitto();
  const lines: string[] = [];
  const got: IngestMessage[] = [];
  const ingest = ingestWith(lines, got, {
    sources: [{ name: "local", broker: broker.url, topics: ["meshcore/#"] }],
  });
  let pub: MqttClient | null = null;
  try {
    ingest.start();
    const st = () => ingest.status()[0];
    await waitFor("subscription", () => st().subscribed, 5000, () => JSON.stringify(st()));
    assert.equal(st().state, "connected");
    pub = await publisher(broker.url);

    // 3 status messages, 30 packets from 3 observers, and bad input in between
    const expected: string[] = [];
    for (let o = 0; o < 3; o++) {
      await pub.publishAsync(
        `meshcore/${IATAS[o]}/${OBSERVERS[o]}/status`,
        JSON.stringify({
          status: "online",
          origin: `Observer ${o}`,
          model: "Heltec V3",
          firmware_version: "v1.9.0",
          radio: "910.525,62.5,7,5",
          repeat: o === 2 ? "off" : true,
          stats: { battery_mv: 4000 + o, noise_floor: "-11" + o + "dBm", uptime_secs: 60 },
        }),
      );
      expected.push(`status:${OBSERVERS[o]}`);
    }
    const bad: [string, string][] = [
      [`meshcore/SJC/${OBSERVERS[0]}/packets`, "this is not json"],
      [`meshcore/SJC/${OBSERVERS[0]}/packets`, JSON.stringify({ origin: "no raw" })],
      [`meshcore/SJC/${OBSERVERS[1]}/packets`, JSON.stringify({ raw: "12345" })],
      [`meshcore/SJC/${OBSERVERS[1]}/packets`, JSON.stringify({ raw: "00".repeat(600) })],
      [`meshcore/SJC/${OBSERVERS[2]}/debug`, JSON.stringify({ line: "DEBUG: hello" })],
      ["meshcore/status", JSON.stringify({ broker: "up" })],
    ];
    for (let i = 0; i < 30; i++) {
      const obs = i % 3;
      await pub.publishAsync(
        `meshcore/${IATAS[obs]}/${OBSERVERS[obs]}/packets`,
        JSON.stringify(packetBody(i, obs)),
      );
      expected.push(`packet:${rawFor(i)}`);
      if (i % 5 === 0) {
        const [topic, body] = bad[i / 5];
        await pub.publishAsync(topic, body);
      }
    }
    await waitFor("30 packets + 3 status", () => got.length >= expected.length);
    await ingest.idle();
    const key = (m: IngestMessage) =>
      m.kind === "packet" ? `packet:${m.raw}` : m.kind === "status" ? `status:${m.observerId}` : "";
    assert.deepEqual(got.map(key), expected, "every good message, in publish order");

    const p7 = got.find((m) => m.kind === "packet" && m.raw === rawFor(7)) as PacketMessage;
    assert.equal(p7.observerId, OBSERVERS[1]);
    assert.equal(p7.observerName, "Observer 1");
    assert.equal(p7.iata, "SJC");
    assert.equal(p7.snr, 1.7);
    assert.equal(p7.rssi, -67);
    assert.equal(p7.score, 1007);
    assert.equal(p7.direction, "rx");
    assert.equal(p7.source, "local");
    assert.ok(Math.abs(p7.receivedAtMs - Date.now()) < 10_000);
    const p8 = got.find((m) => m.kind === "packet" && m.raw === rawFor(8)) as PacketMessage;
    assert.deepEqual([p8.observerId, p8.iata], [OBSERVERS[2], "PDX"]);
    const s2 = got[2] as StatusMessage;
    assert.deepEqual([s2.name, s2.batteryMv, s2.noiseFloor, s2.canRelay, s2.firmware], [
      "Observer 2",
      4002,
      -112,
      false,
      "v1.9.0",
    ]);

    const c = ingest.counters.snapshot();
    assert.equal(c.accepted, 33);
    assert.equal(c.acceptedByKind.packet, 30);
    assert.equal(c.acceptedByKind.status, 3);
    for (const reason of ["not-json", "missing-raw", "bad-hex", "oversize", "unknown-topic"]) {
      assert.equal(c.byReason[reason as keyof typeof c.byReason], 1, reason);
    }
    assert.equal(c.byReason["ignored-topic"], 1);
    assert.deepEqual([c.errors, c.ignored, c.received], [5, 1, 39]);
    assert.equal(st().messages, 39);
    assert.ok(st().lastMessageAt !== null);

    // --- broker goes away ---
    await pub.endAsync(true);
    pub = null;
    await broker.stop();
    await waitFor("disconnect", () => st().state === "reconnecting" && !st().connected);
    assert.equal(st().subscribed, false);
    await sleep(200); // let a few reconnect attempts fail
    await broker.restart();
    await waitFor(
      "reconnect",
      () => st().connected && st().subscribed,
      5000,
      () => JSON.stringify(st()),
    );
    assert.equal(st().reconnects, 1);
    assert.ok(st().reconnectAttempts >= 2, `attempts ${st().reconnectAttempts}`);
    assert.match(st().lastError ?? "", /ECONNREFUSED/);

    pub = await publisher(broker.url);
    for (let i = 100; i < 105; i++) {
      await pub.publishAsync(
        `meshcore/SJC/${OBSERVERS[0]}/packets`,
        JSON.stringify(packetBody(i, 0)),
      );
    }
    await waitFor("packets after reconnect", () => got.length >= 38);
    assert.deepEqual(
      got.slice(33).map((m) => (m as PacketMessage).raw),
      [100, 101, 102, 103, 104].map(rawFor),
    );

    // each state change logged once, however many attempts failed
    const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
    assert.equal(count(/INFO {2}MQTT connected/), 1, lines.join("\n"));
    assert.equal(count(/WARN {2}MQTT connection lost/), 1, lines.join("\n"));
    assert.equal(count(/INFO {2}MQTT reconnected/), 1, lines.join("\n"));
    assert.equal(count(/MQTT cannot connect/), 0, lines.join("\n"));
  } finally {
    await pub?.endAsync(true);
    await ingest.stop();
    await broker.close();
  }
  assert.equal(ingest.status()[0].state, "stopped");
});

Deno.test("mqtt e2e: two brokers, an IATA filter on one, credentials never logged, handler errors counted", async () => {
  const a = await startMosquitto();
  const b = await startMosquitto();
  const lines: string[] = [];
  const got: IngestMessage[] = [];
  const secret = "s3cret-Pa55";
  const ingest = ingestWith(lines, got, {
    sources: [
      { name: "alpha", broker: a.url, topics: ["meshcore/#"], iataFilter: ["SJC"] },
      {
        name: "beta",
        broker: `mqtt://meshuser:${secret}@127.0.0.1:${b.port}`,
        username: "meshuser",
        password: secret,
        topics: ["meshcore/+/+/packets", "meshcore/+/+/status"],
      },
    ],
    handler: (m) => {
      if (m.kind === "packet" && m.raw === rawFor(66)) throw new Error("pipeline says no");
      got.push(m);
    },
  });
  const pubs: MqttClient[] = [];
  try {
    ingest.start();
    await waitFor("both subscribed", () => ingest.status().every((s) => s.subscribed));
    const [pa, pb] = [await publisher(a.url), await publisher(b.url)];
    pubs.push(pa, pb);
    await pa.publishAsync(`meshcore/SJC/${OBSERVERS[0]}/packets`, JSON.stringify(packetBody(1, 0)));
    await pa.publishAsync(`meshcore/LAX/${OBSERVERS[1]}/packets`, JSON.stringify(packetBody(2, 1)));
    await pa.publishAsync(`meshcore/LAX/${OBSERVERS[1]}/status`, JSON.stringify({ origin: "L" }));
    await pb.publishAsync(`meshcore/LAX/${OBSERVERS[2]}/packets`, JSON.stringify(packetBody(3, 2)));
    await pb.publishAsync(
      `meshcore/LAX/${OBSERVERS[2]}/packets`,
      JSON.stringify(packetBody(66, 2)),
    );
    await pb.publishAsync(`meshcore/LAX/${OBSERVERS[2]}/debug`, JSON.stringify({ raw: "00" }));
    await pb.publishAsync(`meshcore/LAX/${OBSERVERS[2]}/packets`, JSON.stringify(packetBody(4, 2)));
    await waitFor("messages from both brokers", () => got.length >= 4);
    await ingest.idle();

    const seen = got.map((m) => `${m.source}:${m.kind}:${m.kind === "packet" ? m.raw : ""}`);
    assert.deepEqual(seen.filter((s) => s.startsWith("alpha")), [
      `alpha:packet:${rawFor(1)}`,
      "alpha:status:",
    ]);
    assert.deepEqual(seen.filter((s) => s.startsWith("beta")), [
      `beta:packet:${rawFor(3)}`,
      `beta:packet:${rawFor(4)}`,
    ]);
    const c = ingest.counters.snapshot();
    assert.equal(c.bySource.alpha.byReason["iata-filtered"], 1);
    assert.equal(c.bySource.beta.received, 3, "beta does not subscribe to /debug");
    assert.equal(c.bySource.beta.accepted, 3);
    assert.equal(c.handlerErrors, 1);
    assert.ok(lines.some((l) => /ERROR ingest handler failed .*pipeline says no/.test(l)));

    const status = ingest.status();
    assert.deepEqual(status.map((s) => s.name), ["alpha", "beta"]);
    assert.equal(status[1].broker, `mqtt://meshuser:***@127.0.0.1:${b.port}`);
    assert.notEqual(status[0].clientId, status[1].clientId);
    assert.ok(status.every((s) => s.connected && s.lastError === null));

    // a broker outage on one source does not disturb the other
    await b.stop();
    await waitFor("beta down", () => !ingest.status()[1].connected);
    await pa.publishAsync(`meshcore/SJC/${OBSERVERS[0]}/packets`, JSON.stringify(packetBody(5, 0)));
    await waitFor("alpha still flowing", () => got.length >= 5);
    assert.equal((got[4] as PacketMessage).raw, rawFor(5));
    assert.ok(ingest.status()[0].connected);
  } finally {
    for (const p of pubs) await p.endAsync(true);
    await ingest.stop();
    await a.close();
    await b.close();
  }
  assert.ok(!lines.some((l) => l.includes(secret)), "the password never reaches the log");
  assert.ok(!JSON.stringify(ingest.status()).includes(secret));
});

Deno.test("mqtt e2e: the buffer is bounded; overflow counts as buffer-full; retained messages are skipped", async () => {
  const broker = await startMosquitto();
  const got: IngestMessage[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const lines: string[] = [];
  const ingest = ingestWith(lines, got, {
    sources: [{ name: "local", broker: broker.url, topics: ["meshcore/#"] }],
    maxBufferedMessages: 5,
    handler: async (m) => {
      await gate;
      got.push(m);
    },
  });
  let pub: MqttClient | null = null;
  try {
    pub = await publisher(broker.url);
    await pub.publishAsync(
      `meshcore/SJC/${OBSERVERS[0]}/status`,
      JSON.stringify({ origin: "stale" }),
      { retain: true },
    );
    ingest.start();
    await waitFor("subscription", () => ingest.status()[0].subscribed);
    for (let i = 0; i < 20; i++) {
      await pub.publishAsync(
        `meshcore/SJC/${OBSERVERS[0]}/packets`,
        JSON.stringify(packetBody(i, 0)),
      );
    }
    await waitFor("21 received", () => ingest.counters.snapshot().received === 21);
    const c = ingest.counters.snapshot();
    assert.equal(c.byReason.retained, 1);
    // one message is in the handler, five wait in the buffer, the rest overflow
    assert.equal(c.accepted, 6);
    assert.equal(c.byReason["buffer-full"], 14);
    assert.deepEqual(ingest.bufferStats(), { buffered: 5, capacity: 5, highWater: 5 });
    release();
    await ingest.idle();
    assert.deepEqual(got.map((m) => (m as PacketMessage).raw), [0, 1, 2, 3, 4, 5].map(rawFor));
    assert.equal(ingest.bufferStats().buffered, 0);
  } finally {
    release();
    await pub?.endAsync(true);
    await ingest.stop();
    await broker.close();
  }
});

Deno.test("mqtt e2e: an unreachable broker backs off, reports the error and stops cleanly", async () => {
  const port = freePort();
  const lines: string[] = [];
  const ingest = ingestWith(lines, [], {
    sources: [{ name: "nowhere", broker: `mqtt://127.0.0.1:${port}`, topics: ["meshcore/#"] }],
  });
  ingest.start();
  await waitFor("a few attempts", () => ingest.status()[0].reconnectAttempts >= 3);
  const s = ingest.status()[0];
  assert.equal(s.state, "reconnecting");
  assert.equal(s.connected, false);
  assert.match(s.lastError ?? "", /ECONNREFUSED/);
  assert.equal(lines.filter((l) => /MQTT cannot connect/.test(l)).length, 1, lines.join("\n"));
  await ingest.stop();
  assert.equal(ingest.status()[0].state, "stopped");
  assert.throws(() => ingest.start(), /Cannot start MQTT ingest: it was stopped/);
});

Deno.test("mqtt: bad source configuration is rejected up front", () => {
  const base = { handler: () => {}, logger: quietLogger([]) };
  assert.throws(
    () =>
      new MqttIngest({
        ...base,
        sources: [{ name: "x", broker: "http://user:pw@host", topics: [] }],
      }),
    (err: Error) => /not an mqtt:\/\//.test(err.message) && !err.message.includes("pw@"),
  );
  assert.throws(
    () =>
      new MqttIngest({
        ...base,
        sources: [
          { name: "x", broker: "mqtt://a", topics: [] },
          { name: "x", broker: "mqtt://b", topics: [] },
        ],
      }),
    /duplicate name/,
  );
});
