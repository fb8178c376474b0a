/**
 * API key checks (`X-API-Key`, constant-time comparison), per-client token
 * bucket rate limiting and CORS.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { createHash, timingSafeEqual } from "node:crypto";
import { ApiError } from "./errors.ts";

/** Keys that are refused whatever their length (lowercased comparison). */
export const WEAK_API_KEYS: ReadonlySet<string> = new Set([
  "changeme",
  "change-me",
  "your-secret-key",
  "your-secret-api-key-here",
  "example",
  "your-api-key",
  "secret",
  "password",
  "admin",
  "test",
  "apikey",
  "api-key",
  "default",
  "letmein",
  "12345678",
  "1234567890123456",
  "0000000000000000",
]);

/** Minimum length of a usable API key. */
export const MIN_API_KEY_LENGTH = 16;

/**
 * Checks a configured API key. Returns null when it is usable (or empty: no key
 * configured, so every protected call answers 403), else the reason it is weak.
 * `main.ts` refuses to start when this returns a message.
 */
export function checkApiKey(key: string): string | null {
  if (key === "") return null;
  const lower = key.toLowerCase();
  if (WEAK_API_KEYS.has(lower) || [...WEAK_API_KEYS].some((w) => lower === w.repeat(2))) {
    return `Cannot use apiKey: "${key.slice(0, 4)}..." is a well-known default; ` +
      `set a random key of at least ${MIN_API_KEY_LENGTH} characters`;
  }
  if (key.length < MIN_API_KEY_LENGTH) {
    return `Cannot use apiKey: ${key.length} characters is too short; ` +
      `set a random key of at least ${MIN_API_KEY_LENGTH} characters`;
  }
  if (/^(.)\1*$/.test(key)) {
    return "Cannot use apiKey: a single repeated character is not a secret";
  }
  return null;
}

function digest(s: string): Uint8Array {
  return createHash("sha256").update(s, "utf8").digest();
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hashing first gives equal-length inputs, so the length is not leaked either.
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Middleware for protected routes: 403 when no usable key is configured, 401
 * when the request's `X-API-Key` is missing or wrong.
 */
export function requireApiKey(configured: string): MiddlewareHandler {
  const usable = configured !== "" && checkApiKey(configured) === null;
  return async (c, next) => {
    if (!usable) {
      throw new ApiError(403, "API key not configured (or too weak); this endpoint is disabled");
    }
    const given = c.req.header("x-api-key");
    if (!given || !constantTimeEqual(given, configured)) {
      throw new ApiError(401, "missing or wrong X-API-Key");
    }
    await next();
  };
}

/** Token bucket options: `perMinute` tokens refill per minute, `burst` is the capacity. */
export interface BucketOptions {
  perMinute: number;
  burst?: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * Per-key token buckets. `take(key)` answers 0 when a token was available,
 * else the seconds until one is.
 */
export class TokenBuckets {
  #buckets = new Map<string, Bucket>();
  #rate: number;
  #burst: number;
  #now: () => number;
  #maxKeys: number;

  /** Creates buckets refilling at `perMinute`, holding at most `burst` tokens. */
  constructor(opts: BucketOptions, now: () => number = Date.now, maxKeys = 50_000) {
    this.#rate = opts.perMinute / 60_000;
    this.#burst = Math.max(1, opts.burst ?? Math.ceil(opts.perMinute / 4));
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /** Number of clients tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `key`; returns 0 on success, else seconds to wait. */
  take(key: string): number {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) this.#sweep(now);
      b = { tokens: this.#burst, last: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.last) * this.#rate);
      b.last = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#rate / 1000));
  }

  /** Drops buckets that have refilled completely (they hold no state worth keeping). */
  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + (now - b.last) * this.#rate >= this.#burst) this.#buckets.delete(k);
    }
    if (this.#buckets.size >= this.#maxKeys) this.#buckets.clear();
  }
}

/**
 * Returns the client address of a request (`unknown` under `app.request()`).
 * With `trustProxy`, the first `X-Forwarded-For` entry wins.
 */
export function clientAddress(c: Context, trustProxy = false): string {
  if (trustProxy) {
    const fwd = c.req.header("x-forwarded-for");
    if (fwd) return fwd.split(",")[0].trim().slice(0, 64);
  }
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "unknown";
}

/**
 * Rate limiting: a loose bucket for reads (GET/HEAD) and a stricter one for
 * every other method, both per client address. Over the limit: 429 with
 * `Retry-After`.
 */
export function rateLimit(
  limits: { readPerMinute: number; writePerMinute: number },
  onLimited?: (kind: "read" | "write") => void,
  trustProxy = false,
): MiddlewareHandler {
  const reads = new TokenBuckets({ perMinute: limits.readPerMinute });
  const writes = new TokenBuckets({ perMinute: limits.writePerMinute });
  return async (c, next) => {
    const m = c.req.method;
    const kind = m === "GET" || m === "HEAD" || m === "OPTIONS" ? "read" : "write";
    const wait = (kind === "read" ? reads : writes).take(clientAddress(c, trustProxy));
    if (wait > 0) {
      onLimited?.(kind);
      throw new ApiError(429, `rate limit exceeded (${kind}s); retry later`, {
        "Retry-After": String(wait),
      });
    }
    await next();
  };
}

/**
 * CORS: off unless origins are listed. A listed origin (or `*`) gets GET, HEAD
 * and OPTIONS without credentials; a preflight from any other origin, or for
 * another method, is answered 403.
 */
export function cors(allowed: readonly string[]): MiddlewareHandler {
  const any = allowed.includes("*");
  const list = new Set(allowed.filter((o) => o !== "*"));
  return async (c, next) => {
    const origin = c.req.header("origin");
    const listed = origin !== undefined && (any || list.has(origin));
    const preflight = c.req.method === "OPTIONS" &&
      c.req.header("access-control-request-method") !== undefined;
    if (preflight) {
      const method = (c.req.header("access-control-request-method") ?? "").toUpperCase();
      if (!listed || !["GET", "HEAD", "OPTIONS"].includes(method)) {
        throw new ApiError(403, "CORS preflight refused");
      }
      return c.body(null, 204, {
        "Access-Control-Allow-Origin": any ? "*" : origin!,
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
      });
    }
    await next();
    if (listed) {
      c.res.headers.set("Access-Control-Allow-Origin", any ? "*" : origin!);
      c.res.headers.append("Vary", "Origin");
    }
    return undefined;
  };
}

/**
 * Sets `X-Content-Type-Options: nosniff` on every response (JSON, text, errors,
 * metrics): a browser never guesses a type other than the one declared.
 */
export function noSniff(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    try {
      c.res.headers.set("X-Content-Type-Options", "nosniff");
    } catch {
      // An upgraded WebSocket response has immutable headers and no body to sniff.
    }
  };
}
