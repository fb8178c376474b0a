/**
 * `POST /api/decode`: decodes a pasted packet with the configured channel
 * keys and returns `{decoded, breakdown}`. Stores nothing. Body capped at
 * 8 KB; hex is whitespace-stripped and bounds-checked first.
 *
 * @module
 */

import { decodePacket, hexToBytes, verifyAdvertSignature } from "../meshcore/mod.ts";
import type { ApiContext } from "./deps.ts";
import { readJsonObject } from "./body.ts";
import { breakdownRanges } from "./packet_detail_routes.ts";
import { parsePacketHex } from "./packet_routes.ts";
import { type AnyRoute, route } from "./route_def.ts";

/** Body cap of `/api/decode`. */
export const DECODE_BODY_LIMIT = 8 * 1024;

/** Route group: decoding. */
export function decodeRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/api/decode",
      tag: "packets",
      summary: "Decode a packet without storing it",
      params: {},
      body: {
        description: "{hex}: the raw packet, whitespace allowed",
        schema: { type: "object", required: ["hex"], properties: { hex: { type: "string" } } },
        maxBytes: DECODE_BODY_LIMIT,
      },
      returns: "{decoded:{header, transportCodes, path, payload, hash, valid, signatureValid?}, " +
        "breakdown:{ranges}}; 400 {error, decoded} when the packet is malformed",
      async handler(c) {
        const body = await readJsonObject(c);
        const hex = parsePacketHex(body.hex);
        const decoded: ReturnType<typeof decodePacket> & { signatureValid?: boolean } =
          decodePacket(hex, { keyRing: ctx.keyRing });
        const breakdown = { ranges: breakdownRanges(hex) };
        if (!decoded.valid) {
          return c.json({
            error: `Cannot decode packet: ${decoded.error ?? "invalid"}`,
            decoded,
            breakdown,
          }, 400);
        }
        if (decoded.header?.payloadType === 4) {
          const bytes = hexToBytes(hex);
          decoded.signatureValid = bytes ? await verifyAdvertSignature(bytes) : false;
        }
        return c.json({ decoded, breakdown });
      },
    }),
  ];
}
