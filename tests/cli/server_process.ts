/**
 * Runs hopwatch as a real subprocess for tests: the same entry point and
 * permission flags as `deno task start` and the compiled binary.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The permission flags of `deno task start` / `deno task compile` (no -A). */
export const SERVER_PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
];

/** A strong API key for tests. */
export const TEST_API_KEY = "test-api-key-0123456789abcdef";

/** URL of a file in shared/fixtures. */
export function fixturePath(name: string): string {
  return new URL(`../../../shared/fixtures/${name}`, import.meta.url).pathname;
}

/** A free loopback TCP port. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Valid raw packets of the fixture (row 465 is rejected by design). */
export function fixturePackets(): { id: number; raw: string; type: number }[] {
  const db = new DatabaseSync(fixturePath("corescope-e2e.db"), { readOnly: true });
  try {
    return db.prepare(
      "SELECT id, raw_hex, payload_type FROM transmissions WHERE id <> 465 ORDER BY id",
    )
      .all().map((r) => ({
        id: Number(r.id),
        raw: String(r.raw_hex),
        type: Number(r.payload_type),
      }));
  } finally {
    db.close();
  }
}

/** A running hopwatch process. */
export interface ServerProcess {
  port: number;
  url: string;
  child: Deno.ChildProcess;
  /** Everything written to stderr so far. */
  log(): string;
  /** Sends a signal and resolves with the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  status: Promise<Deno.CommandStatus>;
}

/** Starts hopwatch on `dbPath` with a config file; resolves once `/api/healthz` answers 200. */
export async function startServer(
  dbPath: string,
  config: Record<string, unknown> = {},
  opts: { cwd?: string; waitReady?: boolean; port?: number } = {},
): Promise<ServerProcess> {
  const port = opts.port ?? freePort();
  const dir = Deno.makeTempDirSync({ prefix: "hw-srv-" });
  const configPath = `${dir}/config.json`;
  Deno.writeTextFileSync(configPath, JSON.stringify({ apiKey: TEST_API_KEY, ...config }));
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...SERVER_PERMISSIONS,
      MAIN,
      "--db",
      dbPath,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--config",
      configPath,
    ],
    cwd: opts.cwd ?? dir,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reader = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) stderr += dec.decode(chunk);
  })();
  const status = child.status.then(async (s) => {
    await reader;
    return s;
  });
  const url = `http://127.0.0.1:${port}`;
  const proc: ServerProcess = {
    port,
    url,
    child,
    log: () => stderr,
    status,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const s = await status;
      Deno.removeSync(dir, { recursive: true });
      return s;
    },
  };
  if (opts.waitReady ?? true) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const res = await fetch(`${url}/api/healthz`);
        await res.body?.cancel();
        if (res.status === 200) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        await proc.stop("SIGKILL");
        throw new Error(`hopwatch did not become ready:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return proc;
}

/** POSTs one packet with the test API key. */
export async function postPacket(
  url: string,
  hex: string,
  observer: string,
): Promise<Response> {
  return await fetch(`${url}/api/packets`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY },
    body: JSON.stringify({ hex, observer, snr: 4.5, rssi: -90 }),
  });
}
