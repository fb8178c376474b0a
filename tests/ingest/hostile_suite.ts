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
import { httpBody, mqttMessage, prng } from "./hostile_gen.ts";

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

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  return await res.json();
}

async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
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

    // MQTT: QoS 1 in windows, paced on what hopwatch has received: a broker drops QoS 0 messages
    // for a subscriber more than ~1000 behind (mosquitto's max_queued_messages), which is the
    // broker's loss, not hopwatch's. Every message hopwatch receives must then be counted.
    const mrand = prng(opts.seed ^ 0x5bd1e995);
    const client = await mqtt.connectAsync(broker.url, {
      clientId: `hw-hostile-${opts.seed}`,
      reconnectPeriod: 0,
    });
    const t1 = performance.now();
    try {
      const WINDOW = 250;
      for (let i = 0; i < opts.mqttCount; i += WINDOW) {
        const n = Math.min(WINDOW, opts.mqttCount - i);
        await Promise.all(Array.from({ length: n }, () => {
          const m = mqttMessage(mrand, base);
          return client.publishAsync(m.topic, m.payload, { qos: 1 });
        }));
        report.mqtt.published += n;
        await until("hopwatch to keep up with the publisher", async () => {
          const s = await json(`${url}/api/mqtt/status`) as { ingest: { received: number } };
          return s.ingest.received >= report.mqtt.published - WINDOW;
        }, 60_000);
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
