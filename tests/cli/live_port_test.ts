/**
 * `live.port` end to end: a real hopwatch process serves the live feed on a
 * second port (npm `ws`), `/api/live` names it, and bad settings stop the
 * start with an error naming the key.
 *
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import { fixturePackets, freePort, postPacket, startServer } from "./server_process.ts";
import { loadConfig } from "../../src/cli/config.ts";

function tempDb(): string {
  return `${Deno.makeTempDirSync({ prefix: "hw-live-" })}/hopwatch.db`;
}

Deno.test("live.port: the UI learns the port from /api/live and gets batches there", async () => {
  const livePort = freePort();
  const server = await startServer(tempDb(), { live: { port: livePort } });
  try {
    const info = await (await fetch(`${server.url}/api/live`)).json();
    assert.deepEqual(info, { port: livePort, mainPortWs: true, path: "/ws" });
    const ws = new WebSocket(`ws://127.0.0.1:${livePort}/ws?batch=1`);
    const frames: unknown[] = [];
    const got = new Promise<void>((resolve) => {
      ws.onmessage = (e) => {
        const msg = JSON.parse(e.data as string);
        assert.ok(Array.isArray(msg), "every frame on a batch connection is an array");
        frames.push(...msg);
        if (frames.some((m) => (m as { type: string }).type === "packet")) resolve();
      };
    });
    await new Promise((r) => ws.onopen = r);
    const pkt = fixturePackets()[0];
    const res = await postPacket(server.url, pkt.raw, "OBS1");
    await res.body?.cancel();
    await got;
    ws.close();
    // The main port's /ws is still on (live.mainPortWs defaults to true).
    const main = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await new Promise((resolve, reject) => {
      main.onopen = resolve;
      main.onerror = reject;
    });
    main.close();
  } finally {
    await server.stop();
  }
});

/** Starts hopwatch expecting it to refuse the configuration; returns its stderr. */
async function refused(config: Record<string, unknown>, port?: number): Promise<string> {
  const server = await startServer(tempDb(), config, { waitReady: false, port });
  const status = await server.status;
  assert.notEqual(status.code, 0, "hopwatch started with a bad live configuration");
  return server.log();
}

Deno.test("a bad or taken live.port, or a taken main port, stops the start with an error naming the key", async () => {
  assert.match(await refused({ live: { port: "9000" } }), /live\.port.*whole number/);
  assert.match(await refused({ live: { port: 70000 } }), /live\.port.*from 1 to 65535/);
  const main = freePort();
  assert.match(await refused({ live: { port: main } }, main), /live\.port.*main port/);
  // A port already taken.
  const busy = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => busy.once("listening", r));
  try {
    const taken = (busy.address() as net.AddressInfo).port;
    assert.match(await refused({ live: { port: taken } }), /live\.port.*Cannot listen/);
    // The main port taken: the error names "port" and the address.
    assert.match(await refused({}, taken), new RegExp(`"port".*Cannot listen on .*:${taken}`));
  } finally {
    busy.close();
  }
});

Deno.test("live settings: null is off, mainPortWs false needs a live port", () => {
  const dir = Deno.makeTempDirSync();
  const write = (live: unknown) => {
    Deno.writeTextFileSync(`${dir}/c.json`, JSON.stringify({ live }));
    return { config: `${dir}/c.json` };
  };
  const none = () => undefined;
  assert.equal(loadConfig(write({ port: null }), none).raw.live !== undefined, true);
  assert.throws(() => loadConfig(write({ mainPortWs: false }), none), /live\.mainPortWs/);
  assert.throws(() => loadConfig(write({ mainPortWs: "no" }), none), /live\.mainPortWs/);
  loadConfig(write({ port: 9123, mainPortWs: false }), none);
});
