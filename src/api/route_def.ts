/**
 * Route definitions: one object per endpoint holding the method, path,
 * parameters, body description, flags (API key, needs the complete index) and
 * the handler. `app.ts` registers them on Hono and `openapi.ts` turns the very
 * same objects into `/api/spec`, so the spec cannot list a parameter the
 * handler does not validate.
 *
 * @module
 */

import type { Context } from "hono";
import type { ParamMap, ParamValues, Schema } from "./params.ts";

/** HTTP methods used by the API. */
export type Method = "GET" | "POST" | "PUT" | "DELETE";

/** A JSON request body. */
export interface BodyDef {
  description: string;
  /** OpenAPI schema of the body (informative). */
  schema: Record<string, unknown>;
  /** Body cap for this route in bytes (default: the app-wide cap, 64 KB). */
  maxBytes?: number;
}

/** One endpoint. */
export interface RouteDef<P extends ParamMap = ParamMap> {
  method: Method;
  /** Hono path, e.g. `/api/nodes/:pk`. */
  path: string;
  /** OpenAPI tag (route group). */
  tag: string;
  summary: string;
  params: P;
  body?: BodyDef;
  /** Requires a valid `X-API-Key`. */
  auth?: boolean;
  /** Answers 503 `index loading` until the store finished loading. */
  needsIndex?: boolean;
  /** Response content type when not JSON (e.g. `text/plain` for `/metrics`). */
  produces?: string;
  /** Short description of the success response. */
  returns: string;
  handler(c: Context, params: ParamValues<P>): Response | Promise<Response>;
}

/** Identity helper that keeps the parameter types of a definition. */
export function route<P extends ParamMap>(def: RouteDef<P>): RouteDef<P> {
  return def;
}

/** A route definition with its parameter types erased (for lists). */
// deno-lint-ignore no-explicit-any
export type AnyRoute = RouteDef<any>;

/** Converts a Hono path (`/api/nodes/:pk`) to an OpenAPI path (`/api/nodes/{pk}`). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

/** Re-export for route modules. */
export type { ParamMap, Schema };
