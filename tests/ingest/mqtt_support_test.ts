import assert from "node:assert/strict";
import { DEFAULTS, type HopwatchConfig } from "../../src/cli/config.ts";
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  mqttIngestOptionsFromConfig,
  redactBroker,
} from "../../src/ingest/mqtt_source.ts";
import { Fifo } from "../../src/ingest/mqtt_support.ts";

Deno.test("mqtt support: backoff doubles up to the cap and jitter only shortens it", () => {
  const none = () => 0;
  const full = () => 1;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a, DEFAULT_BACKOFF, none)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  assert.equal(backoffDelay(0, DEFAULT_BACKOFF, full), 800);
  assert.equal(backoffDelay(9, DEFAULT_BACKOFF, full), 24000);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(3, DEFAULT_BACKOFF);
    assert.ok(d >= 6400 && d <= 8000, String(d));
  }
});

Deno.test("mqtt support: broker URLs lose their password", () => {
  assert.equal(redactBroker("mqtt://u:secret@host:1883"), "mqtt://u:***@host:1883");
  assert.equal(
    redactBroker("wss://u:p%40ss@mqtt.example.org/mqtt"),
    "wss://u:***@mqtt.example.org/mqtt",
  );
  assert.equal(redactBroker("mqtts://host:8883"), "mqtts://host:8883");
  assert.equal(redactBroker("mqtt://user@host"), "mqtt://user@host");
  assert.equal(redactBroker("not a url //u:pw@x"), "not a url //u:***@x");
});

Deno.test("mqtt support: options from the configuration", () => {
  const cfg: HopwatchConfig = {
    ...structuredClone(DEFAULTS),
    configPath: null,
    mqttSources: [{ name: "m", broker: "mqtt://h", topics: ["meshcore/#"] }],
    observerBlacklist: ["AB"],
    iataWhitelist: ["SJC"],
    ingest: { maxBufferedMessages: 123, maxMessageBytes: 456 },
    raw: { clientRxCoverage: { enabled: true } },
  };
  const handler = () => {};
  const opts = mqttIngestOptionsFromConfig(cfg, handler);
  assert.equal(opts.handler, handler);
  assert.equal(opts.sources, cfg.mqttSources);
  assert.deepEqual(
    [opts.maxBufferedMessages, opts.maxMessageBytes, opts.clientRxCoverage],
    [123, 456, true],
  );
  assert.deepEqual([opts.observerBlacklist, opts.iataWhitelist], [["AB"], ["SJC"]]);
  const off = mqttIngestOptionsFromConfig({ ...cfg, raw: {} }, handler);
  assert.equal(off.clientRxCoverage, false);
});

Deno.test("mqtt support: the FIFO keeps order across compaction", () => {
  const q = new Fifo<number>();
  let next = 0;
  for (let i = 0; i < 20_000; i++) {
    q.push(i);
    if (i % 3 !== 0) assert.equal(q.shift(), next++);
  }
  assert.equal(q.length, 20_000 - next);
  while (q.length) assert.equal(q.shift(), next++);
  assert.equal(q.shift(), undefined);
  q.push(1);
  q.clear();
  assert.equal(q.length, 0);
});
