/**
 * Request parameter definitions. Each parameter is declared once, with its
 * type, range and description; the same declaration validates the request and
 * describes the parameter in the OpenAPI document (`/api/spec`), so the spec
 * lists exactly what the handlers accept.
 *
 * Rules: an invalid value is a 400 naming the parameter; `limit`-like values
 * declared with `clamp` are clamped into their range instead; unknown query
 * parameters are rejected by the route layer.
 *
 * @module
 */

import { badRequest } from "./errors.ts";

/** The OpenAPI schema subset the parameters produce. */
export interface Schema {
  type: "integer" | "number" | "string" | "boolean" | "array" | "object";
  minimum?: number;
  maximum?: number;
  default?: unknown;
  enum?: readonly string[];
  pattern?: string;
  maxLength?: number;
  format?: string;
  items?: Schema;
  maxItems?: number;
}

/** One declared parameter; `parse` receives the raw value (undefined when absent). */
export interface Param<T> {
  readonly in: "query" | "path";
  readonly description: string;
  readonly required: boolean;
  readonly schema: Schema;
  /** Validates and converts; throws a 400 naming `name`. */
  parse(raw: string | undefined, name: string): T;
}

/** Parameters of a route, keyed by their wire name. */
// deno-lint-ignore no-explicit-any
export type ParamMap = Record<string, Param<any>>;

/** The parsed values of a {@linkcode ParamMap}. */
export type ParamValues<P extends ParamMap> = {
  [K in keyof P]: P[K] extends Param<infer T> ? T : never;
};

const DEFAULT_MAX_LENGTH = 256;

interface Common {
  description: string;
  in?: "query" | "path";
}

function show(raw: string): string {
  return JSON.stringify(raw.length > 40 ? raw.slice(0, 37) + "..." : raw);
}

/** Options of {@linkcode intParam}. */
export interface IntOptions extends Common {
  min?: number;
  max?: number;
  /** Clamp out-of-range values into `[min, max]` instead of answering 400. */
  clamp?: boolean;
}

/** An integer; `def` is used when absent. */
export function intParam(opts: IntOptions & { default: number }): Param<number>;
/** An optional integer. */
export function intParam(opts: IntOptions): Param<number | undefined>;
export function intParam(opts: IntOptions & { default?: number }): Param<number | undefined> {
  const { min, max, clamp } = opts;
  return {
    in: opts.in ?? "query",
    description: opts.description +
      (clamp && max !== undefined ? ` (clamped to ${min}–${max})` : ""),
    required: opts.in === "path",
    schema: { type: "integer", minimum: min, maximum: max, default: opts.default },
    parse(raw, name) {
      if (raw === undefined || raw === "") return opts.default;
      if (!/^-?\d{1,15}$/.test(raw)) {
        throw badRequest(`Invalid parameter "${name}": expected a whole number, got ${show(raw)}`);
      }
      let n = Number(raw);
      if (min !== undefined && n < min) {
        if (!clamp) throw badRequest(`Invalid parameter "${name}": must be >= ${min}, got ${n}`);
        n = min;
      }
      if (max !== undefined && n > max) {
        if (!clamp) throw badRequest(`Invalid parameter "${name}": must be <= ${max}, got ${n}`);
        n = max;
      }
      return n;
    },
  };
}

/** Options of {@linkcode numberParam}. */
export interface NumberOptions extends Common {
  min?: number;
  max?: number;
}

/** A finite number; `def` when absent. */
export function numberParam(opts: NumberOptions & { default: number }): Param<number> {
  return {
    in: "query",
    description: opts.description,
    required: false,
    schema: { type: "number", minimum: opts.min, maximum: opts.max, default: opts.default },
    parse(raw, name) {
      if (raw === undefined || raw === "") return opts.default;
      const n = Number(raw);
      if (!/^-?\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n)) {
        throw badRequest(`Invalid parameter "${name}": expected a number, got ${show(raw)}`);
      }
      if (opts.min !== undefined && n < opts.min) {
        throw badRequest(`Invalid parameter "${name}": must be >= ${opts.min}, got ${n}`);
      }
      if (opts.max !== undefined && n > opts.max) {
        throw badRequest(`Invalid parameter "${name}": must be <= ${opts.max}, got ${n}`);
      }
      return n;
    },
  };
}

/** Options of {@linkcode stringParam}. */
export interface StringOptions extends Common {
  pattern?: RegExp;
  /** Human description of the pattern for the error message. */
  expect?: string;
  maxLength?: number;
  minLength?: number;
  /** Lowercase the value before checking the pattern. */
  lower?: boolean;
  required?: boolean;
}

