/**
 * The node object of the API (api.md §2.2), from the node directory plus the
 * store's exact indexes: hash size of the node's own adverts, packet counts,
 * and for relays the relay liveness from the exact resolved-hop membership
 * index (never from 1-byte prefix buckets).
 *
 * @module
 */

import { roleCanRelay } from "../store/node_directory.ts";
import type { NodeInfo } from "../store/node_directory.ts";
import type { RelayInfo } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import { iso } from "./shapes.ts";

/** Hours of the relay window reported as `relay_window_hours`. */
export const RELAY_WINDOW_HOURS = 24;

/** Bytes per hop of a raw packet's path byte (1-3), or null when unreadable. */
export function hashSizeOfRaw(rawHex: string): number | null {
  if (rawHex.length < 4) return null;
  const route = parseInt(rawHex.slice(0, 2), 16) & 3;
  const off = route === 0 || route === 3 ? 5 : 1;
  if (rawHex.length < (off + 1) * 2) return null;
  const b = parseInt(rawHex.slice(off * 2, off * 2 + 2), 16);
  return Number.isNaN(b) ? null : (b >> 6) + 1;
}

/** Usefulness score (0-100) and grade of a relay from its exact relay counts. */
export function usefulness(count24h: number, lastRelayedMs: number, nowMs: number): {
  score: number;
  grade: string;
} {
  // Volume: log-scaled, 100 relayed packets a day is full marks; recency: linear over 24 h.
  const volume = Math.min(1, Math.log10(1 + count24h) / 2);
  const age = lastRelayedMs > 0 ? (nowMs - lastRelayedMs) / 3_600_000 : Infinity;
  const recency = age <= 1 ? 1 : age >= 24 ? 0 : 1 - (age - 1) / 23;
  const score = Math.round(100 * (0.7 * volume + 0.3 * recency));
  const grade = score >= 80 ? "A" : score >= 60 ? "B" : score >= 40 ? "C" : score >= 20 ? "D" : "F";
  return { score, grade };
}

/** The last time a node was heard at all: its own packets or as a resolved relay. */
export function lastHeardMs(ctx: ApiContext, n: NodeInfo): number {
  return Math.max(n.lastSeenMs, ctx.store.relayLastSeen(n.id));
}

/** Transmissions sent plus transmissions relayed (exact indexes). */
export function packetCount(ctx: ApiContext, n: NodeInfo): number {
  const idx = ctx.store.idx;
  return (idx.bySender[n.id]?.size ?? 0) + (idx.relay[n.id]?.size ?? 0);
}

/** A formatted time and the value it was formatted from. */
interface TimeText {
  ms: number;
  text: string | null;
}

/** Per-node values that only change with the node's own packets or times. */
interface NodeMemo {
  sent: number;
  sizes: number[];
  /** `first_seen` as stored (RFC3339) and as the API prints it. */
  firstSeenRaw: string;
  firstSeenText: string;
  lastSeen: TimeText;
  lastHeard: TimeText;
  lastRelayed: TimeText;
  /** The node's JSON text and what it was built from (see {@linkcode nodeJsonBytes}). */
  text: NodeText | null;
}

/** A node's serialised object and the inputs that change it besides the node's own attributes. */
interface NodeText {
  json: string;
  /** `json` as UTF-8, encoded on first use (see {@linkcode nodeJsonBytes}). */
  bytes: Uint8Array | null;
  sent: number;
  heard: number;
  count: number;
  relay: RelayInfo | null;
  score: number;
  active: boolean;
}

const memos = new WeakMap<ApiContext, Map<number, NodeMemo>>();

function memoOf(ctx: ApiContext, n: NodeInfo): NodeMemo {
  let byNode = memos.get(ctx);
  if (!byNode) {
    const created = new Map<number, NodeMemo>();
    memos.set(ctx, byNode = created);
    // Any change of a node's attributes (advert, role, position, removal) drops its text.
    ctx.nodes.onChange((e) => {
      const m = created.get(e.node.id);
      if (m) m.text = null;
    });
  }
  let m = byNode.get(n.id);
  if (!m) {
    byNode.set(
      n.id,
      m = {
        sent: -1,
        sizes: [],
        firstSeenRaw: "",
        firstSeenText: "",
        lastSeen: { ms: NaN, text: null },
        lastHeard: { ms: NaN, text: null },
        lastRelayed: { ms: NaN, text: null },
        text: null,
      },
    );
  }
  return m;
}

/** `iso(ms)` remembered in `slot`: a node list formats thousands of mostly unchanged times. */
function isoOf(slot: TimeText, ms: number): string | null {
  if (slot.ms !== ms) {
    slot.ms = ms;
    slot.text = iso(ms);
  }
  return slot.text;
}

function firstSeenText(memo: NodeMemo, n: NodeInfo): string {
  if (memo.firstSeenRaw !== n.firstSeen) {
    memo.firstSeenRaw = n.firstSeen;
    memo.firstSeenText = iso(Date.parse(n.firstSeen)) ?? n.firstSeen;
  }
  return memo.firstSeenText;
}

