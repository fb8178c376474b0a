/**
 * The packet filter language: a recursive-descent parser producing an AST and
 * an evaluator over packets table rows. User text is only ever tokenized and
 * interpreted here — never evaluated as code. Length, token count and nesting
 * depth are bounded, so hostile input fails fast with a message and position.
 *
 * Grammar: `or := and ("||" and)*`, `and := unary ("&&" unary)*`,
 * `unary := "!" unary | "(" or ")" | field [op value]`.
 *
 * @module
 */

import { FilterError, type Token, tokenize } from "./filter_lex.ts";
import {
  type FieldValue,
  fieldValue,
  type FilterRow,
  isField,
  ROUTE_ALIASES,
  TYPE_ALIASES,
} from "./filter_fields.ts";
import { PAYLOAD_TYPES, ROUTE_TYPES } from "./format.ts";

export { FilterError, MAX_FILTER_LENGTH } from "./filter_lex.ts";

/** Deepest nesting of `(` and `!` accepted. */
export const MAX_FILTER_DEPTH = 32;

/** A literal: string, number, boolean, or a duration in seconds. */
export type FilterValue = string | number | boolean | { dur: number };

/** The filter AST. `pos` is the field's position in the source. */
export type FilterAst =
  | { t: "and" | "or"; items: FilterAst[] }
  | { t: "not"; x: FilterAst }
  | { t: "truthy"; field: string; pos: number }
  | {
    t: "cmp";
    field: string;
    op: string;
    value: FilterValue;
    value2?: FilterValue;
    values?: FilterValue[];
    pos: number;
  };

const TIME_OPS = new Set(["after", "before"]);

function show(t: Token): string {
  return t.k === "str" ? `"${t.v}"` : String(t.v);
}

/** Parses `src` into an AST (`null` for an empty expression); throws {@link FilterError}. */
export function parseFilter(src: string): FilterAst | null {
  const toks = tokenize(src);
  if (!toks.length) return null;
  let i = 0;
  let depth = 0;
  const end = src.length;
  const peek = (): Token | undefined => toks[i];
  const here = () => toks[i]?.pos ?? end;

  function orExpr(): FilterAst {
    const items = [andExpr()];
    while (peek()?.k === "or") {
      i++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { t: "or", items };
  }

  function andExpr(): FilterAst {
    const items = [unary()];
    while (peek()?.k === "and") {
      i++;
      items.push(unary());
    }
    return items.length === 1 ? items[0] : { t: "and", items };
  }

  function unary(): FilterAst {
    const t = peek();
    if (t?.k === "not" || t?.k === "lp") {
      if (++depth > MAX_FILTER_DEPTH) {
        throw new FilterError(
          `Filter nested too deeply at position ${t.pos} (at most ${MAX_FILTER_DEPTH} levels)`,
          t.pos,
        );
      }
      i++;
      let r: FilterAst;
      if (t.k === "not") r = { t: "not", x: unary() };
      else {
        r = orExpr();
        const c = peek();
        if (c?.k !== "rp") {
          const what = c ? `got ${show(c)}` : "reached the end";
          throw new FilterError(
            `Expected ")" at position ${here()} to close "(" at position ${t.pos}, ${what}`,
            here(),
          );
        }
        i++;
      }
      depth--;
      return r;
    }
    return comparison();
  }

  function comparison(): FilterAst {
    const f = peek();
    if (!f) throw new FilterError(`Expected a field name at position ${end}, reached the end`, end);
    if (f.k !== "field") {
      throw new FilterError(`Expected a field name at position ${f.pos}, got ${show(f)}`, f.pos);
    }
    const field = String(f.v);
    if (!isField(field)) {
      throw new FilterError(`Unknown field "${field}" at position ${f.pos}`, f.pos);
    }
    i++;
    const o = peek();
    if (!o || o.k === "and" || o.k === "or" || o.k === "rp") {
      return { t: "truthy", field, pos: f.pos };
    }
    if (o.k !== "op") {
      throw new FilterError(
        `Expected an operator after "${field}" at position ${o.pos}, got ${show(o)}`,
        o.pos,
      );
    }
    i++;
    const op = String(o.v);
    const label = `${field} ${op}`;
    if (op === "in") {
      const lp = peek();
      if (lp?.k !== "lp") {
        throw new FilterError(`Expected "(" after "in" at position ${here()}`, here());
      }
      i++;
      if (peek()?.k === "rp") {
        throw new FilterError(`Empty list after "in" at position ${here()}`, here());
      }
      const values = [value(label)];
      while (peek()?.k === "comma") {
        i++;
        values.push(value(label));
      }
      if (peek()?.k !== "rp") {
        throw new FilterError(`Expected "," or ")" in the list at position ${here()}`, here());
      }
      i++;
      return { t: "cmp", field, op, value: values[0], values, pos: f.pos };
    }
    if (op === "between") {
      const lo = timeChecked(value(label), label);
      if (peek()?.k === "comma") i++;
      const hi = timeChecked(value(label), label);
      return { t: "cmp", field, op, value: lo, value2: hi, pos: f.pos };
    }
    const v = value(label);
    return { t: "cmp", field, op, value: TIME_OPS.has(op) ? timeChecked(v, label) : v, pos: f.pos };
  }

  let lastValuePos = 0;
  function value(label: string): FilterValue {
    const t = peek();
    if (
      !t || !(t.k === "str" || t.k === "num" || t.k === "bool" || t.k === "dur" || t.k === "field")
    ) {
      const got = t ? `got ${show(t)}` : "reached the end";
      throw new FilterError(
        `Expected a value after "${label}" at position ${here()}, ${got}`,
        here(),
      );
    }
    i++;
    lastValuePos = t.pos;
    return t.k === "dur" ? { dur: Number(t.v) } : t.v as string | number | boolean;
  }

  function timeChecked(v: FilterValue, label: string): FilterValue {
    if (typeof v === "string" && Number.isNaN(Date.parse(v))) {
      throw new FilterError(
        `Invalid date "${v}" for "${label}" at position ${lastValuePos}`,
        lastValuePos,
      );
    }
    return v;
  }

  const ast = orExpr();
  const rest = peek();
  if (rest) {
    throw new FilterError(`Unexpected ${show(rest)} at position ${rest.pos}`, rest.pos);
  }
  return ast;
}

function canonical(field: string, v: FilterValue): FilterValue {
  if (field === "type") {
    if (typeof v === "number") return PAYLOAD_TYPES[v] ?? String(v);
    if (typeof v === "string") return TYPE_ALIASES[v.toLowerCase()] ?? v;
  }
  if (field === "route") {
    if (typeof v === "number") return ROUTE_TYPES[v] ?? String(v);
    if (typeof v === "string") return ROUTE_ALIASES[v.toLowerCase()] ?? v;
  }
  return v;
}

function toNum(v: FilterValue | FieldValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "object" && v !== null && "dur" in v) return Number(v.dur);
  if (typeof v === "string" && v.trim() !== "") return Number(v);
  return NaN;
}

