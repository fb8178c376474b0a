/**
 * Shared parameter declarations and conversions of list endpoints: payload and
 * route types by number or name, `region` CSV (`All` = no filter), paging.
 *
 * @module
 */

import { PAYLOAD_TYPE_NAMES, ROUTE_TYPE_NAMES } from "../meshcore/mod.ts";
import { badRequest } from "./errors.ts";
import { csvParam, enumParam, intParam, type Param } from "./params.ts";

const TYPE_ITEM = /^([0-9]{1,2}|[A-Za-z_]{2,16})$/;
const IATA_ITEM = /^[A-Za-z0-9_-]{1,16}$/;

/** `type`: payload types as numbers (0–15) or names (`ADVERT`, `GRP_TXT`, ...). */
export const typeParam: Param<string[] | undefined> = csvParam({
  description: "payload types, by number (0-15) or name (e.g. 4 or ADVERT)",
  item: TYPE_ITEM,
  expect: "a payload type number or name",
  maxItems: 16,
});

/** `route`: route types as numbers (0–3) or names (`FLOOD`, `DIRECT`, ...). */
export const routeParam: Param<string[] | undefined> = csvParam({
  description: "route types, by number (0-3) or name (e.g. 1 or FLOOD)",
  item: TYPE_ITEM,
  expect: "a route type number or name",
  maxItems: 4,
});

/** `region`: IATA codes; `All` means no filter. */
export const regionParam: Param<string[] | undefined> = csvParam({
  description: "observer regions (IATA codes); All = no filter",
  item: IATA_ITEM,
  expect: "an IATA code",
  maxItems: 64,
});

/** `order` of id-ordered lists. */
export const orderParam: Param<"asc" | "desc" | undefined> = enumParam(["asc", "desc"] as const, {
  description: "order by id",
  default: "desc",
});

/** `offset` of a page. */
export const offsetParam: Param<number> = intParam({
  description: "rows to skip",
  default: 0,
  min: 0,
  max: 100_000_000,
});

/** `limit` of a page: default `def`, clamped to `[1, max]`. */
export function limitParam(def: number, max: number): Param<number> {
  return intParam({
    description: "rows per page",
    default: Math.min(def, max),
    min: 1,
    max,
    clamp: true,
  });
}

function byNameOrNumber(
  values: readonly string[] | undefined,
  names: readonly string[],
  max: number,
  param: string,
): number[] | undefined {
  if (!values) return undefined;
  const out: number[] = [];
  for (const v of values) {
    if (/^\d+$/.test(v)) {
      const n = Number(v);
      if (n > max) throw badRequest(`Invalid parameter "${param}": ${n} is not a valid value`);
      out.push(n);
      continue;
    }
    const up = v.toUpperCase();
    const alias = up === "CHAN" ? "GRP_TXT" : up;
    let hit = false;
    names.forEach((name, i) => {
      if (name === alias && name !== "UNKNOWN") {
        out.push(i);
        hit = true;
      }
    });
    if (!hit) throw badRequest(`Invalid parameter "${param}": unknown name "${v.slice(0, 20)}"`);
  }
  return out;
}

/** Payload type numbers of a `type` value. */
export function payloadTypes(values: readonly string[] | undefined): number[] | undefined {
  return byNameOrNumber(values, PAYLOAD_TYPE_NAMES, 15, "type");
}

/** Route type numbers of a `route` value. */
export function routeTypes(values: readonly string[] | undefined): number[] | undefined {
  return byNameOrNumber(values, ROUTE_TYPE_NAMES, 3, "route");
}

/** IATA codes of a `region` value, or undefined for no filter (`All`). */
export function regions(values: readonly string[] | undefined): string[] | undefined {
  if (!values || values.some((v) => v.toLowerCase() === "all")) return undefined;
  return values.map((v) => v.toUpperCase());
}
