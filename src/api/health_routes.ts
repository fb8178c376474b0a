/**
 * Health and statistics: `/api/stats` (cached 10 s), `/api/health`,
 * `/api/healthz` (503 until the store is loaded) and `/api/mqtt/status`.
 *
 * @module
 */

import { VERSION } from "../cli/version.ts";
import type { ApiContext } from "./deps.ts";
import { activeSince, visible } from "./node_lookup.ts";
import { healthParity } from "./health_parity.ts";
import { type AnyRoute, route } from "./route_def.ts";

const MB = 1024 * 1024;

function mb(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}

/** Process memory in MB (RSS, V8 heap). */
export function memoryMB(): { rss: number; heapUsed: number; heapTotal: number; external: number } {
  const m = Deno.memoryUsage();
  return {
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    heapTotal: mb(m.heapTotal),
    external: mb(m.external),
  };
}

/** Route group: health and statistics. */
export function healthRoutes(ctx: ApiContext): AnyRoute[] {
  const stats = () =>
    ctx.cache.get("stats", 10_000, () => {
      const now = ctx.now();
      const s = ctx.store;
      const since = activeSince(ctx, now);
      let total = 0;
      let active = 0;
      const counts = { repeaters: 0, rooms: 0, companions: 0, sensors: 0 };
      for (const n of ctx.nodes.values()) {
        if (!visible(ctx, n)) continue;
        total++;
        if (n.lastSeenMs >= since) active++;
        if (n.role === "repeater") counts.repeaters++;
        else if (n.role === "room" || n.role === "room_server") counts.rooms++;
        else if (n.role === "companion") counts.companions++;
        else if (n.role === "sensor") counts.sensors++;
      }
      const mem = memoryMB();
      const tracked = s.trackedBytes();
      return {
        totalPackets: s.txCount,
        totalTransmissions: s.txCount,
        totalObservations: s.obsCount,
        totalNodes: active,
        totalNodesAllTime: total,
        totalObservers: ctx.observers.list().length,
        packetsLastHour: s.countSince(now - 3_600_000),
        packetsLast24h: s.countSince(now - 86_400_000),
        engine: "hopwatch",
        version: ctx.build?.version ?? VERSION,
        commit: ctx.build?.commit ?? null,
        buildTime: ctx.build?.buildTime ?? null,
        counts,
        hashMigrationComplete: true,
        trackedMB: mb(tracked),
        storeDataMB: mb(tracked),
        processRSSMB: mem.rss,
        goHeapInuseMB: null,
        goSysMB: null,
        heapUsedMB: mem.heapUsed,
        heapTotalMB: mem.heapTotal,
        loadStatus: s.progress.state,
      };
    });
  return [
    route({
      method: "GET",
      path: "/api/stats",
      tag: "health",
      summary: "Store, node and process statistics (cached 10 s)",
      params: {},
      returns: "{totalPackets, totalTransmissions, totalObservations, totalNodes, ...}",
      handler: (c) => c.json(stats()),
    }),
    route({
      method: "GET",
      path: "/api/health",
      tag: "health",
      summary: "Status, uptime, memory, caches, WebSocket clients, store sizes",
      params: {},
      returns: "{status, uptime, memory, cache, websocket, packetStore, perf, maintenance}",
      handler(c) {
        const s = ctx.store;
        const ws = ctx.hub.stats();
        return c.json({
          status: s.progress.state === "ready" ? "ok" : "loading",
          uptime: Math.floor((Date.now() - ctx.startTime) / 1000),
          ...healthParity(ctx),
          memory: memoryMB(),
          cache: {
            decoded: ctx.decoded.stats(),
            responses: ctx.cache.stats(),
            resolvedPaths: s.resolvedCache.stats(),
          },
          websocket: {
            clients: ws.clients,
            framesDropped: ws.framesDropped,
            lagNotices: ws.lagNotices,
          },
          packetStore: {
            transmissions: s.txCount,
            observations: s.obsCount,
            trackedMB: mb(s.trackedBytes()),
            progress: s.progress,
          },
          perf: {
            eventLoopLagMs: ctx.eventLoop ? Math.round(ctx.eventLoop.lastMs * 10) / 10 : null,
          },
          maintenance: ctx.maintenance?.() ?? null,
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/healthz",
      tag: "health",
      summary: "Readiness: 503 {ready:false, progress} while loading, then {ready:true, ...}",
      params: {},
      returns: "{ready, loadedTx, loadedObs, totalTx, totalObs, pct}",
      handler(c) {
        const p = ctx.store.progress;
        const body = {
          ready: p.state === "ready",
          loadedTx: p.state === "ready" ? ctx.store.txCount : p.loadedTx,
          loadedObs: p.state === "ready" ? ctx.store.obsCount : p.loadedObs,
          totalTx: p.totalTx,
          totalObs: p.totalObs,
          progress: Math.floor(p.pct),
          uptime: Math.floor((Date.now() - ctx.startTime) / 1000),
        };
        if (!body.ready) c.header("Retry-After", "5");
        return c.json(body, body.ready ? 200 : 503);
      },
    }),
    route({
      method: "GET",
      path: "/api/mqtt/status",
      tag: "health",
      summary: "MQTT sources, buffer and ingest counters",
      params: {},
      returns: "{sources[], buffer, ingest, pipeline}",
      handler(c) {
        const m = ctx.mqttStatus?.();
        return c.json({
          sources: m?.sources ?? [],
          buffer: m?.buffer ?? null,
          ingest: ctx.ingestStats?.() ?? null,
          pipeline: ctx.pipelineStats?.() ?? null,
        });
      },
    }),
  ];
}
