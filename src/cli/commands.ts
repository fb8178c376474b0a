/**
 * Dispatch of the commands that open the database or start the server.
 *
 * @module
 */

import type { Command } from "./args.ts";
import type { HopwatchConfig } from "./config.ts";
import { log } from "../log/logger.ts";
import { startServer } from "./server.ts";
import { runBackup, runHealthcheck } from "./ops_commands.ts";
import { runCheck } from "./check_command.ts";

/** Runs `command`; resolves to the exit code. */
export async function runCommand(
  command: Command,
  positionals: string[],
  config: HopwatchConfig,
): Promise<number> {
  switch (command) {
    case "serve": {
      const server = await startServer(config, { log });
      await server.finished;
      return 0;
    }
    case "demo":
      return await runDemo(config);
    case "replay":
      return await (await import("./replay_command.ts")).runReplay(positionals, config);
    case "backup":
      return await runBackup(positionals, config);
    case "check":
      return await runCheck(config);
    case "healthcheck":
      return await runHealthcheck(config);
    default:
      throw new Error(`Cannot run command "${command}": not a server command`);
  }
}

/**
 * `hopwatch demo`: a fresh temporary database fed live by the mesh simulator
 * through the real ingest path (MQTT message parsing, decode pipeline, SQLite,
 * WebSocket), so a newcomer sees a working mesh at once.
 */
async function runDemo(config: HopwatchConfig): Promise<number> {
  const { buildDemoMesh, createLiveFeed } = await import("../sim/live_feed.ts");
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-demo-" });
  const demoConfig: HopwatchConfig = {
    ...config,
    dbPath: `${dir}/demo.db`,
    mqttSources: [],
    hashChannels: [...new Set([...config.hashChannels, "#test", "#wardriving", "#bot", "#chat"])],
  };
  log.info("demo: building a simulated mesh", { db: demoConfig.dbPath });
  const mesh = await buildDemoMesh(1);
  // A burst of recent traffic first (not paced), so the pages have something to show at once,
  // then a live feed at a gentle pace.
  const feed = (async function* () {
    yield* createLiveFeed(mesh, { ratePerSec: 20, realtime: false, limit: 600, seed: 2 });
    yield* createLiveFeed(mesh, { ratePerSec: 8, seed: 3 });
  })();
  const server = await startServer(demoConfig, { log, feed });
  await server.finished;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return 0;
}
