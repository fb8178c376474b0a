/**
 * Test helper: a real Mosquitto broker on a free loopback port, started and
 * stopped by the test itself.
 *
 * The broker runs from a generated minimal config (`listener <port> 127.0.0.1`,
 * `allow_anonymous true`, persistence off) in a temp dir, logging to a file
 * there. `stop()` kills it and waits for the exit, `restart()` brings it back on
 * the same port, `close()` stops it and removes the temp dir. Every child
 * process is awaited, so Deno's op and resource sanitizers stay clean.
 *
 * The binary is `$MOSQUITTO_BIN`, else `/usr/sbin/mosquitto`, else `mosquitto`
 * on the PATH (Debian: `apt-get install -y mosquitto`).
 *
 * @module
 */

/** A running (or stopped) test broker. */
export interface MosquittoBroker {
  /** The loopback TCP port; stays the same across restarts. */
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`. */
  readonly url: string;
  /** Whether the broker process is running. */
  readonly running: boolean;
  /** Kills the broker (SIGTERM) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the broker if it runs, then starts it again on the same port. */
  restart(): Promise<void>;
  /** The broker's log file content (for failure messages). */
  log(): Promise<string>;
  /** Stops the broker and removes its temp dir. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options for {@link startMosquitto}. */
export interface MosquittoOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** How long to wait for the port to accept connections, ms (default 5000). */
  readyTimeoutMs?: number;
}

const CANDIDATES = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "mosquitto"];

/** Finds the mosquitto binary, or throws with an install hint. */
export function findMosquitto(): string {
  let env: string | undefined;
  try {
    env = Deno.env.get("MOSQUITTO_BIN");
  } catch {
    env = undefined;
  }
  for (const path of env ? [env, ...CANDIDATES] : CANDIDATES) {
    if (!path.includes("/")) return path; // PATH lookup happens at spawn time
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(
    `Cannot start mosquitto: binary not found (tried ${CANDIDATES.join(", ")}); ` +
      `install it with "apt-get install -y mosquitto" or set MOSQUITTO_BIN`,
  );
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts Mosquitto on a loopback port and resolves once the port accepts
 * TCP connections.
 *
 * @throws {Error} when the binary is missing or the broker exits or does not
 *   listen within `readyTimeoutMs`; the message includes the broker log.
 */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const bin = findMosquitto();
  const port = opts.port ?? freePort();
  const readyTimeoutMs = opts.readyTimeoutMs ?? 5000;
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-mosquitto-" });
  const confPath = `${dir}/mosquitto.conf`;
  const logPath = `${dir}/mosquitto.log`;
  const lines = [
    `listener ${port} 127.0.0.1`,
    "allow_anonymous true",
    "persistence false",
    `log_dest file ${logPath}`,
    "log_type error",
    "log_type warning",
    "log_type notice",
    "log_type information",
    "connection_messages true",
  ];
  // As root, mosquitto drops to the "mosquitto" user, which cannot write the temp dir.
  if (Deno.uid?.() === 0) lines.push("user root");
  await Deno.writeTextFile(confPath, lines.join("\n") + "\n");

  let child: Deno.ChildProcess | null = null;
  let exited: Promise<Deno.CommandStatus> | null = null;
  let closed = false;

  const readLog = async () => {
    try {
      return await Deno.readTextFile(logPath);
    } catch {
      return "(no log)";
    }
  };

  const spawn = async () => {
    if (closed) throw new Error("Cannot start mosquitto: the broker was closed");
    child = new Deno.Command(bin, {
      args: ["-c", confPath],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const status = child.status;
    exited = status;
    let dead = false;
    status.then(() => dead = true);
    const deadline = Date.now() + readyTimeoutMs;
    while (!dead && Date.now() < deadline) {
      if (await canConnect(port)) return;
      await sleep(20);
    }
    const log = await readLog();
    if (!dead) {
      child.kill("SIGKILL");
      await status;
    }
    child = null;
    exited = null;
    throw new Error(
      `Cannot start mosquitto on port ${port}: ${
        dead ? "it exited" : "not listening"
      }; log:\n${log}`,
    );
  };

  const stop = async () => {
    const proc = child;
    const status = exited;
    if (!proc || !status) return;
    child = null;
    exited = null;
    try {
      proc.kill("SIGTERM");
    } catch {
      // already gone
    }
    await status;
  };

  await spawn();

  const broker: MosquittoBroker = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    stop,
    async restart() {
      await stop();
      await spawn();
    },
    log: readLog,
    async close() {
      await stop();
      if (closed) return;
      closed = true;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]() {
      return broker.close();
    },
  };
  return broker;
}
