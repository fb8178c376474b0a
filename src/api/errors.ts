/**
 * HTTP errors of the API: every failure leaves as JSON `{"error": "<message>"}`
 * with the right status. Handlers throw {@linkcode HTTPException} (through the
 * helpers below); `app.onError` turns it into the JSON body.
 *
 * @module
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { log } from "../log/logger.ts";

/** Extra response headers an error carries (e.g. `Retry-After`). */
export type ErrorHeaders = Record<string, string>;

/** An API error: a status, a message for the client, optional headers. */
export class ApiError extends HTTPException {
  /** Headers added to the JSON error response. */
  readonly headers: ErrorHeaders;
  /** Creates an error answered as `{"error": message}` with `status`. */
  constructor(status: ContentfulStatusCode, message: string, headers: ErrorHeaders = {}) {
    super(status, { message });
    this.headers = headers;
  }
}

/** 400: a parameter or body field is invalid. The message names it. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, message);
}

/** 404 with `what` in the message (`Cannot find node "ab12..."`). */
export function notFound(message: string): ApiError {
  return new ApiError(404, message);
}

/** 503 while the store's index is still loading. */
export function indexLoading(): ApiError {
  return new ApiError(503, "index loading", { "Retry-After": "5" });
}

/** Builds the JSON error response for `err` (used by `app.onError`). */
export function errorResponse(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json({ error: err.message }, err.status);
  }
  if (err instanceof HTTPException) {
    // Raised by hono middleware (body limit 413, malformed JSON 400, ...).
    const status = err.status as ContentfulStatusCode;
    const message = err.status === 413 ? "request body too large" : (err.message || "bad request");
    return c.json({ error: message }, status);
  }
  log.throttled("api-500", 10_000, "error", "unhandled API error", {
    path: c.req.path,
    error: err.stack ?? String(err),
  });
  return c.json({ error: "internal server error" }, 500);
}
