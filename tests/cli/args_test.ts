import assert from "node:assert/strict";
import { parseCommandLine, UsageError } from "../../src/cli/args.ts";

Deno.test("args: default command is serve, flags are collected", () => {
  const a = parseCommandLine(["--port", "8080", "--db", "x.db", "--log-level", "debug"]);
  assert.equal(a.command, "serve");
  assert.deepEqual(a.flags, {
    config: undefined,
    db: "x.db",
    port: "8080",
    host: undefined,
    logLevel: "debug",
  });
});

Deno.test("args: decode takes positionals and repeated --key", () => {
  const a = parseCommandLine(["decode", "AABB", "--key", "x=00", "--key", "#test"]);
  assert.equal(a.command, "decode");
  assert.deepEqual(a.positionals, ["AABB"]);
  assert.deepEqual(a.keys, ["x=00", "#test"]);
});

Deno.test("args: unknown options and commands are usage errors", () => {
  assert.throws(() => parseCommandLine(["--prot", "1"]), UsageError);
  assert.throws(() => parseCommandLine(["frobnicate"]), /Unknown command "frobnicate"/);
  assert.equal(parseCommandLine(["-h"]).help, true);
  assert.equal(parseCommandLine(["help"]).help, true);
});
