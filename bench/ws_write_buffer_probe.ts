/**
 * Probe of Deno's WebSocket memory per connection: `--clients` raw clients (a
 * child process, reading everything) get 20 text frames of each size in
 * `--sizes` from a bare `Deno.serve` + `Deno.upgradeWebSocket` server (no
 * hopwatch code); after each size, once every `bufferedAmount` is 0, the
 * server's memory is sampled (`mem_probe.ts`). Deno 2.9.6 keeps a write buffer
 * per connection as large as the largest frame it wrote, so malloc's bytes in
 * use grow by about clients x (largest frame so far) and stay. Also reports the
 * server's CPU per frame sent for each size.
 *
 * ```
 * deno run -A bench/ws_write_buffer_probe.ts [--clients 1000] [--sizes 1000,8000,16000,32000,64000,16000]
 * ```
 *
 * @module
 */

import { memorySample, sampleMB } from "./mem_probe.ts";
import { RawWsClient } from "../tests/api/raw_ws_client.ts";

const arg = (name: string, def: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : def;
};

/** CPU seconds (user + system) of this process. */
function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function clients(port: number, n: number): Promise<void> {
  const cs: RawWsClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = new RawWsClient(false);
    await c.connect(port);
    cs.push(c);
  }
  console.log("ready");
  await Promise.all(cs.map((c) => c.run(() => false)));
}

async function server(n: number, sizes: number[]): Promise<void> {
  const socks: WebSocket[] = [];
  const srv = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => socks.push(socket);
    return response;
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--clients-of", String(srv.addr.port), String(n)],
    stdout: "piped",
  }).spawn();
  await child.stdout.getReader().read();
  while (socks.length < n) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const steps = [{ largestFrame: 0, cpuMicrosPerFrame: 0, ...sampleMB(memorySample()) }];
  for (const size of sizes) {
    const text = JSON.stringify(["x".repeat(Math.max(0, size - 6))]);
    const c0 = cpuSeconds();
    for (let round = 0; round < 20; round++) {
      for (const s of socks) s.send(text);
      await new Promise((r) => setTimeout(r, 30));
    }
    while (socks.some((s) => s.bufferedAmount > 0)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const us = ((cpuSeconds() - c0) / (20 * n)) * 1e6;
    steps.push({
      largestFrame: Math.max(size, steps.at(-1)!.largestFrame),
      cpuMicrosPerFrame: Math.round(us * 10) / 10,
      ...sampleMB(memorySample()),
    });
  }
  console.log(
    JSON.stringify({ bench: "ws_write_buffer_probe", clients: n, sizes, steps }, null, 2),
  );
  child.kill();
  await srv.shutdown();
  Deno.exit(0);
}

if (import.meta.main) {
  if (Deno.args[0] === "--clients-of") await clients(Number(Deno.args[1]), Number(Deno.args[2]));
  else {
    await server(
      Number(arg("--clients", "1000")),
      arg("--sizes", "1000,8000,16000,32000,64000,16000").split(",").map(Number),
    );
  }
}
