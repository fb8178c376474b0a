/**
 * Token-aware suggestions for the filter input: field names where a field is
 * expected, operators after a field, type / route names after `type ==` or
 * `route ==`. Pure text work on the input and cursor position.
 *
 * @module
 */

import { FILTER_FIELDS } from "./filter_fields.ts";
import { PAYLOAD_TYPES, ROUTE_TYPES } from "./format.ts";

/** Suggestions and the span of the input they replace. */
export interface Suggestions {
  items: string[];
  start: number;
  end: number;
}

const OPS = ["==", "!=", ">", "<", ">=", "<=", "contains", "starts_with", "ends_with", "in"];
const WORD = /[A-Za-z0-9_.]/;

/** Suggestions for `input` with the cursor at `cursor` (at most `max`). */
export function suggest(input: string, cursor = input.length, max = 8): Suggestions {
  let start = cursor;
  while (start > 0 && WORD.test(input[start - 1])) start--;
  let end = cursor;
  while (end < input.length && WORD.test(input[end])) end++;
  const partial = input.slice(start, cursor).toLowerCase();
  const before = input.slice(0, start).trimEnd();
  const pick = (list: string[]) => ({
    items: list.filter((x) => x.toLowerCase().startsWith(partial) && x.toLowerCase() !== partial)
      .slice(0, max),
    start,
    end,
  });
  const opMatch = /(==|!=)\s*$/.exec(before);
  if (opMatch) {
    const field = /([A-Za-z_][A-Za-z0-9_.]*)\s*(==|!=)$/.exec(before)?.[1];
    if (field === "type") return pick(Object.values(PAYLOAD_TYPES));
    if (field === "route") return pick(Object.values(ROUTE_TYPES));
    return { items: [], start, end };
  }
  if (/[A-Za-z0-9_."')]$/.test(before) && !/(&&|\|\||!|\()$/.test(before)) {
    const last = /([A-Za-z_][A-Za-z0-9_.]*)$/.exec(before)?.[1];
    if (last && (FILTER_FIELDS.some(([f]) => f === last) || last.startsWith("payload."))) {
      return partial ? pick(OPS.filter((o) => /^[a-z]/.test(o))) : { items: OPS, start, end };
    }
    return { items: [], start, end };
  }
  return pick(FILTER_FIELDS.map(([f]) => f));
}
