/**
 * Packet detail: `GET /api/packets/{id}` (content hash, transmission id or
 * observation id; SQL fallback for rows no longer in memory) and
 * `GET /api/traces/{hash}`.
 *
 * @module
 */

import { packetBreakdown } from "../meshcore/mod.ts";
import type { TransmissionView } from "../store/types.ts";
import type { ApiContext } from "./deps.ts";
import { badRequest, notFound } from "./errors.ts";
import { detailObservations, packetRows } from "./packet_rows.ts";
import { HASH_RE, stringParam } from "./params.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { iso, observationJson, parseResolvedPath, pathJson } from "./shapes.ts";
import { SqlFallback } from "./sql_fallback.ts";

const RANGE_COLORS: Record<string, string> = {
  "Header": "red",
  "Transport Codes": "#FF8C00",
  "Path Length": "orange",
  "Path": "green",
  "Payload": "yellow",
  "PubKey": "#FFD700",
  "Timestamp": "#FFA500",
  "Signature": "#FF6347",
  "Flags": "#7FFFD4",
  "Latitude": "#87CEEB",
  "Longitude": "#87CEEB",
  "Name": "#DDA0DD",
};

/** `breakdown.ranges` of a raw packet, with the legacy colours. */
export function breakdownRanges(
  rawHex: string,
): { start: number; end: number; color: string; label: string }[] {
  try {
    return packetBreakdown(rawHex).map((r) => ({
      start: r.start,
      end: r.end,
      color: RANGE_COLORS[r.label] ?? (r.label.startsWith("Hop") ? "#90EE90" : "#D3D3D3"),
      label: r.label,
    }));
  } catch {
    return [];
  }
}

/** Route group: packet detail and traces. */
export function packetDetailRoutes(ctx: ApiContext): AnyRoute[] {
  const sql = new SqlFallback(ctx.db);

  const find = (ref: string): { tx: TransmissionView; fromSql: boolean } => {
    const tx = ctx.store.lookup(ref, true);
    if (tx) return { tx, fromSql: false };
    const old = sql.lookup(ref);
    if (old) return { tx: old, fromSql: true };
    throw notFound(`Cannot find packet "${ref}"`);
  };

  return [
    route({
      method: "GET",
      path: "/api/packets/:id",
      tag: "packets",
      summary: "One transmission with every observation and the hex breakdown",
      params: {
        id: stringParam({
          in: "path",
          description: "16-hex content hash (case-insensitive), transmission id or observation id",
          pattern: /^([0-9a-fA-F]{16}|\d{1,15})$/,
          expect: "a 16-hex hash or a numeric id",
          maxLength: 16,
        }),
      },
      returns: "{packet, path[], breakdown{ranges}, observation_count, observations[]}",
      handler(c, p) {
        const { tx, fromSql } = find(p.id);
        const observations = fromSql
          ? sqlObservations(sql, tx, ctx.decoded.json(tx.id, tx.rawHex))
          : detailObservations(ctx, tx);
        const [row] = packetRows(ctx, [{ ...tx, observations: tx.observations }], {
          resolved: false,
        });
        const best = tx.best;
        const bestResolved = best
          ? observations.find((o) => o.id === best.id)?.resolved_path ?? null
          : null;
        row.resolved_path = bestResolved;
        const packet = {
          ...row,
          observations: observations.map((
            {
              resolved_path: _r,
              raw_hex: _x,
              payload_type: _p,
              decoded_json: _d,
              route_type: _t,
              ...o
            },
          ) => o),
        };
        const path = (best?.hops ?? []).map((prefix, i) => {
          const key = bestResolved?.[i] ?? null;
          const node = key ? ctx.nodes.byKey(key) : undefined;
          return {
            prefix,
            pubkey: key,
            name: node?.name ?? null,
            lat: node?.lat ?? null,
            lon: node?.lon ?? null,
          };
        });
        return c.json({
          packet,
          path,
          breakdown: { ranges: breakdownRanges(tx.rawHex) },
          observation_count: tx.observationCount,
          observations,
        });
      },
    }),
    route({
      method: "GET",
      path: "/api/traces/:hash",
      tag: "packets",
      summary: "Every sighting of one transmission (observer, time, signal, path)",
      params: {
        hash: stringParam({
          in: "path",
          description: "16-hex content hash (case-insensitive)",
          maxLength: 16,
        }),
      },
      returns: "{traces[{observer, observer_name, time, snr, rssi, path_json}]}",
      handler(c, p) {
        const h = p.hash.toLowerCase();
        if (!HASH_RE.test(h)) {
          throw badRequest(`Invalid parameter "hash": expected 16 hex characters`);
        }
        const tx = ctx.store.getByHash(h, true) ?? sql.lookup(h);
        if (!tx) return c.json({ traces: [] });
        const traces = (tx.observations ?? [])
          .slice()
          .sort((a, b) => a.timestampMs - b.timestampMs)
          .map((o) => ({
            observer: o.observerId,
            observer_name: o.observerName,
            observer_iata: o.observerIata,
            time: iso(o.timestampMs),
            snr: o.snr,
            rssi: o.rssi,
            path_json: pathJson(o.hops),
          }));
        return c.json({ traces });
      },
    }),
  ];
}

function sqlObservations(sql: SqlFallback, tx: TransmissionView, decodedJson: string | null) {
  const obs = tx.observations ?? [];
  const resolved = sql.resolvedPaths(obs.map((o) => o.id));
  return obs.map((o) => ({
    ...observationJson(tx, o),
    resolved_path: parseResolvedPath(resolved.get(o.id)),
    raw_hex: tx.rawHex,
    payload_type: tx.payloadType,
    route_type: tx.routeType,
    decoded_json: decodedJson,
  }));
}
