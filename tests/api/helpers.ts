/**
 * Test harness of the API tests: a real stack (writer, store, resolver,
 * pipeline) over a COPY of the fixture database in a temp dir, loaded like the
 * server loads it, and the Hono app built over it.
 *
 * @module
 */

import type { Hono } from "hono";
import { DEFAULTS, type HopwatchConfig } from "../../src/cli/config.ts";
import { createStack, type Stack } from "../../src/cli/stack.ts";
import { Logger } from "../../src/log/logger.ts";
import { createApp } from "../../src/api/app.ts";
import type { ApiDeps } from "../../src/api/deps.ts";
import { WsHub, type WsHubOptions } from "../../src/api/ws_hub.ts";

/** The fixture database (never opened in place). */
export const FIXTURE_DB = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url);
/** The API captures of the reference. */
export const CAPTURES = new URL("../../../shared/fixtures/api-captures/", import.meta.url);
/** A clock shortly after the fixture's newest packet (2026-05-17T18:13:27Z). */
export const FIXTURE_NOW = Date.parse("2026-05-17T18:20:00Z");
/** A strong API key for tests. */
export const TEST_KEY = "k3y-for-tests-0123456789abcdef";

/** A silent logger. */
export const quiet = new Logger("error", () => {});

/** A running test app. */
export interface TestApp {
  app: Hono;
  stack: Stack;
  hub: WsHub;
  config: HopwatchConfig;
  dir: string;
  /** Closes the hub, the writer and the database, and removes the temp dir. */
  close(): Promise<void>;
}

/** Options of {@linkcode makeApp}. */
export interface MakeAppOptions {
  /** Source database (default: the fixture). It is copied first. */
  db?: URL | string;
  config?: Partial<HopwatchConfig>;
  deps?: Partial<ApiDeps>;
  hub?: WsHubOptions;
  /** Skip loading the store (it then stays in the `loading` state). */
  noLoad?: boolean;
}

/** Builds the configuration used by the tests. */
export function testConfig(dbPath: string, over: Partial<HopwatchConfig> = {}): HopwatchConfig {
  return {
    ...structuredClone(DEFAULTS),
    rateLimit: { readPerMinute: 1_000_000, writePerMinute: 1_000_000 },
    configPath: null,
    raw: {},
    ...over,
    dbPath,
  };
}

/** Copies the database, builds the stack, loads it and creates the app. */
export async function makeApp(opts: MakeAppOptions = {}): Promise<TestApp> {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-api-" });
  const dbPath = `${dir}/test.db`;
  await Deno.copyFile(opts.db ?? FIXTURE_DB, dbPath);
  const config = testConfig(dbPath, opts.config);
  const hub = new WsHub(opts.hub);
  const stack = createStack(config, { log: quiet, broadcast: (e) => hub.broadcast(e) });
  if (opts.noLoad) {
    stack.store.progress.state = "loading";
    stack.store.progress.pct = 42;
  } else {
    await stack.load();
  }
  const app = createApp({
    ...stack.apiDeps(config, hub),
    now: () => FIXTURE_NOW,
    ...opts.deps,
  });
  return {
    app,
    stack,
    hub,
    config,
    dir,
    async close() {
      hub.close();
      await stack.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** GET `path` and parse the JSON body. */
export async function getJson(
  app: Hono,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown; res: Response }> {
  const res = await app.request(path, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, body, res };
}

/** Reads one capture file. */
export async function capture(name: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(name, CAPTURES)));
}

/** Describes a JSON value's type like the contract tests compare it. */
export function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * Asserts that every field of `expected` (a captured object) exists in
 * `actual` with the same JSON type (null in the capture accepts any type, a
 * number accepts null only when `nullable`). Recurses into objects and the
 * first element of arrays. Returns the list of mismatches.
 */
export function shapeMismatches(expected: unknown, actual: unknown, path = "$"): string[] {
  const out: string[] = [];
  if (expected === null) return out;
  const te = typeOf(expected);
  const ta = typeOf(actual);
  if (te !== ta) {
    out.push(`${path}: expected ${te}, got ${ta}`);
    return out;
  }
  if (te === "array") {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length > 0 && a.length > 0) out.push(...shapeMismatches(e[0], a[0], `${path}[0]`));
    return out;
  }
  if (te === "object") {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!(k in a)) out.push(`${path}.${k}: missing`);
      else out.push(...shapeMismatches(e[k], a[k], `${path}.${k}`));
    }
  }
  return out;
}
