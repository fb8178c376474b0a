/**
 * Finding a node from a request value: a full 64-hex key, a unique hex prefix
 * of at least 8 characters (409 when ambiguous), or (where allowed) an exact
 * name, case-insensitively. Blacklisted nodes are never found.
 *
 * @module
 */

import type { NodeInfo } from "../store/node_directory.ts";
import type { ApiContext } from "./deps.ts";
import { ApiError, badRequest, notFound } from "./errors.ts";

/** Minimum length of a key prefix accepted in place of a full key. */
export const MIN_PREFIX = 8;

const rules = new WeakMap<ApiContext, { keys: Set<string>; prefixes: string[] }>();

function hidden(ctx: ApiContext, n: NodeInfo): boolean {
  let r = rules.get(ctx);
  if (!r) {
    const raw = ctx.config.raw?.hiddenNamePrefixes;
    r = {
      keys: new Set(ctx.config.nodeBlacklist.map((k) => k.toLowerCase())),
      prefixes: Array.isArray(raw)
        ? raw.filter((p): p is string => typeof p === "string" && p !== "")
        : [],
    };
    rules.set(ctx, r);
  }
  if (r.keys.size > 0 && r.keys.has(n.publicKey)) return true;
  if (r.prefixes.length === 0 || n.name === null) return false;
  for (const p of r.prefixes) if (n.name.startsWith(p)) return true;
  return false;
}

/** Default window in which a node counts as active when `retention.nodeDays` is 0 (off). */
const ACTIVE_DAYS_DEFAULT = 7;

/**
 * Start of the "active node" window (ms): `retention.nodeDays` back from `now`, or 7 days when
 * node retention is off (0), so a database kept forever still says which nodes are active.
 */
export function activeSince(ctx: ApiContext, now = ctx.now()): number {
  const days = ctx.config.retention.nodeDays > 0
    ? ctx.config.retention.nodeDays
    : ACTIVE_DAYS_DEFAULT;
  return now - days * 86_400_000;
}

/** Whether a node is visible through the API (not blacklisted or hidden). */
export function visible(ctx: ApiContext, n: NodeInfo): boolean {
  return !hidden(ctx, n);
}

/**
 * The node for a key or key prefix. Throws 400 for malformed input, 404 when
 * unknown, 409 when a prefix matches several nodes.
 */
export function nodeByKey(ctx: ApiContext, ref: string, param = "pk"): NodeInfo {
  const key = ref.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(key) || key.length > 64) {
    throw badRequest(`Invalid parameter "${param}": expected a hex public key or prefix`);
  }
  if (key.length < MIN_PREFIX) {
    throw badRequest(
      `Invalid parameter "${param}": a key prefix needs at least ${MIN_PREFIX} hex characters`,
    );
  }
  if (key.length === 64) {
    const n = ctx.nodes.byKey(key);
    if (!n || hidden(ctx, n)) throw notFound(`Cannot find node "${key}"`);
    return n;
  }
  let found: NodeInfo | undefined;
  let count = 0;
  for (const n of ctx.nodes.values()) {
    if (n.publicKey.startsWith(key) && !hidden(ctx, n)) {
      found = n;
      count++;
    }
  }
  if (count === 0) throw notFound(`Cannot find node with key prefix "${key}"`);
  if (count > 1) {
    throw new ApiError(409, `Key prefix "${key}" matches ${count} nodes; give more characters`);
  }
  return found!;
}

/**
 * The node for a `node=` filter value: a key, a key prefix, or an exact name.
 * Returns undefined when nothing matches (the filter then matches nothing).
 */
export function nodeByKeyOrName(ctx: ApiContext, ref: string): NodeInfo | undefined {
  const v = ref.trim();
  if (/^[0-9a-fA-F]{8,64}$/.test(v)) {
    try {
      return nodeByKey(ctx, v, "node");
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) throw e;
    }
  }
  const lower = v.toLowerCase();
  for (const n of ctx.nodes.values()) {
    if (n.name !== null && n.name.toLowerCase() === lower && !hidden(ctx, n)) return n;
  }
  return undefined;
}
