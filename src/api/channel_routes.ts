/**
 * Channels over the full SQL history: `GET /api/channels` and
 * `GET /api/channels/{hash}/messages`. Message text is decoded on demand with
 * the configured channel keys (through the decode LRU), so keys added later
 * apply to old messages too. All SQL is parameterised.
 *
 * @module
 */

import type { SQLInputValue } from "node:sqlite";
import type { ApiContext } from "./deps.ts";
import { boolParam, stringParam } from "./params.ts";
import { limitParam, offsetParam, regionParam, regions } from "./filters.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";

type Row = Record<string, unknown>;

function timeMs(v: unknown): number {
  const ms = Date.parse(String(v ?? ""));
  return Number.isFinite(ms) ? ms : 0;
}

/** `text` without a leading `sender: `, and the sender. */
function splitText(
  payload: Record<string, unknown> | null,
): { sender: string | null; text: string | null } {
  if (!payload) return { sender: null, text: null };
  const sender = typeof payload.sender === "string" ? payload.sender : null;
  let text = typeof payload.text === "string" ? payload.text : null;
  if (text !== null && sender !== null && text.startsWith(`${sender}: `)) {
    text = text.slice(sender.length + 2);
  }
  return { sender, text };
}

function regionClause(iatas: string[] | undefined, args: SQLInputValue[]): string {
  if (!iatas) return "";
  args.push(...iatas);
  return ` AND EXISTS (SELECT 1 FROM observations o JOIN observers b ON b.rowid = o.observer_idx
    WHERE o.transmission_id = t.id AND UPPER(b.iata) IN (${iatas.map(() => "?").join(",")}))`;
}

/** Route group: channels. */
export function channelRoutes(ctx: ApiContext): AnyRoute[] {
  const payloadOf = (id: number, raw: string): Record<string, unknown> | null => {
    const p = ctx.decoded.get(id, raw).decoded.payload;
    return p && typeof p === "object" ? p as unknown as Record<string, unknown> : null;
  };
  return [
    route({
      method: "GET",
      path: "/api/channels",
      tag: "channels",
      summary: "Channels with message counts and their latest message (full history)",
      params: {
        region: regionParam,
        includeEncrypted: boolParam({
          description: "include channels that were not decrypted (enc_<HH>)",
        }),
      },
      returns:
        "{channels[{hash, name, lastMessage, lastSender, messageCount, lastActivity, encrypted}]}",
      handler(c, p) {
        const iatas = regions(p.region);
        const key = `channels:${iatas?.join(",") ?? ""}:${p.includeEncrypted}`;
        const channels = ctx.cache.get(key, 10_000, () => {
          const args: SQLInputValue[] = [];
          const where = `t.payload_type = 5 AND t.channel_hash IS NOT NULL` +
            (p.includeEncrypted ? "" : ` AND t.channel_hash NOT LIKE 'enc\\_%' ESCAPE '\\'`) +
            regionClause(iatas, args);
          const rows = ctx.db.prepare(
            `SELECT t.channel_hash AS ch, COUNT(*) AS n, MAX(t.id) AS last_id
             FROM transmissions t WHERE ${where} GROUP BY t.channel_hash`,
          ).all(...args) as Row[];
          const last = ctx.db.prepare(
            `SELECT id, raw_hex, first_seen FROM transmissions WHERE id = ?`,
          );
          return rows.map((r) => {
            const ch = String(r.ch);
            const lr = last.get(Number(r.last_id)) as Row | undefined;
            const { sender, text } = lr
              ? splitText(payloadOf(Number(lr.id), String(lr.raw_hex)))
              : { sender: null, text: null };
            return {
              hash: ch,
              name: ch,
              lastMessage: text,
              lastSender: sender,
              messageCount: Number(r.n),
              lastActivity: lr ? iso(timeMs(lr.first_seen)) : null,
              encrypted: ch.startsWith("enc_"),
            };
          }).sort((a, b) => (b.lastActivity ?? "").localeCompare(a.lastActivity ?? ""));
        });
        return c.json({ channels });
      },
    }),
    route({
      method: "GET",
      path: "/api/channels/:hash/messages",
      tag: "channels",
      summary: "Messages of one channel, newest page first, in time order within the page",
      params: {
        hash: stringParam({
          in: "path",
          description: "channel name, enc_<HH> or ch<idx> (as listed by /api/channels)",
          // deno-lint-ignore no-control-regex
          pattern: /^[^\x00-\x1f]{1,64}$/,
          expect: "a channel name of 1-64 characters",
          maxLength: 64,
        }),
        limit: limitParam(100, ctx.config.listLimits.channelMessages),
        offset: offsetParam,
        region: regionParam,
      },
      returns:
        "{messages[{sender, text, timestamp, sender_timestamp, packetId, packetHash, repeats, " +
        "observers[], hops, snr}], total}",
      handler(c, p) {
        const args: SQLInputValue[] = [p.hash];
        const where = `t.payload_type = 5 AND t.channel_hash = ?` +
          regionClause(regions(p.region), args);
        const total = Number(
          (ctx.db.prepare(`SELECT COUNT(*) AS n FROM transmissions t WHERE ${where}`).get(
            ...args,
          ) as Row).n,
        );
        const rows = ctx.db.prepare(
          `SELECT t.id, t.hash, t.raw_hex, t.first_seen FROM transmissions t WHERE ${where}
           ORDER BY t.first_seen DESC, t.id DESC LIMIT ? OFFSET ?`,
        ).all(...args, p.limit, p.offset) as Row[];
        rows.reverse();
        const obsStmt = ctx.db.prepare(
          `SELECT b.name AS name, b.id AS oid, o.snr AS snr, o.path_json AS path
           FROM observations o LEFT JOIN observers b ON b.rowid = o.observer_idx
           WHERE o.transmission_id = ? ORDER BY o.id`,
        );
        const messages = rows.map((r) => {
          const id = Number(r.id);
          const payload = payloadOf(id, String(r.raw_hex));
          const { sender, text } = splitText(payload);
          const obs = obsStmt.all(id) as Row[];
          let hops = 0;
          let snr: number | null = null;
          for (const o of obs) {
            const n = typeof o.path === "string" ? (o.path.match(/"/g)?.length ?? 0) / 2 : 0;
            if (n >= hops) hops = n;
            if (typeof o.snr === "number" && (snr === null || o.snr > snr)) snr = o.snr;
          }
          return {
            sender,
            text,
            timestamp: iso(timeMs(r.first_seen)),
            sender_timestamp: typeof payload?.sender_timestamp === "number"
              ? payload.sender_timestamp
              : null,
            packetId: id,
            packetHash: String(r.hash),
            repeats: obs.length,
            observers: [...new Set(obs.map((o) => String(o.name ?? o.oid ?? "")).filter((s) => s))],
            hops,
            snr,
            decrypted: payload?.decryptionStatus === "decrypted",
          };
        });
        return c.json({ messages, total });
      },
    }),
  ];
}
