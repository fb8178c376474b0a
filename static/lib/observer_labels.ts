/**
 * One reading of an observer's times and counters, shared by the Observers
 * list and an observer's detail so the two never contradict each other.
 *
 * @module
 */

import { ago, dateTime, int } from "./format.ts";

/** The observer fields these labels read. */
export interface ObserverTimes {
  last_packet_at?: string | null;
  last_seen?: string | null;
  packet_count?: number;
}

/** When the observer last sent a packet: its last packet, else its last status. */
export function lastPacketAt(o: ObserverTimes): string | null {
  return o.last_packet_at ?? o.last_seen ?? null;
}

/** "5m ago (2026-05-17 18:13:27)", as the list shows it plus the date. */
export function lastPacketText(o: ObserverTimes): string {
  const t = lastPacketAt(o);
  return t ? `${ago(t)} (${dateTime(t)})` : "never";
}

/** Label of the observer's own counter: every packet it ever reported, kept or not. */
export const REPORTED_LABEL = "Packets reported (all time)";

/** Heading of the recent-packets panel: what this database holds from the observer. */
export function storedHeading(shown: number, stored: number): string {
  return `Latest ${int(shown)} of ${int(stored)} packets stored from this observer`;
}

/** Tooltip saying why the two counts differ. */
export function countsHint(o: ObserverTimes, stored: number): string {
  return `The observer reported ${int(o.packet_count)} packets since it was first seen; ` +
    `${int(stored)} are in this database (retention and restarts drop the rest).`;
}
