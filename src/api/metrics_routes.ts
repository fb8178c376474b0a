/**
 * `/metrics` (Prometheus text format) and `/api/spec` (OpenAPI 3). The
 * metrics cover ingest counts and rates, drops by reason, store and index
 * sizes, the resolved-path LRU and the decode cache, WebSocket clients and
 * drops, HTTP requests and event-loop lag.
 *
 * @module
 */

import type { ApiContext, MaintenanceStatus } from "./deps.ts";
import type { Family } from "./metrics.ts";
import type { OpenApiDocument } from "./openapi.ts";
import { type AnyRoute, route } from "./route_def.ts";

function g(name: string, help: string, samples: Family["samples"]): Family {
  return { name, help, type: "gauge", samples };
}

function cnt(name: string, help: string, samples: Family["samples"]): Family {
  return { name, help, type: "counter", samples };
}

/** Registers the scrape-time collectors of the API context (called once by `createApp`). */
export function registerApiMetrics(ctx: ApiContext): void {
  let lastStored = -1;
  let lastAt = 0;
  ctx.metrics.collect(() => {
    const s = ctx.store.stats();
    const rc = s.resolvedCache;
    const dc = ctx.decoded.stats();
    const ws = ctx.hub.stats();
    const out: Family[] = [
      g("hopwatch_store_transmissions", "Transmissions in memory", [{ value: s.transmissions }]),
      g("hopwatch_store_observations", "Observations in memory", [{ value: s.observations }]),
      g("hopwatch_store_observers", "Observers known to the store", [{ value: s.observers }]),
      g("hopwatch_store_tracked_bytes", "Self-accounted store bytes", [{ value: s.trackedBytes }]),
      g(
        "hopwatch_store_component_bytes",
        "Store bytes by component",
        Object.entries(s.bytesByComponent).map(([component, value]) => ({
          labels: { component },
          value,
        })),
      ),
      g(
        "hopwatch_index_entries",
        "Index entries by index family",
        Object.entries(s.indexEntries).map(([index, value]) => ({ labels: { index }, value })),
      ),
      g(
        "hopwatch_load_progress_percent",
        "Startup load progress (100 when ready)",
        [{ value: ctx.store.progress.pct }],
      ),
      g("hopwatch_resolved_cache_entries", "Resolved-path cache entries", [
        { labels: { part: "live" }, value: rc.liveSize },
        { labels: { part: "lru" }, value: rc.lruSize },
      ]),
      cnt("hopwatch_resolved_cache_hits_total", "Resolved-path cache hits", [
        { labels: { part: "live" }, value: rc.liveHits },
        { labels: { part: "lru" }, value: rc.lruHits },
      ]),
      cnt("hopwatch_resolved_cache_misses_total", "Resolved-path cache misses (fetched from SQL)", [
        {
          value: rc.misses,
        },
      ]),
      cnt("hopwatch_resolved_cache_fetches_total", "Batched SQL fetches of resolved paths", [{
        value: rc.fetches,
      }]),
      g("hopwatch_decode_cache_entries", "Decoded-packet LRU entries", [{ value: dc.size }]),
      cnt("hopwatch_decode_cache_hits_total", "Decoded-packet LRU hits", [{ value: dc.hits }]),
      cnt("hopwatch_decode_cache_misses_total", "Decoded-packet LRU misses", [{
        value: dc.misses,
      }]),
      g("hopwatch_websocket_clients", "Connected WebSocket clients", [{ value: ws.clients }]),
      g("hopwatch_websocket_queued_bytes", "Bytes waiting in WebSocket client queues", [{
        value: ws.queuedBytes,
      }]),
      cnt("hopwatch_websocket_frames_total", "WebSocket frames by outcome", [
        { labels: { outcome: "broadcast" }, value: ws.framesBroadcast },
        { labels: { outcome: "sent" }, value: ws.framesSent },
        { labels: { outcome: "queued" }, value: ws.framesQueued },
        { labels: { outcome: "dropped" }, value: ws.framesDropped },
      ]),
      cnt("hopwatch_websocket_lag_notices_total", "Lag notices sent to slow clients", [{
        value: ws.lagNotices,
      }]),
      cnt("hopwatch_websocket_slow_disconnects_total", "Clients closed for staying behind", [{
        value: ws.slowDisconnects,
      }]),
      g("process_resident_memory_bytes", "Resident set size", [{ value: Deno.memoryUsage().rss }]),
      g("hopwatch_uptime_seconds", "Seconds since start", [{
        value: Math.floor((Date.now() - ctx.startTime) / 1000),
      }]),
    ];
    if (ctx.eventLoop) {
      out.push(g("hopwatch_event_loop_lag_ms", "Event-loop lag: latest and max since last scrape", [
        { labels: { stat: "last" }, value: ctx.eventLoop.lastMs },
        { labels: { stat: "max" }, value: ctx.eventLoop.takeMax() },
      ]));
    }
    const ing = ctx.ingestStats?.();
    if (ing) {
      out.push(
        cnt("hopwatch_ingest_messages_total", "MQTT messages by outcome", [
          { labels: { outcome: "received" }, value: ing.received },
          { labels: { outcome: "accepted" }, value: ing.accepted },
          { labels: { outcome: "dropped" }, value: ing.dropped },
        ]),
        cnt(
          "hopwatch_ingest_dropped_total",
          "MQTT messages dropped, by reason",
          Object.entries(ing.byReason).map(([reason, value]) => ({ labels: { reason }, value })),
        ),
        cnt(
          "hopwatch_ingest_accepted_total",
          "Accepted MQTT messages by kind",
          Object.entries(ing.acceptedByKind).map(([kind, value]) => ({ labels: { kind }, value })),
        ),
        cnt("hopwatch_ingest_handler_errors_total", "Pipeline failures", [{
          value: ing.handlerErrors,
        }]),
        g("hopwatch_ingest_rate_per_second", "Message rates averaged over 1 and 5 minutes", [
          { labels: { outcome: "received", window: "1m" }, value: ing.rates.received1m },
          { labels: { outcome: "received", window: "5m" }, value: ing.rates.received5m },
          { labels: { outcome: "accepted", window: "1m" }, value: ing.rates.accepted1m },
          { labels: { outcome: "accepted", window: "5m" }, value: ing.rates.accepted5m },
        ]),
      );
    }
    const pipe = ctx.pipelineStats?.();
    if (pipe) {
      const now = Date.now();
      const rate = lastStored >= 0 && now > lastAt
        ? ((pipe.stored - lastStored) * 1000) / (now - lastAt)
        : 0;
      lastStored = pipe.stored;
      lastAt = now;
      out.push(
        cnt(
          "hopwatch_pipeline_observations_total",
          "Observations through the pipeline by outcome",
          [
            { labels: { outcome: "stored" }, value: pipe.stored },
            { labels: { outcome: "duplicate" }, value: pipe.duplicate },
          ],
        ),
        cnt("hopwatch_pipeline_transmissions_created_total", "New transmissions", [{
          value: pipe.newTransmissions,
        }]),
        cnt(
          "hopwatch_pipeline_dropped_total",
          "Packets dropped by the pipeline, by reason",
          Object.entries(pipe.dropped).map(([reason, value]) => ({ labels: { reason }, value })),
        ),
        g(
          "hopwatch_pipeline_stored_per_second",
          "Stored observations per second since the previous scrape",
          [{
            value: Math.round(rate * 100) / 100,
          }],
        ),
      );
    }
    const m = ctx.maintenance?.();
    if (m) out.push(...maintenanceFamilies(m));
    const mq = ctx.mqttStatus?.();
    if (mq?.buffer) {
      out.push(g("hopwatch_ingest_buffered_messages", "Messages waiting in the ingest buffer", [{
        value: mq.buffer.buffered,
      }]));
    }
    return out;
  });
}

