import assert from "node:assert/strict";
import { generate } from "../../src/sim/generate.ts";
import { runGen } from "../../src/cli/gen_command.ts";
import { dumpTables, NOW, SEED, sharedS } from "./helpers.ts";

Deno.test("gen: the same seed gives identical tables and truth; another seed does not", async () => {
  const { dir, result } = await sharedS();
  const again = await generate({ shape: "S", out: `${dir}/again.db`, seed: SEED, now: NOW });
  assert.equal(dumpTables(again.path), dumpTables(result.path));
  assert.deepEqual(Deno.readFileSync(again.truthPath), Deno.readFileSync(result.truthPath));
  const other = await generate({ shape: "S", out: `${dir}/other.db`, seed: SEED + 1, now: NOW });
  assert.notEqual(dumpTables(other.path), dumpTables(result.path));
});

Deno.test("gen CLI: writes a file, refuses bad arguments and foreign files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-gen-cli-" });
  try {
    const out = `${dir}/cli.db`;
    const args = [
      "--shape",
      "s",
      "--out",
      out,
      "--seed",
      "3",
      "--now",
      "2026-11-21T12:00:00Z",
      "--quiet",
    ];
    assert.equal(await runGen(args), 0);
    assert.ok(Deno.statSync(out).size > 0);
    assert.ok(Deno.statSync(`${out}.truth.bin`).size > 0);
    // A previous generator output is overwritten.
    assert.equal(await runGen(args), 0);
    // A file without a truth sidecar is not.
    const foreign = `${dir}/foreign.db`;
    Deno.writeTextFileSync(foreign, "keep me");
    assert.equal(await runGen(["--shape", "S", "--out", foreign, "--quiet"]), 1);
    assert.equal(Deno.readTextFileSync(foreign), "keep me");
    assert.equal(await runGen(["--shape", "Q", "--out", out]), 2);
    assert.equal(await runGen(["--out", out]), 2);
    assert.equal(await runGen(["--shape", "S"]), 2);
    assert.equal(await runGen(["--shape", "S", "--out", out, "--seed", "x"]), 2);
    assert.equal(await runGen(["--shape", "S", "--out", out, "--now", "yesterday"]), 2);
    assert.equal(await runGen(["--shape", "S", "--out", out, "--bogus"]), 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
