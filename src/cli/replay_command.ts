/**
 * `hopwatch replay FILE --speed N` and `hopwatch serve --replay FILE`: start
 * the server and feed a captured database through the real ingest path as
 * live traffic (see replay_source.ts).
 *
 * @module
 */

import type { HopwatchConfig } from "./config.ts";
import { log } from "../log/logger.ts";
import { startServer } from "./server.ts";
import { inspectReplayFile, parseSpeed, ReplayError, replayMessages } from "./replay_source.ts";

/**
 * Runs a replay from the normalised positionals `[FILE, SPEED, target]`
 * (see `ParsedArgs.positionals`); resolves to the exit code: 1 with a one-line
 * reason when the file cannot be replayed, 0 after a clean shutdown.
 */
export async function runReplay(positionals: string[], config: HopwatchConfig): Promise<number> {
  const [file, speedText, target] = positionals;
  let speed: number;
  try {
    speed = parseSpeed(speedText);
    const s = inspectReplayFile(file);
    log.info("replay: capture checked", {
      file,
      transmissions: s.transmissions,
      observations: s.observations,
      observers: s.observers,
      from: new Date(s.firstMs).toISOString(),
      to: new Date(s.lastMs).toISOString(),
      speed,
      wallMinutes: Math.round((s.lastMs - s.firstMs) / speed / 600) / 100,
    });
  } catch (err) {
    if (!(err instanceof ReplayError)) throw err;
    console.error(`hopwatch: ${err.message}`);
    return 1;
  }
  const dir = target === "temp" ? await Deno.makeTempDir({ prefix: "hopwatch-replay-" }) : null;
  const replayConfig: HopwatchConfig = dir ? { ...config, dbPath: `${dir}/replay.db` } : config;
  if (dir) log.info("replay: into a temporary database", { db: replayConfig.dbPath });
  const abort = new AbortController();
  const feed = replayMessages(file, {
    speed,
    signal: abort.signal,
    onDone: (sent) => log.info("replay: finished", sent),
  });
  const server = await startServer(replayConfig, { log, feed, feedSource: "replay" });
  await server.finished;
  abort.abort();
  if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  return 0;
}
