/**
 * Says at startup what SQLite retention is about to delete, before its first
 * run does: opening a database whose rows are older than the retention window
 * (a capture, a restored backup, a CoreScope file) must not empty the analyzer
 * silently ten minutes later.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { rfc3339 } from "../db/time.ts";
import type { Logger } from "../log/logger.ts";

/** What the first retention run would remove, counted now. */
export interface RetentionPreview {
  /** Transmissions older than `packetDays` (0 when disabled). */
  packets: number;
  /** Every transmission in the database. */
  totalPackets: number;
  /** The newest transmission's `first_seen`, or null when there is none. */
  newestPacket: string | null;
  /** Nodes not heard for `nodeDays` (moved to `inactive_nodes`). */
  nodes: number;
  /** Observers not heard for `observerDays` (marked inactive). */
  observers: number;
}

/** Retention windows, days; 0 or less disables that part. */
export interface RetentionDays {
  packetDays: number;
  nodeDays: number;
  observerDays: number;
}

function cutoff(now: Date, days: number): string | null {
  return days > 0 ? rfc3339(new Date(now.getTime() - days * 86_400_000)) : null;
}

function count(db: DatabaseSync, sql: string, arg: string): number {
  return Number(db.prepare(sql).get(arg)?.n ?? 0);
}

/** Counts what retention with `days` would remove at `now` (indexed counts, no scan). */
export function previewRetention(
  db: DatabaseSync,
  days: RetentionDays,
  now = new Date(),
): RetentionPreview {
  const p = cutoff(now, days.packetDays);
  const n = cutoff(now, days.nodeDays);
  const o = cutoff(now, days.observerDays);
  const head = db.prepare(
    "SELECT COUNT(*) AS n, MAX(first_seen) AS newest FROM transmissions",
  ).get();
  return {
    packets: p ? count(db, "SELECT COUNT(*) AS n FROM transmissions WHERE first_seen < ?", p) : 0,
    totalPackets: Number(head?.n ?? 0),
    newestPacket: typeof head?.newest === "string" ? head.newest : null,
    nodes: n ? count(db, "SELECT COUNT(*) AS n FROM nodes WHERE last_seen < ?", n) : 0,
    observers: o
      ? count(
        db,
        "SELECT COUNT(*) AS n FROM observers WHERE last_seen < ? AND (inactive IS NULL OR inactive = 0)",
        o,
      )
      : 0,
  };
}

/**
 * Logs (warn) what the first retention run will delete, when it would delete anything, with
 * the setting that keeps the data. Returns the preview.
 */
export function warnRetentionAhead(
  db: DatabaseSync,
  days: RetentionDays,
  log: Logger,
  firstRunInMs: number,
  now = new Date(),
): RetentionPreview {
  const r = previewRetention(db, days, now);
  if (r.packets === 0 && r.nodes === 0 && r.observers === 0) return r;
  const all = r.packets > 0 && r.packets === r.totalPackets;
  log.warn(
    `retention will delete ${r.packets} of ${r.totalPackets} transmissions` +
      `${all ? " (all of them)" : ""} older than ${days.packetDays} days, move ${r.nodes} ` +
      `nodes and mark ${r.observers} observers inactive at its first run in ` +
      `${Math.round(firstRunInMs / 60_000)} minutes; set retention.packetDays ` +
      `(and nodeDays, observerDays) to 0 in the configuration to keep them`,
    {
      packets: r.packets,
      totalPackets: r.totalPackets,
      newestPacket: r.newestPacket ?? "",
      nodes: r.nodes,
      observers: r.observers,
    },
  );
  return r;
}
