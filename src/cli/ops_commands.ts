/**
 * Operations commands that work on the database file without starting the
 * server: `backup` and `healthcheck` (for container HEALTHCHECKs).
 *
 * @module
 */

import { backupDatabase } from "../db/maintenance.ts";
import type { HopwatchConfig } from "./config.ts";
import { UsageError } from "./args.ts";

/**
 * `hopwatch backup FILE`: a consistent copy of the configured database (SQLite's
 * online backup API on a read-only connection, so a running server keeps
 * ingesting), then an integrity check of the copy.
 */
export async function runBackup(
  positionals: string[],
  config: HopwatchConfig,
  out: (text: string) => void = console.log,
): Promise<number> {
  if (positionals.length !== 1) {
    throw new UsageError("backup needs the destination file: hopwatch backup FILE");
  }
  try {
    Deno.statSync(config.dbPath);
  } catch {
    console.error(`hopwatch: Cannot back up "${config.dbPath}": no such database file`);
    return 1;
  }
  let result;
  try {
    result = await backupDatabase(config.dbPath, positionals[0]);
  } catch (err) {
    console.error(`hopwatch: ${(err as Error).message}`);
    return 1;
  }
  out(JSON.stringify({
    source: config.dbPath,
    path: result.path,
    bytes: result.bytes,
    method: result.method,
    integrity: result.integrity.ok ? "ok" : result.integrity.messages,
    observerRowidsStable: result.observerRowidsStable,
    durationMs: Math.round(result.durationMs),
  }));
  return result.integrity.ok && result.observerRowidsStable ? 0 : 1;
}

/**
 * `hopwatch healthcheck`: asks the local server's `/api/healthz`; exit 0 when
 * it answers 200 (ready), 1 otherwise. For container HEALTHCHECKs, where no
 * curl is available.
 */
export async function runHealthcheck(config: HopwatchConfig): Promise<number> {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${config.port}/api/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    await res.body?.cancel();
    if (res.ok) return 0;
    console.error(`hopwatch: ${url} answered ${res.status}`);
  } catch (err) {
    console.error(`hopwatch: ${url} unreachable: ${(err as Error).message}`);
  }
  return 1;
}
