/**
 * Shared pieces of the live-feed tests: the app served by the product's
 * listener (`http_listener.ts`, port 0), close/condition waits and a seeded packet.
 *
 * @module
 */

import { makeApp, TEST_KEY, type TestApp } from "./helpers.ts";
import type { HopwatchConfig } from "../../src/cli/config.ts";
import type { WsHubOptions } from "../../src/api/ws_hub.ts";
import { listen } from "../../src/api/http_listener.ts";
import { bytesToHex, encodePacket } from "../../src/meshcore/encode.ts";

/** A test app listening on a loopback port. */
export interface Served {
  t: TestApp;
  /** Where the live feed is tested: the main port, or the live port (`via` "live"). */
  port: number;
  /** The main port. */
  mainPort: number;
  /** Closes the hub, the listener and the app. */
  stop(): Promise<void>;
}

/**
 * Builds a test app (API key {@linkcode TEST_KEY}) and serves it on a free loopback port;
 * with `via` "live" (default: the `HOPWATCH_TEST_WS` environment variable) also the live-feed
 * port (`live.port`), which `port` then names.
 */
export async function serve(
  hub?: WsHubOptions,
  via: "live" | "main" = Deno.env.get("HOPWATCH_TEST_WS") === "live" ? "live" : "main",
  config: Partial<HopwatchConfig> = {},
): Promise<Served> {
  const t = await makeApp({ config: { apiKey: TEST_KEY, ...config }, hub });
  const ac = new AbortController();
  const server = await listen({
    hostname: "127.0.0.1",
    port: 0,
    fetch: t.app.fetch,
    hub: t.hub,
    signal: ac.signal,
  });
  const live = via === "live"
    ? await listen({
      hostname: "127.0.0.1",
      port: 0,
      fetch: t.app.fetch,
      hub: t.hub,
      signal: ac.signal,
      role: "live",
    })
    : null;
  return {
    t,
    port: live?.port ?? server.port,
    mainPort: server.port,
    async stop() {
      t.hub.close();
      ac.abort();
      await server.finished;
      await live?.finished;
      await t.close();
    },
  };
}

/** Resolves with the socket's close event. */
export function closed(ws: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) => ws.addEventListener("close", (e) => resolve(e), { once: true }));
}

/** Polls `cond` every 10 ms; throws when it is not true within `ms`. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A flood TXT_MSG-shaped packet through two hops, distinct per `seed` (0-65535). */
export function packetHex(seed: number): string {
  return bytesToHex(encodePacket({
    routeType: 1,
    payloadType: 2,
    hashSize: 1,
    hops: ["7D", "DA"],
    payload: Uint8Array.of(0x33, 0x1f, seed & 0xff, seed >> 8, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2),
  })).toUpperCase();
}
