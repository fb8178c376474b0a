/**
 * Time cells that say which time they show: a clock for today, the date
 * before it otherwise, so a 200-day-old row never looks like this morning.
 *
 * @module
 */

import { dateTime, toMs } from "./format.ts";

/** `HH:MM:SS` when `t` is today (local), else `YYYY-MM-DD HH:MM`; "—" when unknown. */
export function stamp(t: unknown, now = Date.now()): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return "—";
  const full = dateTime(ms);
  return full.slice(0, 10) === dateTime(now).slice(0, 10) ? full.slice(11) : full.slice(0, 16);
}

/** Label of the Packets time column: grouped rows show first sightings, observation rows when heard. */
export function packetTimeLabel(view: string | undefined): string {
  return view === "obs" ? "Heard" : "First seen";
}

/** The time a Packets row shows: the transmission's first sighting, or the observation's time. */
export function packetTime(
  r: { first_seen?: unknown; timestamp?: unknown; latest?: unknown },
  view: string | undefined,
): unknown {
  return view === "obs" ? r.timestamp ?? r.first_seen : r.first_seen ?? r.timestamp;
}
