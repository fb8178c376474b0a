/**
 * Packet lists: `GET /api/packets` (flat, grouped, `nodes=` mode),
 * `GET /api/packets/timestamps`, `POST /api/packets/observations` and the
 * protected `POST /api/packets` insert.
 *
 * @module
 */

import { OBSERVER_ID_RE } from "../ingest/validate.ts";
import type { Context } from "hono";
import { MAX_PACKET_SIZE } from "../meshcore/mod.ts";
import { decodePacket } from "../meshcore/mod.ts";
import type { TxFilter } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import { badRequest } from "./errors.ts";
import {
  limitParam,
  offsetParam,
  orderParam,
  payloadTypes,
  regionParam,
  regions,
  routeParam,
  routeTypes,
  typeParam,
} from "./filters.ts";
import { nodeByKeyOrName } from "./node_lookup.ts";
import { detailObservations, groupedRows, packetRows } from "./packet_rows.ts";
import { boolParam, csvParam, enumParam, HASH_RE, stringParam, timeParam } from "./params.ts";
import { readJsonObject } from "./body.ts";
import { areaNodeIds, areaParam } from "./geo_common.ts";
import { areaPackets } from "./area_packets.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso } from "./shapes.ts";
import { decodedObject } from "./ws_frame.ts";

/** Most keys accepted by `nodes=`. */
export const MAX_NODES_PARAM = 50;
/** Most hashes per `POST /api/packets/observations`. */
export const MAX_HASHES = 200;
/** Most timestamps returned by `/api/packets/timestamps`. */
export const MAX_TIMESTAMPS = 100_000;

/** Parses and validates packet hex from a request body (400 naming `field`). */
export function parsePacketHex(value: unknown, field = "hex"): string {
  if (typeof value !== "string") {
    throw badRequest(`Invalid body field "${field}": expected a string`);
  }
  const hex = value.replace(/\s+/g, "");
  if (hex.length === 0) throw badRequest(`Invalid body field "${field}": empty`);
  if (!/^[0-9a-fA-F]+$/.test(hex)) {
    throw badRequest(`Invalid body field "${field}": not hexadecimal`);
  }
  if (hex.length % 2 !== 0) throw badRequest(`Invalid body field "${field}": odd number of digits`);
  if (hex.length < 4) throw badRequest(`Invalid body field "${field}": at least 2 bytes needed`);
  if (hex.length > MAX_PACKET_SIZE * 2) {
    throw badRequest(`Invalid body field "${field}": longer than ${MAX_PACKET_SIZE} bytes`);
  }
  return hex.toUpperCase();
}

