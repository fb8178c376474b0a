/**
 * The checks of the live-feed settings (`live.port`, `live.mainPortWs`) that the
 * schema cannot make (a clash with the main port).
 *
 * @module
 */

import { liveSettings } from "../api/live_settings.ts";

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
