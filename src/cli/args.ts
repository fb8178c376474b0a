/**
 * Command-line parsing: `hopwatch [command] [options]`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { ConfigFlags } from "./config.ts";

/** The commands hopwatch understands. */
export const COMMANDS = [
  "serve",
  "decode",
  "backup",
  "check",
  "demo",
  "replay",
  "healthcheck",
  "help",
  "version",
] as const;

/** A command name. */
export type Command = (typeof COMMANDS)[number];

/** The parsed command line. */
export interface ParsedArgs {
  command: Command;
  flags: ConfigFlags;
  /** `--key NAME=HEX` values (decode). */
  keys: string[];
  help: boolean;
  /**
   * Arguments after the command. For `replay` (and `serve --replay FILE`):
   * `[FILE, SPEED, "temp" | "configured"]`, the last saying whether the replay
   * goes into a temporary database or the configured one.
   */
  positionals: string[];
}

/** A command line that cannot be understood; exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The `--help` text. */
export const HELP = `hopwatch — MeshCore mesh-radio packet analyzer

Usage:
  hopwatch [serve] [options]          start the server (MQTT ingest, API, web UI)
  hopwatch decode HEX [--key NAME=HEX ...]
                                      decode one packet and print it as JSON
  hopwatch backup FILE [options]      write a consistent copy of the database to FILE
  hopwatch check [options]            integrity check and index/database consistency report
  hopwatch demo [options]             start on a temporary database fed by a simulated mesh
  hopwatch replay FILE [--speed N] [options]
                                      start and feed a captured CoreScope/hopwatch database
                                      through the ingest path as live traffic, time-shifted
                                      to now (into a temporary database unless --db is given)
  hopwatch healthcheck [options]      exit 0 when the local server answers /api/healthz
  hopwatch version                    print the version

Options:
  --config FILE      JSON configuration file (CoreScope config.json keys accepted;
                     default ./config.json when present)
  --db PATH          SQLite database (default data/hopwatch.db, created with its folder)
  --port N           HTTP port (default 3000)
  --host ADDR        address to listen on (default 0.0.0.0)
  --log-level LEVEL  debug | info | warn | error (default info)
  --key NAME=HEX     decode: a channel key (16 bytes as 32 hex); NAME alone derives a
                     #hashtag key, e.g. --key '#test'
  --replay FILE      serve: also replay FILE into the configured database
  --speed N          replay speed: capture seconds per second (default 1)
  -h, --help         show this help

Precedence: flags > environment (HOPWATCH_PORT, HOPWATCH_DB, HOPWATCH_HOST,
HOPWATCH_LOG_LEVEL, HOPWATCH_API_KEY, HOPWATCH_CONFIG, and PORT, DB_PATH) > config file > defaults.
`;

/** Parses `argv` (without the program name). @throws {UsageError} */
export function parseCommandLine(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: "string" },
        db: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "log-level": { type: "string" },
        key: { type: "string", multiple: true },
        replay: { type: "string" },
        speed: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  let command: Command = "serve";
  let rest = positionals;
  if (positionals.length > 0) {
    const first = positionals[0];
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw new UsageError(`Unknown command "${first}" (expected one of ${COMMANDS.join(", ")})`);
    }
    command = first as Command;
    rest = positionals.slice(1);
  }
  if (values.version) command = "version";
  if (values.replay !== undefined) {
    if (command !== "serve") throw new UsageError(`--replay applies to serve, not ${command}`);
    command = "replay";
    rest = [values.replay, ...rest];
  }
  if (command === "replay") {
    if (!rest[0]) throw new UsageError("replay needs a FILE: hopwatch replay FILE [--speed N]");
    const target = values.replay !== undefined || values.db !== undefined ? "configured" : "temp";
    rest = [rest[0], values.speed ?? "1", target];
  } else if (values.speed !== undefined) {
    throw new UsageError(`--speed applies to replay, not ${command}`);
  }
  return {
    command,
    flags: {
      config: values.config,
      db: values.db,
      port: values.port,
      host: values.host,
      logLevel: values["log-level"],
    },
    keys: values.key ?? [],
    help: values.help ?? command === "help",
    positionals: rest,
  };
}
