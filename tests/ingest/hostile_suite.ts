/**
 * The hostile-input suite: seeded random, truncated and mutated packets
 * through the WHOLE pipeline — posted over HTTP to a real hopwatch process and
 * published over MQTT through a real mosquitto broker — with hostile radio
 * figures, observer ids and names, status messages, channel text and garbage.
 *
 * It fails (returns problems) on any 5xx answer, any message not accounted for
 * by a counter, any `internal-error`, any non-finite value in an API answer,
 * any observer id a reader refuses, and a failing `hopwatch check`. Used by
 * `hostile_test.ts` (small count) and `bench/hostile_bench.ts` (100,000 each).
 *
 * @module
 */

import mqtt from "mqtt";
import { startMosquitto } from "./mosquitto_harness.ts";
import { fixturePackets, startServer, TEST_API_KEY } from "../cli/server_process.ts";
import { checkDatabase } from "../../src/cli/check_command.ts";

/** Options of {@linkcode runHostileSuite}. */
export interface HostileOptions {
  httpCount: number;
  mqttCount: number;
  seed: number;
  /** Parallel HTTP requests (default 8). */
  concurrency?: number;
  progress?: (what: string) => void;
}

/** What the suite measured. */
export interface HostileReport {
  seed: number;
  http: { sent: number; byStatus: Record<string, number>; ms: number };
  mqtt: {
    published: number;
    received: number;
    accepted: number;
    dropped: number;
    byReason: Record<string, number>;
    acceptedByKind: Record<string, number>;
    ms: number;
  };
  pipeline: Record<string, unknown>;
  apiChecks: number;
  check: { ok: boolean; problems: string[] };
  problems: string[];
}

/** A small seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = (b: number) => b.toString(16).padStart(2, "0");

/** Hostile observer ids: valid, long, control characters, separators, markup, unicode. */
const IDS = [
  "1E598D0F11783A33C04D701FF3151FD8D8C0A96686D88267DF70993F59EF760C",
  "my observer #1",
  "<img src=x onerror=alert(1)>",
  "ÄÖ🚫 relay",
  "x".repeat(128),
  "x".repeat(129),
  "a,b",
  "a/b",
  " padded ",
  "tab\there",
  "nul\u0000id",
  "%2e%2e",
  "'; DROP TABLE observers; --",
];
const NAMES = [
  "Repeater",
  "N".repeat(14_000),
  "<script>alert(1)</script>",
  "bell\u0007",
  "\u202eevil",
  "🚫 hidden",
  "",
];
/** Raw JSON number texts: valid, edge, out of range, non-finite when parsed. */
const FIGURES = [
  "5.5",
  "-92",
  "50",
  "-200",
  "50.5",
  "1e300",
  "-1e300",
  "1e999",
  "null",
  '"-110dBm"',
  '"NaN"',
];

/** One mutated packet hex from a valid one. */
export function mutatePacket(rand: () => number, base: string[]): string {
  const pick = base[Math.floor(rand() * base.length)];
  const bytes = Array.from(
    { length: pick.length / 2 },
    (_, i) => parseInt(pick.slice(i * 2, i * 2 + 2), 16),
  );
  const op = Math.floor(rand() * 8);
  const at = () => Math.floor(rand() * bytes.length);
  switch (op) {
    case 0: // truncate
      bytes.length = Math.max(1, at());
      break;
    case 1: // flip bits
      for (let i = 0; i < 1 + rand() * 4; i++) bytes[at()] ^= 1 << Math.floor(rand() * 8);
      break;
    case 2: // random header and path byte
      bytes[0] = Math.floor(rand() * 256);
      if (bytes.length > 1) bytes[1] = Math.floor(rand() * 256);
      break;
    case 3: // append garbage
      for (let i = 0; i < rand() * 80; i++) bytes.push(Math.floor(rand() * 256));
      break;
    case 4: { // entirely random
      const n = 1 + Math.floor(rand() * 260);
      bytes.length = 0;
      for (let i = 0; i < n; i++) bytes.push(Math.floor(rand() * 256));
      break;
    }
    case 5: { // TRACE with a long route
      const hops = 55 + Math.floor(rand() * 20);
      bytes.length = 0;
      bytes.push(0x26, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, Math.floor(rand() * 4));
      for (let i = 0; i < hops; i++) bytes.push(Math.floor(rand() * 256));
      break;
    }
    case 6: // delete a byte
      if (bytes.length > 2) bytes.splice(at(), 1);
      break;
    default: // untouched (a valid packet: duplicates and new observers)
      break;
  }
  return bytes.map(HEX).join("");
}

