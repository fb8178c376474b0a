import assert from "node:assert/strict";
import { SERVER_V8_FLAGS, SERVER_V8_FLAGS_ARG } from "../../src/cli/v8_flags.ts";

const root = new URL("../../", import.meta.url);

/** Tasks that run the server, build the binary or measure the server (`decode` is a one-shot CLI). */
function serverTasks(tasks: Record<string, string>): [string, string][] {
  return Object.entries(tasks).filter(([name, line]) =>
    (/deno run [^&]*main\.ts/.test(line) && name !== "decode") || /deno compile /.test(line) ||
    (name.startsWith("bench:") && !["bench:decode", "bench:db"].includes(name))
  );
}

Deno.test("every task that runs, compiles or measures the server carries the V8 flags", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const tasks = serverTasks(config.tasks);
  assert.ok(tasks.length >= 10, `expected the server tasks, found ${tasks.length}`);
  for (const [name, line] of tasks) {
    // Each `deno run ... main.ts` / `deno compile` / bench command in the line.
    const commands = line.split("&&").filter((c) =>
      /deno (run|compile) /.test(c) && (/main\.ts/.test(c) || /bench\//.test(c))
    );
    assert.ok(commands.length > 0, `task ${name}: no server command found in "${line}"`);
    for (const c of commands) {
      const flags = c.match(/--v8-flags=(\S+)/)?.[1] ?? "";
      assert.ok(
        flags.split(",").includes(SERVER_V8_FLAGS),
        `task ${name} runs "${c.trim()}" without ${SERVER_V8_FLAGS}`,
      );
    }
  }
});

Deno.test("this Deno's V8 accepts the flags and caps the young generation", async () => {
  // Objects that live a while (a ring of 400K, as a load's batches do) make V8 grow the semi-spaces.
  const script = `
    import v8 from "node:v8";
    const ring = new Array(400000);
    let keep = 0;
    for (let i = 0; i < 1.5e6; i++) { ring[i % ring.length] = { a: i, b: [i, i + 1], s: "x" + i }; keep += i & 1; }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    console.log(JSON.stringify({ size: ns.space_size, keep }));
  `;
  const run = async (flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", ...flags, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, err);
    assert.ok(!/unknown|unrecognized|warning/i.test(err), `V8 complained: ${err}`);
    return JSON.parse(new TextDecoder().decode(out.stdout)).size as number;
  };
  const capped = await run([SERVER_V8_FLAGS_ARG]);
  const free = await run([]);
  const MiB = 1024 * 1024;
  assert.ok(capped <= 2 * 8 * MiB, `new space ${capped / MiB} MiB with the flags`);
  assert.ok(free > capped, `without the flags new space grew only to ${free / MiB} MiB`);
});
