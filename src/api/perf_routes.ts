/**
 * Diagnostics the reference's Perf page reads: `/api/perf` (request timings,
 * response cache, packet store, SQLite sizes), `/api/perf/io` (process I/O
 * rates from `/proc/self/io` between two calls), `/api/perf/sqlite` (page
 * counts, WAL size), `/api/perf/write-sources` (what the ingest wrote) and
 * `POST /api/perf/reset` (API key). hopwatch runs on Deno: `goRuntime` is null.
 * The store and SQLite figures are memoised 5 s.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { boolParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { perfStatsOf, round1 } from "./perf_stats.ts";

const MB = 1048576;

interface ProcIo {
  at: number;
  read: number;
  write: number;
  cancelled: number;
  syscr: number;
  syscw: number;
}

function readProcIo(): ProcIo | null {
  try {
    const text = Deno.readTextFileSync("/proc/self/io");
    const v = (k: string) => Number(new RegExp(`^${k}:\\s*(\\d+)`, "m").exec(text)?.[1] ?? 0);
    return {
      at: performance.now(),
      read: v("read_bytes"),
      write: v("write_bytes"),
      cancelled: v("cancelled_write_bytes"),
      syscr: v("syscr"),
      syscw: v("syscw"),
    };
  } catch {
    return null;
  }
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

function pragma(ctx: ApiContext, name: string): number {
  const row = ctx.db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  const v = row ? Object.values(row)[0] : 0;
  return typeof v === "number" ? v : Number(v ?? 0);
}

/** Route group: perf diagnostics. */
export function perfRoutes(ctx: ApiContext): AnyRoute[] {
  const stats = perfStatsOf(ctx);
  let lastIo: ProcIo | null = null;
  const sqlite = () =>
    ctx.cache.get("perf-sqlite", 5_000, () => {
      const pageSize = pragma(ctx, "page_size");
      const pages = pragma(ctx, "page_count");
      const wal = fileSize(`${ctx.config.dbPath}-wal`);
      const s = ctx.store;
      return {
        pageSize,
        pageCount: pages,
        cacheSize: pragma(ctx, "cache_size"),
        freelistPages: pragma(ctx, "freelist_count"),
        wal,
        rows: {
          transmissions: s.txCount,
          observations: s.obsCount,
          nodes: ctx.nodes.size,
          observers: ctx.observers.list().length,
        },
      };
    });
  return [
    route({
      method: "GET",
      path: "/api/perf",
      tag: "health",
      summary: "Request timings per endpoint, slow requests, response cache, store and SQLite",
      params: { mem: boolParam({ description: "add the store's memory breakdown" }) },
      returns: "{uptime, totalRequests, avgMs, endpoints{}, slowQueries[], cache, packetStore, " +
        "sqlite, goRuntime: null}",
      handler(c, p) {
        const cache = ctx.cache.stats();
        const lookups = cache.hits + cache.misses;
        const s = ctx.store;
        const tracked = s.trackedBytes();
        // The full breakdown walks every chunk: only on request (?mem=true), memoised 30 s.
        const breakdown = p.mem
          ? ctx.cache.get("perf-store", 30_000, () => s.stats().bytesByComponent)
          : null;
        const q = sqlite();
        const maxMB = ctx.store.maxMemoryMB;
        return c.json({
          uptime: Math.floor((Date.now() - stats.startedAt) / 1000),
          totalRequests: stats.requests,
          avgMs: stats.requests ? round1(stats.totalMs / stats.requests) : 0,
          endpoints: stats.summary(),
          slowQueries: stats.slow,
          cache: {
            size: cache.size,
            hits: cache.hits,
            misses: cache.misses,
            staleHits: 0,
            recomputes: cache.misses,
            hitRate: lookups ? round1((cache.hits / lookups) * 100) : 0,
          },
          packetStore: {
            totalLoaded: s.txCount,
            totalObservations: s.obsCount,
            evicted: 0,
            inserts: 0,
            queries: 0,
            inMemory: s.txCount,
            sqliteOnly: false,
            maxPackets: 0,
            estimatedMB: round1(tracked / MB),
            trackedMB: round1(tracked / MB),
            maxMB,
            indexes: {
              byHash: s.txCount,
              byObserver: q.rows.observers,
              byNode: ctx.nodes.size,
              advertByObserver: 0,
            },
            ...(breakdown ? { bytesByComponent: breakdown } : {}),
          },
          sqlite: {
            dbSizeMB: round1((q.pageCount * q.pageSize) / MB),
            walSizeMB: round1(q.wal / MB),
            freelistMB: round1((q.freelistPages * q.pageSize) / MB),
            walPages: null,
            rows: q.rows,
          },
          goRuntime: null,
        });
      },
    }),
    route({
      method: "POST",
      path: "/api/perf/reset",
      tag: "health",
      summary: "Forgets the request timings",
      params: {},
      auth: true,
      returns: "{ok: true}",
      handler(c) {
        stats.reset();
        return c.json({ ok: true });
      },
    }),
    route({
      method: "GET",
      path: "/api/perf/io",
      tag: "health",
      summary:
        "Process I/O rates since the previous call (zeros on the first call or without /proc)",
      params: {},
      returns: "{readBytesPerSec, writeBytesPerSec, cancelledWriteBytesPerSec, syscallsRead, " +
        "syscallsWrite}",
      handler(c) {
        const cur = readProcIo();
        const prev = lastIo;
        lastIo = cur;
        const out = {
          readBytesPerSec: 0,
          writeBytesPerSec: 0,
          cancelledWriteBytesPerSec: 0,
          syscallsRead: 0,
          syscallsWrite: 0,
        };
        if (cur && prev) {
          const dt = Math.max(0.001, (cur.at - prev.at) / 1000);
          out.readBytesPerSec = (cur.read - prev.read) / dt;
          out.writeBytesPerSec = (cur.write - prev.write) / dt;
          out.cancelledWriteBytesPerSec = (cur.cancelled - prev.cancelled) / dt;
          out.syscallsRead = (cur.syscr - prev.syscr) / dt;
          out.syscallsWrite = (cur.syscw - prev.syscw) / dt;
        }
        return c.json(out);
      },
    }),
    route({
      method: "GET",
      path: "/api/perf/sqlite",
      tag: "health",
      summary: "SQLite page count and size, page cache size, WAL size, response-cache hit rate",
      params: {},
      returns: "{walSizeMB, walSize, pageCount, pageSize, cacheSize, cacheHitRate}",
      handler(c) {
        const q = sqlite();
        const cache = ctx.cache.stats();
        const lookups = cache.hits + cache.misses;
        return c.json({
          walSizeMB: q.wal / MB,
          walSize: q.wal,
          pageCount: q.pageCount,
          pageSize: q.pageSize,
          cacheSize: q.cacheSize,
          cacheHitRate: lookups ? cache.hits / lookups : 0,
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/perf/write-sources",
      tag: "health",
      summary: "What the ingest wrote, by kind (counters since start)",
      params: {},
      returns: "{sources{tx_inserted, tx_dupes, obs_inserted, ...}, sampleAt, writer_perf{}}",
      handler(c) {
        const pipe = ctx.pipelineStats?.();
        const ingest = ctx.ingestStats?.();
        const checkpoints = ctx.maintenance?.().walCheckpoints;
        const sources: Record<string, number> = {
          tx_inserted: pipe?.newTransmissions ?? 0,
          tx_dupes: pipe?.duplicate ?? 0,
          obs_inserted: pipe?.stored ?? 0,
          write_errors: ingest?.handlerErrors ?? 0,
          sig_drops: Object.entries(pipe?.dropped ?? {}).filter(([k]) => k.includes("sig"))
            .reduce((a, [, n]) => a + n, 0),
          walCommits: checkpoints?.runs ?? 0,
        };
        return c.json({
          sources,
          sampleAt: new Date(ctx.now()).toISOString(),
          writer_perf: {},
        });
      },
    }),
  ];
}
