/**
 * Health endpoints for `bench/api_bench.ts`: seeds the in-memory metrics
 * series with 30 days of 5-minute status points for EVERY observer of the
 * loaded database (8,640 points each; what the server holds once it ran 30
 * days with `retention.metricsDays` = 30), then lists the health endpoints to
 * time and their targets (each p99 <= 20 ms in-process). The first request
 * of each endpoint (the memo being built) is reported apart as `coldMs`.
 *
 * @module
 */

import type { Stack } from "../src/cli/stack.ts";
import { readRange, summarize } from "../src/store/metrics_query.ts";

/** Target p99 of every health endpoint, ms. */
export const HEALTH_P99_MS = 20;

const DAY_MS = 86_400_000;

/** Adds 30 days of metrics for every observer; returns the seeded observer ids. */
export function seedThirtyDays(stack: Stack, nowMs = Date.now()): string[] {
  const ids = stack.store.observerCounts().map((o) => o.observerId);
  const start = nowMs - 30 * DAY_MS;
  ids.forEach((id, k) => {
    let tx = 0, rx = 0, err = 0, sent = 0, recv = 0;
    for (let t = start, i = 0; t <= nowMs; t += 300_000, i++) {
      if (i % 4000 === 3999) {
        tx =
          rx =
          err =
          sent =
          recv =
            0; // the odd reboot
      }
      tx += 2 + (i % 3);
      rx += 20 + (i % 11);
      err += i % 2;
      sent += 3;
      recv += 25 + (i % 7);
      stack.health.metrics.add(id, t, {
        noiseFloor: -115 + (k % 10) + (i % 9) * 0.5,
        txAirSecs: tx,
        rxAirSecs: rx,
        recvErrors: err,
        batteryMv: 3600 + ((i + k * 37) % 600),
        packetsSent: sent,
        packetsRecv: recv,
      });
    }
  });
  return ids;
}

/** The health endpoints to time, after seeding (see the module doc). */
export async function healthBenchEndpoints(
  stack: Stack,
  app: { request: (u: string) => Response | Promise<Response> },
): Promise<{ endpoints: Record<string, string>; coldMs: Record<string, number> }> {
  const loadMs = stack.health.stats().loadMs; // before seeding: the real startup cost
  const ids = seedThirtyDays(stack);
  const obs = ids[0] ?? "NONE";
  const nodeObserver = ids.find((id) => stack.nodes.byKey(id.toLowerCase())) ?? obs;
  const fleet = stack.health.clock.fleet(Date.now());
  const skewNode = fleet.reduce((a, b) => (b.sampleCount > a.sampleCount ? b : a), fleet[0]);
  const endpoints: Record<string, string> = {
    "observers/{id}/metrics (24h)": `/api/observers/${obs}/metrics`,
    "observers/{id}/metrics?window=30d": `/api/observers/${obs}/metrics?window=30d`,
    "observers/{id}/metrics?window=7d&resolution=1h":
      `/api/observers/${obs}/metrics?window=7d&resolution=1h`,
    "observers/metrics/summary?window=24h": "/api/observers/metrics/summary?window=24h",
    "observers/metrics/summary?window=30d": "/api/observers/metrics/summary?window=30d",
    "nodes/{pk}/battery?days=30": `/api/nodes/${nodeObserver.toLowerCase()}/battery?days=30`,
    "nodes/clock-skew": "/api/nodes/clock-skew",
    "nodes/{pk}/clock-skew": `/api/nodes/${skewNode?.pubkey ?? "00".repeat(32)}/clock-skew`,
    "observers/clock-skew": "/api/observers/clock-skew",
    "nodes/bulk-health?limit=50": "/api/nodes/bulk-health?limit=50",
    "nodes/network-status": "/api/nodes/network-status",
  };
  const coldMs: Record<string, number> = {};
  for (const [name, url] of Object.entries(endpoints)) {
    const t0 = performance.now();
    await (await app.request(url)).arrayBuffer();
    coldMs[name] = Math.round((performance.now() - t0) * 1000) / 1000;
  }
  // What a request costs when its memo was just invalidated (medians of 15 direct calls).
  const med = (fn: () => unknown) => {
    const ts: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      fn();
      ts.push(performance.now() - t0);
    }
    return Math.round(ts.sort((a, b) => a - b)[7] * 1000) / 1000;
  };
  const nowSec = Math.floor(Date.now() / 1000);
  const series = stack.health.metrics.get(obs);
  if (series) {
    coldMs["compute: readRange 24h"] = med(() => readRange(series, nowSec - 86_400, nowSec, 300));
    coldMs["compute: readRange 30d"] = med(() =>
      readRange(series, nowSec - 30 * 86_400, nowSec, 300)
    );
  }
  coldMs["compute: summarize all, 30d"] = med(() => {
    for (const s of stack.health.metrics.all()) summarize(s, nowSec - 30 * 86_400);
  });
  coldMs["compute: clock-skew recompute (new sightings, offsets unchanged)"] = med(() =>
    stack.health.clock.recompute(Date.now())
  );
  coldMs["info: clock-skew full recompute (all nodes, every 30 s at most)"] = med(() =>
    stack.health.clock.recompute(Date.now(), true)
  );
  coldMs["info: startup seeding of the health aggregates (adverts of the store)"] = loadMs;
  return { endpoints, coldMs };
}

/** Targets of the health endpoints over the in-process results. */
export function healthTargets(
  inProcess: Record<string, unknown>,
  health: { endpoints: Record<string, string>; coldMs: Record<string, number> },
  stack: Stack,
): Record<string, { value: number; pass: boolean }> {
  const ip = inProcess as Record<string, { p99: number; status: number }>;
  const out: Record<
    string,
    { value: number; pass: boolean; coldMs: number; points: number; bytes: number }
  > = {};
  const s = stack.health.stats();
  for (const name of Object.keys(health.endpoints)) {
    const r = ip[name];
    if (!r) continue;
    out[`${name} p99 <= ${HEALTH_P99_MS} ms (30 d of metrics, every observer)`] = {
      value: r.p99,
      pass: r.p99 <= HEALTH_P99_MS && r.status === 200,
      coldMs: health.coldMs[name],
      points: s.metricsPoints,
      bytes: s.bytes.metrics + s.bytes.clockSkew + s.bytes.telemetry,
    };
  }
  const compute = Object.entries(health.coldMs).filter(([k]) => !(k in health.endpoints));
  const worst = Math.max(0, ...compute.filter(([k]) => k.startsWith("compute:")).map(([, v]) => v));
  out[`health compute with the memo invalidated <= ${HEALTH_P99_MS} ms (median of 15)`] = {
    value: worst,
    pass: worst <= HEALTH_P99_MS,
    ...Object.fromEntries(compute),
  } as (typeof out)[string];
  return out;
}
