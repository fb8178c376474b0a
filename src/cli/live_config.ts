/**
 * The live-feed port settings (`live.port`, `live.mainPortWs`) read from the
 * raw configuration, and the checks the schema cannot make (a clash with the
 * main port).
 *
 * @module
 */

/** The live-feed transport settings. */
export interface LiveSettings {
  /** Port of the live-feed server (npm `ws`, `live_port.ts`); null: off. */
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

/**
 * Problems of the live settings against the main port (`mainPort`, after flags and
 * environment): the same port twice, or the main port's `/ws` off with no live port.
 */
export function liveConfigProblems(raw: Record<string, unknown>, mainPort: number): string[] {
  const { port, mainPortWs } = liveSettings(raw);
  const problems: string[] = [];
  if (port !== null && port === mainPort && mainPort !== 0) {
    problems.push(
      `config key "live.port": ${port} is the main port too; pick another port or set it to null`,
    );
  }
  if (!mainPortWs && port === null) {
    problems.push(
      `config key "live.mainPortWs": false turns the main port's /ws off, but "live.port" is ` +
        `not set, so no live feed would be served`,
    );
  }
  return problems;
}