/** Backfill progress, retention and WAL checkpoint families. */
function maintenanceFamilies(m: MaintenanceStatus): Family[] {
  const b = m.backfill;
  const w = m.walCheckpoints;
  return [
    g("hopwatch_backfill_running", "1 while the hop-resolution backfill runs", [{
      value: b?.state === "running" ? 1 : 0,
    }]),
    g("hopwatch_backfill_rows", "Rows of the current or last backfill, by kind", [
      { labels: { kind: "done" }, value: b?.done ?? 0 },
      { labels: { kind: "total" }, value: b?.total ?? 0 },
      { labels: { kind: "changed" }, value: b?.changed ?? 0 },
    ]),
    cnt("hopwatch_retention_runs_total", "SQLite retention runs", [{ value: m.retention.runs }]),
    g("hopwatch_retention_last_deleted_transmissions", "Transmissions the last retention deleted", [
      { value: m.retention.last?.packets ?? 0 },
    ]),
    g("hopwatch_wal_checkpoint_worker", "1 while WAL checkpoints run in their worker", [{
      value: w.active ? 1 : 0,
    }]),
    cnt("hopwatch_wal_checkpoints_total", "Checkpoint turns that copied WAL frames", [{
      value: w.runs,
    }]),
    g("hopwatch_wal_frames", "WAL length in frames at the last checkpoint", [{
      value: w.walFrames,
    }]),
    cnt("hopwatch_wal_checkpoint_errors_total", "Failed checkpoints", [{ value: w.errors }]),
  ];
}

/** Route group: metrics and the OpenAPI document. */
export function metricsRoutes(ctx: ApiContext, spec: () => OpenApiDocument): AnyRoute[] {
  let cachedSpec: OpenApiDocument | null = null;
  return [
    route({
      method: "GET",
      path: "/metrics",
      tag: "health",
      summary: "Prometheus metrics",
      params: {},
      produces: "text/plain",
      returns: "Prometheus text exposition format 0.0.4",
      handler: (c) =>
        c.body(ctx.metrics.render(), 200, {
          "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
          "Cache-Control": "no-store",
        }),
    }),
    route({
      method: "GET",
      path: "/api/spec",
      tag: "health",
      summary: "This API as an OpenAPI 3 document (generated from the route definitions)",
      params: {},
      returns: "OpenAPI 3.0 document",
      handler: (c) => c.json(cachedSpec ??= spec()),
    }),
  ];
}
