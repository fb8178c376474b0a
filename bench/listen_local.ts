/**
 * The benches' way to serve an app: the product's listener
 * (`src/api/http_listener.ts`, `node:http` with npm `ws` for upgrades) on a
 * free loopback port.
 *
 * @module
 */

import { listen, type Listener, type ListenerRole } from "../src/api/http_listener.ts";
import type { UpgradeFetch } from "../src/api/live_upgrade.ts";
import type { WsHub } from "../src/api/ws_hub.ts";

/** Serves `fetch` (an app's `fetch`) with `hub` on 127.0.0.1, any free port, until `signal`. */
export function listenLocal(
  fetch: UpgradeFetch,
  hub: WsHub,
  signal: AbortSignal,
  role: ListenerRole = "main",
): Promise<Listener> {
  return listen({ hostname: "127.0.0.1", port: 0, fetch, hub, signal, role });
}
