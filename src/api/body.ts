/**
 * JSON request bodies: parsed once, must be a JSON object, malformed input is
 * a 400. Size caps are enforced before this by the body-limit middleware.
 *
 * @module
 */

import type { Context } from "hono";
import { badRequest } from "./errors.ts";

/** Reads the request body as a JSON object (400 when it is not one). */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw badRequest("Cannot read request body");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("Invalid JSON body");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("Invalid JSON body: expected an object");
  }
  return value as Record<string, unknown>;
}