function one<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

/** One HTTP body (raw JSON text). */
function httpBody(rand: () => number, base: string[]): string {
  const parts = [`"hex":${JSON.stringify(mutatePacket(rand, base))}`];
  if (rand() < 0.8) parts.push(`"observer":${JSON.stringify(one(rand, IDS))}`);
  if (rand() < 0.6) parts.push(`"snr":${one(rand, FIGURES)}`);
  if (rand() < 0.6) parts.push(`"rssi":${one(rand, FIGURES)}`);
  return `{${parts.join(",")}}`;
}

/** One MQTT message: packet, status, companion text, client RX or garbage. */
function mqttMessage(rand: () => number, base: string[]): { topic: string; payload: string } {
  const r = rand();
  // A topic segment cannot hold "/", "+", "#" or control characters: brokers refuse those.
  // deno-lint-ignore no-control-regex
  const id = one(rand, IDS).replace(/[/+#\u0000-\u001f]/g, "_");
  const iata = one(rand, ["SJC", "SFO", "", "X".repeat(40)]);
  if (r < 0.7) {
    const fields = [`"raw":${JSON.stringify(mutatePacket(rand, base))}`];
    if (rand() < 0.7) fields.push(`"SNR":${one(rand, FIGURES)}`, `"RSSI":${one(rand, FIGURES)}`);
    if (rand() < 0.5) fields.push(`"origin":${JSON.stringify(one(rand, NAMES))}`);
    if (rand() < 0.2) {
      fields.push(`"region":${JSON.stringify(one(rand, ["SJC", "<b>", "R".repeat(99)]))}`);
    }
    return { topic: `meshcore/${iata || "SJC"}/${id}/packets`, payload: `{${fields.join(",")}}` };
  }
  if (r < 0.82) {
    const stat = () => one(rand, FIGURES);
    return {
      topic: `meshcore/SJC/${id}/status`,
      payload: `{"origin":${JSON.stringify(one(rand, NAMES))},"model":${
        JSON.stringify(one(rand, ["Heltec V3", "M".repeat(500)]))
      },"firmware_version":"1.16.0","stats":{"battery_mv":${stat()},"uptime_secs":${
        one(rand, ["3600", "-1e308", "1e308", '"abc"'])
      },"noise_floor":${stat()},"packets_recv":${one(rand, ["12", "-5", "1e20"])}},"repeat":${
        one(rand, ["true", '"on"', "7"])
      }}`,
    };
  }
  if (r < 0.88) {
    return {
      topic: `meshcore/message/channel/${Math.floor(rand() * 8)}`,
      payload: JSON.stringify({
        text: one(rand, NAMES) + ": " + one(rand, ["hi", "<svg onload=alert(1)>", "\u0000"]),
        channel_idx: one(rand, [0, 1, -1, 1e300, "x"]),
      }),
    };
  }
  if (r < 0.94) {
    return {
      topic: `meshcore/client/${id}/packets`,
      payload: `{"raw":${JSON.stringify(mutatePacket(rand, base))},"SNR":${
        one(rand, FIGURES)
      },"gps":{"lat":${one(rand, ["37.4", "91", "1e999"])},"lon":-122}}`,
    };
  }
  return {
    topic: `meshcore/SJC/${id}/packets`,
    payload: one(rand, [
      "not json",
      "[1,2]",
      "null",
      '{"raw":7}',
      '{"raw":"abc"}',
      "{",
      '"\uFFFF"',
    ]),
  };
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  return await res.json();
}

async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const NON_FINITE = /\b(Infinity|NaN)\b/;

/** Runs the whole suite against a fresh database; never leaves processes behind. */
export async function runHostileSuite(opts: HostileOptions): Promise<HostileReport> {
  const note = opts.progress ?? (() => {});
  const problems: string[] = [];
  const base = fixturePackets().map((p) => p.raw);
  const broker = await startMosquitto();
  const dir = Deno.makeTempDirSync({ prefix: "hw-hostile-" });
  const dbPath = `${dir}/hw.db`;
  const server = await startServer(dbPath, {
    mqttSources: [{ name: "hostile", broker: broker.url, topics: ["meshcore/#"] }],
    clientRxCoverage: { enabled: true },
    rateLimit: { writePerMinute: 100_000_000, readPerMinute: 100_000_000 },
    ingest: { maxBufferedMessages: 10_000_000, maxMessageBytes: 65_536 },
    logLevel: "error",
  });
  const report: HostileReport = {
    seed: opts.seed,
    http: { sent: 0, byStatus: {}, ms: 0 },
    mqtt: {
      published: 0,
      received: 0,
      accepted: 0,
      dropped: 0,
      byReason: {},
      acceptedByKind: {},
      ms: 0,
    },
    pipeline: {},
    apiChecks: 0,
    check: { ok: false, problems: [] },
    problems,
  };
  try {
    const url = server.url;
    await until("MQTT to connect", async () => {
      const s = await json(`${url}/api/mqtt/status`) as { sources: { subscribed: boolean }[] };
      return s.sources[0]?.subscribed === true;
    }, 20_000);

    // HTTP: every answer is 2xx or 4xx; the pipeline's refusals are counted below.
    const rand = prng(opts.seed);
    const t0 = performance.now();
    let next = 0;
    let pipelineAnswers = 0;
    const worker = async () => {
      while (next < opts.httpCount) {
        next++;
        const body = httpBody(rand, base);
        const res = await fetch(`${url}/api/packets`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY },
          body,
        });
        const text = await res.text();
        report.http.byStatus[res.status] = (report.http.byStatus[res.status] ?? 0) + 1;
        if (res.status >= 500) {
          problems.push(`HTTP ${res.status} for ${body.slice(0, 120)}: ${text}`);
        }
        // Answers that went through the pipeline: stored, or refused/dropped there.
        if (
          res.status === 201 || res.status === 422 ||
          /is outside|characters, max|control character|observer id/.test(text)
        ) {
          pipelineAnswers++;
        }
        report.http.sent++;
        if (report.http.sent % 10_000 === 0) note(`http ${report.http.sent}`);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
    report.http.ms = Math.round(performance.now() - t0);

    // MQTT: QoS 1, in windows, so the broker never drops; every message must be counted.
    const mrand = prng(opts.seed ^ 0x5bd1e995);
    const client = await mqtt.connectAsync(broker.url, {
      clientId: `hw-hostile-${opts.seed}`,
      reconnectPeriod: 0,
    });
    const t1 = performance.now();
    try {
      const WINDOW = 500;
      for (let i = 0; i < opts.mqttCount; i += WINDOW) {
        const n = Math.min(WINDOW, opts.mqttCount - i);
        await Promise.all(Array.from({ length: n }, () => {
          const m = mqttMessage(mrand, base);
          return client.publishAsync(m.topic, m.payload, { qos: 1 });
        }));
        report.mqtt.published += n;
        if (report.mqtt.published % 10_000 === 0) note(`mqtt ${report.mqtt.published}`);
      }
    } finally {
      await client.endAsync();
    }
    await until("every MQTT message to be received and handled", async () => {
      const s = await json(`${url}/api/mqtt/status`) as {
        ingest: { received: number };
        buffer: { buffered: number };
      };
      return s.ingest.received >= report.mqtt.published && s.buffer.buffered === 0;
    }, 120_000 + opts.mqttCount * 5);
    await new Promise((r) => setTimeout(r, 300));
    report.mqtt.ms = Math.round(performance.now() - t1);

    const status = await json(`${url}/api/mqtt/status`) as {
      ingest: {
        received: number;
        accepted: number;
        dropped: number;
        byReason: Record<string, number>;
        acceptedByKind: Record<string, number>;
        handlerErrors: number;
      };
      pipeline: {
        stored: number;
        duplicate: number;
        status: number;
        dropped: Record<string, number>;
        lastInternalError: string | null;
      };
    };
    const ing = status.ingest;
    const pipe = status.pipeline;
    report.mqtt = {
      ...report.mqtt,
      received: ing.received,
      accepted: ing.accepted,
      dropped: ing.dropped,
      byReason: Object.fromEntries(Object.entries(ing.byReason).filter(([, v]) => v > 0)),
      acceptedByKind: ing.acceptedByKind,
    };
    report.pipeline = pipe;
    if (ing.received !== report.mqtt.published) {
      problems.push(`MQTT: published ${report.mqtt.published}, received ${ing.received}`);
    }
    if (ing.accepted + ing.dropped !== ing.received) {
      problems.push(`MQTT: accepted ${ing.accepted} + dropped ${ing.dropped} != ${ing.received}`);
    }
    if (ing.handlerErrors !== 0) problems.push(`MQTT: ${ing.handlerErrors} handler errors`);
    const droppedInPipeline = Object.values(pipe.dropped).reduce((a, b) => a + b, 0);
    const handled = pipe.stored + pipe.duplicate + pipe.status + droppedInPipeline;
    const handedOver = pipelineAnswers + ing.acceptedByKind.packet + ing.acceptedByKind.status;
    if (handled !== handedOver) {
      problems.push(`pipeline handled ${handled}, but ${handedOver} messages were handed to it`);
    }
    if (pipe.dropped["internal-error"] !== 0) {
      problems.push(`internal-error ${pipe.dropped["internal-error"]}: ${pipe.lastInternalError}`);
    }

    // API answers: no 5xx, no non-finite value, every listed observer readable.
    const paths = [
      "/api/stats",
      "/api/analytics/rf",
      "/api/analytics/topology",
      "/api/analytics/channels",
      "/api/analytics/hash-sizes",
      "/api/observers",
      "/api/nodes?limit=500",
      "/api/packets?limit=500",
      "/api/channels",
      "/metrics",
    ];
    for (const p of paths) {
      const res = await fetch(`${url}${p}`);
      const text = await res.text();
      report.apiChecks++;
      if (res.status >= 500) problems.push(`GET ${p}: ${res.status}`);
      const bad = p === "/metrics" ? /\s(\+?Inf|-Inf|NaN)\s*$/m.exec(text) : NON_FINITE.exec(text);
      if (bad && p !== "/metrics") {
        // Text fields may legitimately hold the words; only bare JSON values count.
        if (/[:\[,]\s*(Infinity|NaN|-Infinity)\s*[,\]}]/.test(text)) {
          problems.push(`GET ${p}: non-finite`);
        }
      } else if (bad) problems.push(`GET ${p}: non-finite metric ${bad[0]}`);
      if (p === "/api/analytics/rf" && res.ok) {
        const rf = JSON.parse(text) as { snr?: { min: unknown; max: unknown; avg: unknown } };
        for (const k of ["min", "max", "avg"] as const) {
          const v = rf.snr?.[k];
          if (v !== undefined && v !== null && !Number.isFinite(v)) {
            problems.push(`rf snr.${k} ${v}`);
          }
        }
        if (/"x":null/.test(text)) problems.push("rf: histogram bucket x null");
      }
    }
    const observers =
      (await json(`${url}/api/observers`) as { observers: { id: string; name?: string }[] })
        .observers;
    for (const o of observers.slice(0, 200)) {
      if ((o.name ?? "").length > 128) problems.push(`observer ${o.id}: name of ${o.name!.length}`);
      for (
        const p of [
          `/api/observers/${encodeURIComponent(o.id)}`,
          `/api/packets?observer=${encodeURIComponent(o.id)}&limit=1`,
        ]
      ) {
        const res = await fetch(`${url}${p}`);
        await res.body?.cancel();
        report.apiChecks++;
        if (res.status !== 200) problems.push(`GET ${p}: ${res.status} for an ingested observer`);
      }
    }
  } finally {
    const exit = await server.stop();
    if (!exit.success) problems.push(`hopwatch exited with ${exit.code}`);
    await broker.close();
  }
  try {
    const check = await checkDatabase(dbPath);
    report.check = { ok: check.ok, problems: check.problems };
    if (!check.ok) problems.push(`hopwatch check: ${check.problems.join("; ")}`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  return report;
}