/**
 * Hash sizes of the node's most recent adverts, newest first (distinct).
 * Memoised per node until the node sends another packet.
 */
export function advertHashSizes(ctx: ApiContext, n: NodeInfo, max = 20): number[] {
  const memo = memoOf(ctx, n);
  const sent = ctx.store.idx.bySender[n.id]?.size ?? 0;
  if (memo.sent !== sent) {
    memo.sizes = computeHashSizes(ctx, n, max);
    memo.sent = sent;
  }
  return memo.sizes;
}

function computeHashSizes(ctx: ApiContext, n: NodeInfo, max: number): number[] {
  const page = ctx.store.listTransmissions(
    { nodeId: n.id, nodeRoles: ["sender"], payloadTypes: [4] },
    { limit: max },
  );
  const sizes: number[] = [];
  for (const t of page.items) {
    const s = hashSizeOfRaw(t.rawHex);
    if (s !== null && !sizes.includes(s)) sizes.push(s);
  }
  return sizes;
}

/** Builds the node object (relays get their relay liveness fields), as of `now`. */
export function nodeJson(
  ctx: ApiContext,
  n: NodeInfo,
  now: number = ctx.now(),
): Record<string, unknown> {
  const sizes = advertHashSizes(ctx, n);
  const memo = memoOf(ctx, n);
  const out: Record<string, unknown> = {
    public_key: n.publicKey,
    name: n.name,
    role: n.role,
    lat: n.lat,
    lon: n.lon,
    last_seen: isoOf(memo.lastSeen, n.lastSeenMs) ?? n.lastSeen,
    first_seen: firstSeenText(memo, n),
    advert_count: n.advertCount,
    battery_mv: n.batteryMv,
    temperature_c: n.temperatureC,
    foreign: n.foreign,
    hash_size: sizes[0] ?? null,
    hash_sizes_seen: sizes,
    last_heard: isoOf(memo.lastHeard, lastHeardMs(ctx, n)),
    packet_count: packetCount(ctx, n),
  };
  if (sizes.length > 1) out.hash_size_inconsistent = true;
  if (isRelay(n)) Object.assign(out, relayFields(ctx, n, memo, now));
  return out;
}

function isRelay(n: NodeInfo): boolean {
  return roleCanRelay(n.role) || n.canRelay;
}

/**
 * `JSON.stringify(nodeJson(ctx, n))` as UTF-8 bytes, remembered per node: the node list
 * serialises thousands of nodes per request and most have not changed. The text is reused only
 * while the node's attributes (directory events), its sent count, last-heard time, packet count,
 * relay figures (the store's memoised object), usefulness score and relay activity are all
 * unchanged, so it is always what a fresh serialisation would give. It is encoded once per text:
 * the same array is returned while the text is unchanged, so a caller can tell an unchanged node
 * by identity. Do not mutate.
 */
export function nodeJsonBytes(ctx: ApiContext, n: NodeInfo, now: number = ctx.now()): Uint8Array {
  const t = nodeText(ctx, n, now);
  return t.bytes ??= UTF8.encode(t.json);
}

const UTF8 = new TextEncoder();

function nodeText(ctx: ApiContext, n: NodeInfo, now: number): NodeText {
  const memo = memoOf(ctx, n);
  const sent = ctx.store.idx.bySender[n.id]?.size ?? 0;
  const heard = lastHeardMs(ctx, n);
  const count = packetCount(ctx, n);
  let relay: RelayInfo | null = null;
  let score = -1;
  let active = false;
  if (isRelay(n)) {
    relay = ctx.store.relayInfo(n.id, now);
    score = usefulness(relay.count24h, relay.lastRelayedMs, now).score;
    active = relayActive(relay, now);
  }
  const t = memo.text;
  if (
    t && t.sent === sent && t.heard === heard && t.count === count && t.relay === relay &&
    t.score === score && t.active === active
  ) {
    return t;
  }
  const json = JSON.stringify(nodeJson(ctx, n, now));
  return memo.text = { json, bytes: null, sent, heard, count, relay, score, active };
}

function relayActive(r: RelayInfo, now: number): boolean {
  return r.lastRelayedMs > 0 && now - r.lastRelayedMs <= RELAY_WINDOW_HOURS * 3_600_000;
}

/** Relay liveness fields from the exact membership index. */
export function relayFields(
  ctx: ApiContext,
  n: NodeInfo,
  memo: NodeMemo = memoOf(ctx, n),
  now: number = ctx.now(),
): Record<string, unknown> {
  const r = ctx.store.relayInfo(n.id, now);
  const u = usefulness(r.count24h, r.lastRelayedMs, now);
  return {
    relay_count_1h: r.count1h,
    relay_count_24h: r.count24h,
    unscoped_relay_count_24h: r.unscopedCount24h,
    transported_scopes: r.scopes,
    last_relayed: isoOf(memo.lastRelayed, r.lastRelayedMs),
    relay_active: relayActive(r, now),
    usefulness_score: u.score,
    usefulness_grade: u.grade,
  };
}