function toMs(v: FilterValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") return Date.parse(v);
  return NaN;
}

function compare(n: Extract<FilterAst, { t: "cmp" }>, fv: FieldValue): boolean {
  const op = n.op;
  if (op === "in") {
    const lhs = String(fv).toLowerCase();
    return (n.values ?? []).some((v) => String(canonical(n.field, v)).toLowerCase() === lhs);
  }
  if (op === "after" || op === "before" || (op === "between" && typeof n.value === "string")) {
    const a = typeof fv === "number" ? fv : Date.parse(String(fv));
    const b = toMs(n.value);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    if (op === "after") return a > b;
    if (op === "before") return a < b;
    const c = toMs(n.value2 ?? "");
    return !Number.isNaN(c) && a >= Math.min(b, c) && a <= Math.max(b, c);
  }
  if (op === ">" || op === "<" || op === ">=" || op === "<=" || op === "between") {
    const a = toNum(fv);
    const b = toNum(n.value);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    if (op === ">") return a > b;
    if (op === "<") return a < b;
    if (op === ">=") return a >= b;
    if (op === "<=") return a <= b;
    const c = toNum(n.value2 ?? NaN);
    return !Number.isNaN(c) && a >= Math.min(b, c) && a <= Math.max(b, c);
  }
  if (op === "==" || op === "!=") {
    const t = canonical(n.field, n.value);
    let eq: boolean;
    if (typeof fv === "number" && (typeof t === "number" || typeof t === "object")) {
      eq = fv === toNum(t);
    } else if (typeof fv === "boolean" || typeof t === "boolean") {
      eq = fv === t || String(fv).toLowerCase() === String(t).toLowerCase();
    } else eq = String(fv).toLowerCase() === String(t).toLowerCase();
    return op === "==" ? eq : !eq;
  }
  const s = String(fv).toLowerCase();
  const t = String(n.value).toLowerCase();
  if (op === "contains") return s.includes(t);
  if (op === "starts_with") return s.startsWith(t);
  if (op === "ends_with") return s.endsWith(t);
  return false;
}

/** Whether `row` matches `ast` (`null` matches everything); `now` is used by `age`. */
export function matchFilter(ast: FilterAst | null, row: FilterRow, now = Date.now()): boolean {
  if (!ast) return true;
  switch (ast.t) {
    case "and":
      return ast.items.every((x) => matchFilter(x, row, now));
    case "or":
      return ast.items.some((x) => matchFilter(x, row, now));
    case "not":
      return !matchFilter(ast.x, row, now);
    case "truthy":
      return !!fieldValue(row, ast.field, now);
    case "cmp": {
      const fv = fieldValue(row, ast.field, now);
      if (fv === null || fv === undefined) return false;
      return compare(ast, fv);
    }
  }
}

/** A compiled filter: its AST and a row predicate. */
export interface CompiledFilter {
  ast: FilterAst | null;
  test(row: FilterRow, now?: number): boolean;
}

/** Compiles `src`: `{filter}` on success, `{error}` (with a position) otherwise. */
export function compileFilter(
  src: string,
): { filter: CompiledFilter; error: null } | { filter: null; error: FilterError } {
  try {
    const ast = parseFilter(src);
    return { filter: { ast, test: (row, now) => matchFilter(ast, row, now) }, error: null };
  } catch (e) {
    if (e instanceof FilterError) return { filter: null, error: e };
    if (e instanceof RangeError) {
      return { filter: null, error: new FilterError("Filter too complex to parse", 0) };
    }
    throw e;
  }
}
