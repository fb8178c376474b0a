/**
 * The README's first command, run exactly as written in a fresh clone of the
 * repository (no `../shared` beside it): it must serve the web UI and stream
 * live packets over the WebSocket within 10 s of answering. The command is
 * parsed out of README.md, so the README cannot change without this test.
 * The clone is of the checkout's HEAD (committed work); a checkout that is not
 * a git repository is copied instead.
 */
import assert from "node:assert/strict";
import { freePort } from "./server_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The first fenced `sh` block's first command under "## Quick start", without any `npx` prefix note. */
export function firstReadmeCommand(readme: string): string {
  const section = readme.split(/^## Quick start\s*$/m)[1];
  assert.ok(section, 'README.md has a "## Quick start" section');
  const block = section.match(/```sh\n([\s\S]*?)```/);
  assert.ok(block, "the Quick start has a sh code block");
  const line = block[1].split("\n").map((l) => l.trim()).find((l) => l && !l.startsWith("#"));
  assert.ok(line, "the first sh block has a command");
  return line;
}

async function git(args: string[], cwd = ROOT): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/** Copies the project without what a checkout would not have (build output, data, caches). */
async function copyTree(from: string, to: string): Promise<void> {
  const skip = new Set([".git", "data", "dist", "test-output", "node_modules"]);
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (skip.has(e.name)) continue;
    const src = `${from.replace(/\/$/, "")}/${e.name}`;
    if (e.isDirectory) await copyTree(src, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(src, `${to}/${e.name}`);
  }
}

async function firstWsPacket(url: string, ms: number): Promise<unknown> {
  const ws = new WebSocket(url);
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no packet over ${url} within ${ms} ms`)), ms);
      ws.onmessage = (e) => {
        const msg = JSON.parse(String(e.data));
        const list = Array.isArray(msg) ? msg : [msg];
        const pkt = list.find((m) => m?.type === "packet");
        if (pkt) {
          clearTimeout(t);
          resolve(pkt);
        }
      };
      ws.onerror = () => {
        clearTimeout(t);
        reject(new Error(`WebSocket ${url} failed`));
      };
    });
  } finally {
    ws.close();
  }
}

Deno.test({
  name: "quick start: the README's first command serves a live mesh from a bare clone",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hw-clone-" });
    const clone = `${dir}/hopwatch`;
    let head: string | null = null;
    try {
      head = await git(["rev-parse", "HEAD"]);
    } catch { /* not a git checkout (an unpacked archive): copy the tree instead */ }
    if (head) {
      await git(["clone", "--quiet", "--no-hardlinks", ROOT, clone], dir);
      await git(["checkout", "--quiet", head], clone);
    } else {
      await copyTree(ROOT, clone);
    }
    assert.throws(() => Deno.statSync(`${dir}/shared`), Deno.errors.NotFound);

    const command = firstReadmeCommand(await Deno.readTextFile(`${clone}/README.md`));
    assert.match(command, /^deno task \S+/, `the README leads with a deno task: ${command}`);
    const port = freePort();
    const child = new Deno.Command("sh", {
      args: ["-c", command],
      cwd: clone,
      env: {
        HOPWATCH_PORT: String(port),
        HOPWATCH_HOST: "127.0.0.1",
        NO_COLOR: "1",
        PATH: `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH") ?? ""}`,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    let out = "";
    const pump = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const c of s) out = (out + dec.decode(c)).slice(-8000);
    };
    const pumps = [pump(child.stdout), pump(child.stderr)];
    let exited = false;
    child.status.then(() => (exited = true));
    const base = `http://127.0.0.1:${port}`;
    try {
      // The UI is built first (seconds on a busy machine), then the server answers.
      const deadline = Date.now() + 180_000;
      let html = "";
      while (!exited && Date.now() < deadline) {
        try {
          const r = await fetch(`${base}/`);
          html = await r.text();
          if (r.ok) break;
        } catch { /* not listening yet */ }
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(html, /<title>hopwatch<\/title>/, `no UI at ${base}/:\n${out}`);
      const js = await fetch(`${base}/assets/app.js`);
      await js.body?.cancel();
      assert.equal(js.status, 200, "the UI bundle is served");
      const pkt = await firstWsPacket(`ws://127.0.0.1:${port}/ws`, 10_000) as {
        data?: { hash?: string };
      };
      assert.ok(pkt, "a packet arrived over the WebSocket");
    } finally {
      try {
        Deno.kill(-child.pid, "SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await Promise.all(pumps);
    }
    try {
      // The tasks that need the captured database say where it comes from, exit 1, no trace.
      for (const task of ["start:fixture", "start:capture"]) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["task", task],
          cwd: clone,
          env: { HOPWATCH_PORT: String(freePort()), NO_COLOR: "1" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
        assert.equal(out.code, 1, `${task}: ${text}`);
        assert.match(text, /shared\/fixtures\/corescope-e2e\.db/, task);
        assert.match(text, /deno task demo/, task);
        assert.doesNotMatch(text, /\n\s+at |NotFound:/, `${task} prints no stack trace`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
