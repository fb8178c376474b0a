/**
 * `/api/analytics/channels` in the reference's shape: per channel hash byte
 * (decimal string) its name (`ch<N>` while not decrypted), message and
 * sender counts, last activity and whether it stayed encrypted; the top 15
 * senders, a per-hour per-channel timeline and the message lengths.
 * Message text is decoded on demand through the decode LRU.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { scan, windowFilter, type WindowValues } from "./analytics_common.ts";
import { hourKey } from "./analytics_shapes.ts";
import { iso } from "./shapes.ts";

/** One channel row. */
export interface ChannelRow {
  hash: string;
  name: string;
  messages: number;
  senders: number;
  lastActivity: string | null;
  encrypted: boolean;
}

/** The `/api/analytics/channels` answer. */
export interface ChannelAnalytics {
  activeChannels: number;
  decryptable: number;
  channels: ChannelRow[];
  topSenders: { name: string; count: number }[];
  channelTimeline: { hour: string; channel: string; count: number }[];
  msgLengths: number[];
}

/** Computes the channel analytics of a window selection. */
export function computeChannels(ctx: ApiContext, p: WindowValues): ChannelAnalytics {
  const channels = new Map<
    string,
    { name: string; messages: number; senders: Set<string>; last: number; encrypted: boolean }
  >();
  const senders = new Map<string, number>();
  const timeline = new Map<string, number>();
  const msgLengths: number[] = [];
  scan(ctx, { ...windowFilter(ctx, p), payloadTypes: [5] }, false, (tx) => {
    const payload = ctx.decoded.get(tx.id, tx.rawHex).decoded.payload as
      | Record<string, unknown>
      | null;
    const byte = typeof payload?.channelHash === "number" ? payload.channelHash : null;
    const hash = byte === null ? "?" : String(byte);
    const decrypted = payload?.decryptionStatus === "decrypted";
    const name = decrypted && typeof payload?.channel === "string" ? payload.channel : `ch${hash}`;
    const sender = typeof payload?.sender === "string" ? payload.sender : "";
    const text = typeof payload?.text === "string" ? payload.text : "";
    let c = channels.get(hash);
    if (!c) {
      c = { name, messages: 0, senders: new Set(), last: tx.firstSeenMs, encrypted: !decrypted };
      channels.set(hash, c);
    } else if (/^ch(\d+|\?)$/.test(c.name) && decrypted) c.name = name;
    c.messages++;
    if (tx.firstSeenMs > c.last) c.last = tx.firstSeenMs;
    if (decrypted) c.encrypted = false;
    if (sender) {
      c.senders.add(sender);
      senders.set(sender, (senders.get(sender) ?? 0) + 1);
    }
    if (text) msgLengths.push(text.length);
    const k = `${hourKey(tx.firstSeenMs)}|${name}`;
    timeline.set(k, (timeline.get(k) ?? 0) + 1);
  });
  const rows: ChannelRow[] = [...channels.entries()].map(([hash, c]) => ({
    hash,
    name: c.name,
    messages: c.messages,
    senders: c.senders.size,
    lastActivity: iso(c.last),
    encrypted: c.encrypted,
  })).sort((a, b) => b.messages - a.messages || (a.hash < b.hash ? -1 : 1));
  return {
    activeChannels: rows.length,
    decryptable: rows.filter((r) => !r.encrypted).length,
    channels: rows,
    topSenders: [...senders.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 15).map(([name, count]) => ({ name, count })),
    channelTimeline: [...timeline.entries()].map(([k, count]) => {
      const i = k.indexOf("|");
      return { hour: k.slice(0, i), channel: k.slice(i + 1), count };
    }).sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0)),
    msgLengths,
  };
}