/** A free string (trimmed), optionally checked against a pattern. */
export function stringParam(opts: StringOptions & { required: true }): Param<string>;
/** A path segment (always present). */
export function stringParam(opts: StringOptions & { in: "path" }): Param<string>;
/** An optional string. */
export function stringParam(opts: StringOptions): Param<string | undefined>;
export function stringParam(opts: StringOptions): Param<string | undefined> {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
  const isPath = opts.in === "path";
  return {
    in: opts.in ?? "query",
    description: opts.description,
    required: isPath || !!opts.required,
    schema: { type: "string", pattern: opts.pattern?.source, maxLength },
    parse(raw, name) {
      if (raw === undefined || raw.trim() === "") {
        if (isPath || opts.required) throw badRequest(`Missing parameter "${name}"`);
        return undefined;
      }
      let v = raw.trim();
      if (opts.lower) v = v.toLowerCase();
      if (v.length > maxLength) {
        throw badRequest(`Invalid parameter "${name}": longer than ${maxLength} characters`);
      }
      if (opts.minLength !== undefined && v.length < opts.minLength) {
        throw badRequest(
          `Invalid parameter "${name}": expected at least ${opts.minLength} characters`,
        );
      }
      if (opts.pattern && !opts.pattern.test(v)) {
        throw badRequest(
          `Invalid parameter "${name}": expected ${opts.expect ?? opts.pattern.source}, got ${
            show(v)
          }`,
        );
      }
      return v;
    },
  };
}

/** One of fixed values (case-sensitive); `def` when absent. */
export function enumParam<V extends string>(
  values: readonly V[],
  opts: Common & { default?: V },
): Param<V | undefined> {
  return {
    in: "query",
    description: opts.description,
    required: false,
    schema: { type: "string", enum: values, default: opts.default },
    parse(raw, name) {
      if (raw === undefined || raw === "") return opts.default;
      if (!(values as readonly string[]).includes(raw)) {
        throw badRequest(
          `Invalid parameter "${name}": expected one of ${values.join(", ")}, got ${show(raw)}`,
        );
      }
      return raw as V;
    },
  };
}

/** A boolean: `true|false|1|0`; absent = false. */
export function boolParam(opts: Common): Param<boolean> {
  return {
    in: "query",
    description: opts.description,
    required: false,
    schema: { type: "boolean", default: false },
    parse(raw, name) {
      if (raw === undefined || raw === "" || raw === "false" || raw === "0") return false;
      if (raw === "true" || raw === "1") return true;
      throw badRequest(`Invalid parameter "${name}": expected true or false, got ${show(raw)}`);
    },
  };
}

/** Options of {@linkcode csvParam}. */
export interface CsvOptions extends Common {
  item?: RegExp;
  expect?: string;
  maxItems?: number;
  lower?: boolean;
}

/** A comma-separated list (empty items dropped); undefined when absent or empty. */
export function csvParam(opts: CsvOptions): Param<string[] | undefined> {
  const maxItems = opts.maxItems ?? 64;
  return {
    in: "query",
    description: opts.description + " (comma-separated)",
    required: false,
    schema: { type: "string", pattern: opts.item?.source, maxLength: 4096 },
    parse(raw, name) {
      if (raw === undefined) return undefined;
      if (raw.length > 4096) {
        throw badRequest(`Invalid parameter "${name}": longer than 4096 characters`);
      }
      const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "")
        .map((s) => opts.lower ? s.toLowerCase() : s);
      if (items.length === 0) return undefined;
      if (items.length > maxItems) {
        throw badRequest(`Invalid parameter "${name}": more than ${maxItems} items`);
      }
      for (const item of items) {
        if (item.length > DEFAULT_MAX_LENGTH || (opts.item && !opts.item.test(item))) {
          throw badRequest(
            `Invalid parameter "${name}": item ${show(item)} is not ${opts.expect ?? "valid"}`,
          );
        }
      }
      return items;
    },
  };
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO-8601 / RFC3339 time, returned as epoch milliseconds. */
export function timeParam(opts: Common & { required?: boolean }): Param<number | undefined> {
  return {
    in: "query",
    description: opts.description + " (ISO-8601, e.g. 2026-05-17T18:13:27Z)",
    required: !!opts.required,
    schema: { type: "string", format: "date-time", maxLength: 40 },
    parse(raw, name) {
      if (raw === undefined || raw === "") {
        if (opts.required) throw badRequest(`Missing parameter "${name}"`);
        return undefined;
      }
      const ms = ISO_RE.test(raw) ? Date.parse(raw) : NaN;
      if (!Number.isFinite(ms)) {
        throw badRequest(
          `Invalid parameter "${name}": expected an ISO-8601 time, got ${show(raw)}`,
        );
      }
      return ms;
    },
  };
}

/** Hex helpers shared by routes. */
export const HEX_RE = /^[0-9a-f]+$/;
/** A 16-hex content hash (lowercased before the check). */
export const HASH_RE = /^[0-9a-f]{16}$/;
/** A full 64-hex public key. */
export const PUBKEY_RE = /^[0-9a-f]{64}$/;

/**
 * Parses every declared parameter of a request; rejects undeclared query
 * parameters with 400.
 */
export function parseParams<P extends ParamMap>(
  params: P,
  query: Record<string, string>,
  path: Record<string, string>,
): ParamValues<P> {
  for (const key of Object.keys(query)) {
    const p = params[key];
    if (!p || p.in !== "query") throw badRequest(`Unknown parameter "${key.slice(0, 40)}"`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(params)) {
    const raw = p.in === "path" ? safeDecode(path[name], name) : query[name];
    out[name] = p.parse(raw, name);
  }
  return out as ParamValues<P>;
}

function safeDecode(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`Invalid parameter "${name}": malformed percent-encoding`);
  }
}