/** Route group: packet lists and inserts. */
export function packetRoutes(ctx: ApiContext): AnyRoute[] {
  const max = ctx.config.listLimits.packets;
  const listParams = {
    limit: limitParam(50, max),
    offset: offsetParam,
    order: orderParam,
    type: typeParam,
    route: routeParam,
    observer: csvParam({
      description: "observer ids",
      item: OBSERVER_ID_RE,
      expect: "an observer id",
      maxItems: 64,
    }),
    hash: stringParam({
      description: "content hash (16 hex, case-insensitive)",
      pattern: HASH_RE,
      expect: "16 hex characters",
      lower: true,
      maxLength: 16,
    }),
    since: timeParam({ description: "first_seen >= this time" }),
    until: timeParam({ description: "first_seen <= this time" }),
    region: regionParam,
    area: areaParam,
    node: stringParam({ description: "node public key, key prefix (>= 8 hex) or exact name" }),
    channel: stringParam({
      description: "channel name or enc_<HH>",
      maxLength: 64,
    }),
    groupByHash: boolParam({ description: "one row per hash, newest activity first" }),
    expand: enumParam(["observations"] as const, { description: "attach observations[]" }),
    nodes: csvParam({
      description: "node mode: packets sent or relayed by any of these keys " +
        "(only limit, offset, order, since and until apply)",
      item: /^[0-9a-fA-F]{64}$/,
      expect: "a 64-hex public key",
      lower: true,
      maxItems: MAX_NODES_PARAM,
    }),
  };

  return [
    route({
      method: "GET",
      path: "/api/packets",
      tag: "packets",
      summary: "List transmissions (flat rows, grouped by hash, or by nodes)",
      params: listParams,
      returns: "{packets, total, limit, offset}",
      handler(c, p) {
        if (p.nodes) return nodesMode(c, ctx, p);
        const filter: TxFilter = {
          payloadTypes: payloadTypes(p.type),
          routeTypes: routeTypes(p.route),
          observerIds: p.observer,
          iatas: regions(p.region),
          hash: p.hash,
          sinceMs: p.since,
          untilMs: p.until,
          channel: p.channel,
        };
        if (p.node !== undefined) {
          const n = nodeByKeyOrName(ctx, p.node);
          if (!n) return c.json({ packets: [], total: 0, limit: p.limit, offset: p.offset });
          filter.nodeId = n.id;
        }
        const page = { order: p.order, offset: p.offset, limit: p.limit };
        const area = areaNodeIds(ctx, p.area);
        if (area) {
          const mode = { expand: p.expand === "observations", grouped: p.groupByHash === true };
          return c.json(areaPackets(ctx, filter, area, page, mode));
        }
        if (p.groupByHash) {
          const key = `g:${new URL(c.req.url).search}`;
          const body = ctx.cache.get(key, 3000, () => {
            const g = ctx.store.listGrouped(filter, page);
            return {
              packets: groupedRows(ctx, g.items),
              total: g.total,
              limit: p.limit,
              offset: p.offset,
            };
          });
          return c.json(body);
        }
        const expand = p.expand === "observations";
        const res = ctx.store.listTransmissions(filter, page, expand);
        return c.json({
          packets: packetRows(ctx, res.items, { expand }),
          total: res.total,
          limit: p.limit,
          offset: p.offset,
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/packets/timestamps",
      tag: "packets",
      summary: "first_seen of every transmission since a time, ascending",
      params: { since: timeParam({ description: "start time", required: true }) },
      returns: `ascending array of ISO times (at most ${MAX_TIMESTAMPS})`,
      handler(c, p) {
        const ids = ctx.store.listTransmissionIds({ sinceMs: p.since }, {
          order: "asc",
          limit: MAX_TIMESTAMPS,
        });
        const out: string[] = [];
        for (const id of ids.ids) {
          const t = ctx.store.getByTxId(id, false);
          if (t) out.push(iso(t.firstSeenMs)!);
        }
        out.sort();
        return c.json(out);
      },
    }),
    route({
      method: "POST",
      path: "/api/packets/observations",
      tag: "packets",
      summary: "Observations of up to 200 transmissions by hash (read-only)",
      params: {},
      body: {
        description: `{hashes: [16-hex content hash, at most ${MAX_HASHES}]}`,
        schema: {
          type: "object",
          properties: {
            hashes: { type: "array", items: { type: "string" }, maxItems: MAX_HASHES },
          },
        },
      },
      returns: "{results: {hash: [observation]}}",
      async handler(c) {
        const body = await readJsonObject(c);
        const hashes = body.hashes;
        if (!Array.isArray(hashes)) {
          throw badRequest(`Invalid body field "hashes": expected an array`);
        }
        if (hashes.length > MAX_HASHES) {
          throw badRequest(`Invalid body field "hashes": more than ${MAX_HASHES} entries`);
        }
        const results: Record<string, unknown[]> = {};
        for (const h of hashes) {
          const lower = typeof h === "string" ? h.trim().toLowerCase() : "";
          if (!HASH_RE.test(lower)) {
            throw badRequest(
              `Invalid body field "hashes": ${
                JSON.stringify(h)?.slice(0, 40)
              } is not a 16-hex hash`,
            );
          }
          const tx = ctx.store.getByHash(lower, true);
          results[lower] = tx ? detailObservations(ctx, tx) : [];
        }
        return c.json({ results });
      },
    }),
    route({
      method: "POST",
      path: "/api/packets",
      tag: "packets",
      summary: "Insert one packet through the ingest pipeline (API key)",
      params: {},
      auth: true,
      body: {
        description: "{hex, observer?, snr?, rssi?}",
        schema: {
          type: "object",
          required: ["hex"],
          properties: {
            hex: { type: "string" },
            observer: { type: "string" },
            snr: { type: "number" },
            rssi: { type: "number" },
          },
        },
      },
      returns: "{id, decoded}",
      async handler(c) {
        const body = await readJsonObject(c);
        const hex = parsePacketHex(body.hex);
        const decoded = decodePacket(hex, { keyRing: ctx.keyRing });
        if (!decoded.valid) throw badRequest(`Cannot decode packet: ${decoded.error ?? "invalid"}`);
        // Only types here: ranges, caps and the observer-id rule are the ingest boundary's
        // (src/ingest/validate.ts), which counts each refusal; it answers 400 naming the field.
        const observer = optionalOf(body.observer, "observer", "string");
        const snr = optionalOf(body.snr, "snr", "number");
        const rssi = optionalOf(body.rssi, "rssi", "number");
        const res = await ctx.ingestPacket({ hex, observer, snr, rssi });
        return c.json({
          id: res.id,
          decoded: res.decoded ?? { ...decodedObject(decoded), path: decoded.path },
        }, 201);
      },
    }),
  ];
}

function optionalOf<T extends "string" | "number">(
  v: unknown,
  field: string,
  type: T,
): (T extends "string" ? string : number) | undefined {
  if (v === undefined || v === null) return undefined;
  const actual: string = typeof v;
  if (actual !== type) throw badRequest(`Invalid body field "${field}": expected a ${type}`);
  return v as T extends "string" ? string : number;
}

type ListValues = {
  limit: number;
  offset: number;
  order: "asc" | "desc" | undefined;
  nodes?: string[];
  since?: number;
  until?: number;
  [k: string]: unknown;
};

const NODE_MODE_ALLOWED = new Set(["nodes", "limit", "offset", "order", "since", "until"]);

/** `nodes=` mode: transmissions sent or relayed by any of the keys. */
function nodesMode(c: Context, ctx: ApiContext, p: ListValues): Response {
  for (const k of Object.keys(c.req.query())) {
    if (!NODE_MODE_ALLOWED.has(k)) {
      throw badRequest(`Invalid parameter "${k}": cannot be combined with "nodes"`);
    }
  }
  const ids = new Set<number>();
  for (const key of p.nodes!) {
    const id = ctx.nodes.idOf(key);
    if (id === undefined) continue;
    const page = ctx.store.listTransmissionIds(
      { nodeId: id, sinceMs: p.since, untilMs: p.until },
      { limit: Number.MAX_SAFE_INTEGER },
    );
    for (const t of page.ids) ids.add(t);
  }
  const sorted = [...ids].sort((a, b) => (p.order === "asc" ? a - b : b - a));
  const slice = sorted.slice(p.offset, p.offset + p.limit);
  const items = slice.map((id) => ctx.store.getByTxId(id, false)).filter((t) => t !== null);
  return c.json({
    packets: packetRows(ctx, items),
    total: sorted.length,
    limit: p.limit,
    offset: p.offset,
  });
}
