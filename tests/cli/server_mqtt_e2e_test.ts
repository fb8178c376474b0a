/**
 * MQTT end to end: a real Mosquitto broker (started here on a free loopback
 * port), the real hopwatch process subscribed to it, meshcoretomqtt-format
 * messages published by a real client. Packets and status messages arrive,
 * de-duplicate across observers, persist, and keep arriving after the broker
 * restarts.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import mqtt from "mqtt";
import { startMosquitto } from "../ingest/mosquitto_harness.ts";
import { fixturePackets, startServer } from "./server_process.ts";

const OBSERVERS = [
  "1E598D0F11783A33C04D701FF3151FD8D8C0A96686D88267DF70993F59EF760C",
  "C0FFEE".repeat(10) + "C0FF",
];

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function publishAll(url: string, messages: { topic: string; payload: string }[]) {
  const client = await mqtt.connectAsync(url, {
    clientId: `hw-test-pub-${Date.now()}`,
    reconnectPeriod: 0,
  });
  try {
    for (const m of messages) await client.publishAsync(m.topic, m.payload, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

const NAMES: Record<string, string> = {
  [OBSERVERS[0]]: "GY889 Repeater",
  [OBSERVERS[1]]: "Second Observer",
};

function packetMessages(packets: { raw: string }[], observer: string, iata: string) {
  return packets.map((p, i) => ({
    topic: `meshcore/${iata}/${observer}/packets`,
    payload: JSON.stringify({
      raw: p.raw,
      SNR: 5 + (i % 7),
      RSSI: -90 - (i % 20),
      origin: NAMES[observer],
      direction: "rx",
    }),
  }));
}

Deno.test("mqtt e2e: real broker -> hopwatch -> SQLite, across observers and a broker restart", async () => {
  const broker = await startMosquitto();
  const dir = Deno.makeTempDirSync({ prefix: "hw-mqtt-e2e-" });
  const dbPath = `${dir}/hw.db`;
  const server = await startServer(dbPath, {
    mqttSources: [{ name: "local", broker: broker.url, topics: ["meshcore/#"] }],
    hashChannels: ["#test"],
  });
  try {
    await until("the MQTT source to connect", async () => {
      const s = await (await fetch(`${server.url}/api/mqtt/status`)).json();
      return s.sources[0]?.connected ? true : undefined;
    });
    const packets = fixturePackets().slice(0, 120);
    const status = (observer: string, name: string) => ({
      topic: `meshcore/SJC/${observer}/status`,
      payload: JSON.stringify({
        origin: name,
        model: "Heltec V3",
        firmware_version: "1.16.0",
        radio: "910.525,62.5,7,5",
        stats: { battery_mv: 4012, uptime_secs: 3600, noise_floor: "-110dBm" },
        repeat: "on",
      }),
    });
    await publishAll(broker.url, [
      status(OBSERVERS[0], "GY889 Repeater"),
      status(OBSERVERS[1], "Second Observer"),
      { topic: `meshcore/SJC/${OBSERVERS[0]}/packets`, payload: "this is not json" },
      { topic: `meshcore/SJC/${OBSERVERS[0]}/packets`, payload: JSON.stringify({ raw: "zz" }) },
      ...packetMessages(packets, OBSERVERS[0], "SJC"),
      ...packetMessages(packets, OBSERVERS[1], "OAK"),
    ]);
    const stats = await until("120 transmissions from two observers", async () => {
      const s = await (await fetch(`${server.url}/api/stats`)).json();
      return s.totalTransmissions === 120 && s.totalObservations === 240 ? s : undefined;
    });
    assert.equal(stats.totalObservers, 2);

    // Status messages reach the (otherwise 30 s cached) observer list as soon as they commit.
    const first = await until("the observer list to show the status fields", async () => {
      const list = (await (await fetch(`${server.url}/api/observers`)).json()).observers;
      const o = list.find((o: { id: string }) => o.id === OBSERVERS[0]);
      return o?.model ? o : undefined;
    }, 5_000);
    assert.equal(first.name, "GY889 Repeater");
    assert.equal(first.model, "Heltec V3");
    assert.equal(first.firmware, "1.16.0");

    const mqttStatus = await (await fetch(`${server.url}/api/mqtt/status`)).json();
    assert.equal(mqttStatus.ingest.byReason["not-json"], 1);
    assert.equal(mqttStatus.ingest.byReason["bad-hex"], 1);

    // The broker goes away and comes back; hopwatch reconnects and keeps ingesting.
    await broker.restart();
    await until("the MQTT source to reconnect", async () => {
      const s = await (await fetch(`${server.url}/api/mqtt/status`)).json();
      return s.sources[0]?.connected && s.sources[0]?.reconnects >= 1 ? true : undefined;
    }, 30_000);
    const more = fixturePackets().slice(120, 150);
    await publishAll(broker.url, packetMessages(more, OBSERVERS[1], "OAK"));
    await until("30 more transmissions after the restart", async () => {
      const s = await (await fetch(`${server.url}/api/stats`)).json();
      return s.totalTransmissions === 150 ? true : undefined;
    });
  } finally {
    assert.equal((await server.stop("SIGTERM")).code, 0, server.log());
    await broker.close();
  }
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const n = (sql: string) => Number(Object.values(db.prepare(sql).get()!)[0]);
    assert.equal(n("SELECT COUNT(*) FROM transmissions"), 150);
    assert.equal(n("SELECT COUNT(*) FROM observations"), 270);
    assert.equal(n("SELECT COUNT(*) FROM observers"), 2);
    assert.equal(n("SELECT COUNT(*) FROM observer_metrics"), 2);
    assert.equal(n("SELECT can_relay_seen FROM observers WHERE name = 'GY889 Repeater'"), 1);
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
