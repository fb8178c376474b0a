/**
 * Starts hopwatch's `main.ts` as the benches measure it: a child process with
 * the server's V8 flags (`src/cli/v8_flags.ts`), bound to loopback, errors
 * only in its log.
 *
 * @module
 */

import { SERVER_V8_FLAGS_ARG } from "../src/cli/v8_flags.ts";

/** Where and how to start the server. */
export interface ServerChildOptions {
  /** The checkout whose `main.ts` runs (its working directory). */
  root: string;
  /** Config file path. */
  config: string;
  /** Database file path. */
  db: string;
  /** Loopback port. */
  port: number;
}

/** Spawns `main.ts` with its output discarded; the caller polls it and kills it. */
export function spawnServer(o: ServerChildOptions): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      SERVER_V8_FLAGS_ARG,
      "-A",
      "main.ts",
      ...["--config", o.config, "--db", o.db, "--port", String(o.port)],
      ...["--host", "127.0.0.1", "--log-level", "error"],
    ],
    cwd: o.root,
    stdout: "null",
    stderr: "null",
  }).spawn();
}
