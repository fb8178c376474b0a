/**
 * Starts the live-feed port (`live.port`, see `src/api/http_listener.ts`) for the
 * server, if configured, and logs where it listens; a port that cannot be bound
 * stops the start with an error naming the key.
 *
 * @module
 */

import { listen, type Listener } from "../api/http_listener.ts";
import type { UpgradeFetch } from "../api/live_upgrade.ts";
import type { WsHub } from "../api/ws_hub.ts";
import type { Logger } from "../log/logger.ts";
import type { HopwatchConfig } from "./config.ts";
import { ConfigError } from "./config.ts";
import { liveSettings } from "../api/live_settings.ts";

/** The live port if `live.port` is set (null otherwise), on the main port's host. */
export async function startLiveFeedPort(
  config: HopwatchConfig,
  fetch: UpgradeFetch,
  hub: WsHub,
  signal: AbortSignal,
  log: Logger,
): Promise<Listener | null> {
  const { port, mainPortWs } = liveSettings(config.raw);
  if (port === null) return null;
  try {
    const live = await listen({ hostname: config.host, port, fetch, hub, signal, role: "live" });
    log.info("live feed listening", {
      url: `ws://${config.host}:${live.port}/ws`,
      mainPortWs,
    });
    return live;
  } catch (err) {
    throw new ConfigError([
      `config key "live.port": Cannot listen on ${config.host}:${port}: ${(err as Error).message}`,
    ]);
  }
}
