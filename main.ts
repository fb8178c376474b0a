/**
 * hopwatch entry point: parses the command line, loads the configuration and
 * dispatches to a command. Wiring only; every behaviour lives in `src/`.
 *
 * @module
 */

import { HELP, parseCommandLine, UsageError } from "./src/cli/args.ts";
import { ConfigError, loadConfig, processEnv } from "./src/cli/config.ts";
import { runDecode } from "./src/cli/decode_command.ts";
import { VERSION } from "./src/cli/version.ts";
import { log } from "./src/log/logger.ts";

/** Runs hopwatch with `argv`; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.help) {
      console.log(HELP);
      return 0;
    }
    if (args.command === "version") {
      console.log(`hopwatch ${VERSION}`);
      return 0;
    }
    const config = loadConfig(args.flags, processEnv, (w) => log.warn(w));
    log.level = config.logLevel;
    switch (args.command) {
      case "decode":
        return await runDecode(args.positionals, args.keys, config);
      default: {
        const { runCommand } = await import("./src/cli/commands.ts");
        return await runCommand(args.command, args.positionals, config);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`hopwatch: ${err.message}\nRun "hopwatch --help" for usage.`);
      return 2;
    }
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`hopwatch: ${problem}`);
      console.error("hopwatch: configuration invalid; nothing was started");
      return 1;
    }
    throw err;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
