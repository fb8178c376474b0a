/**
 * The live-feed transport settings (`live.port`, `live.mainPortWs`) read from
 * the raw (validated) configuration; their checks against the main port are in
 * `src/cli/live_config.ts`.
 *
 * @module
 */

/** The live-feed transport settings. */
export interface LiveSettings {
  /** Port of the live-feed server (`http_listener.ts`); null: off. */
  port: number | null;
  /** Whether the main port still answers WebSocket upgrades on `/ws` and `/` (default true). */
  mainPortWs: boolean;
}

/** `live.port` and `live.mainPortWs` of a raw (validated) configuration. */
export function liveSettings(raw: Record<string, unknown>): LiveSettings {
  const live = (raw.live ?? {}) as Record<string, unknown>;
  return {
    port: typeof live.port === "number" ? live.port : null,
    mainPortWs: live.mainPortWs !== false,
  };
}
