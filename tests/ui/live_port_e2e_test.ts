/**
 * hopwatch's UI and the live port (`live.port`): the page connects to the port
 * `/api/live` names and gets packets there; when that port cannot be opened
 * (here `/api/live` is answered with a port nobody listens on, as a reverse
 * proxy forwarding only the main port would make it), it falls back to its
 * own origin's `/ws`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  advertHex,
  FIXTURE,
  hasChromium,
  launchBrowser,
  postPacket,
  startHopwatch,
} from "./e2e_harness.ts";

function freePort(): number {
  const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test({
  name: "the UI uses the live port when the server has one, else falls back to /ws",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const livePort = freePort();
  const server = await startHopwatch(FIXTURE, 60_000, { live: { port: livePort } });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const urls: string[] = [];
    const frames: string[] = [];
    page.on("websocket", (ws) => {
      urls.push(ws.url());
      ws.on("framereceived", (f) => frames.push(String(f.payload)));
    });
    await page.goto(`${server.base}/#/live`);
    await page.waitForFunction(() => document.body.innerText.length > 0);
    const deadline = Date.now() + 10_000;
    while (!urls.some((u) => u.includes(`:${livePort}/ws`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(urls.some((u) => u === `ws://127.0.0.1:${livePort}/ws?batch=1`), urls.join(", "));
    // A packet reaches the page over the live port.
    await postPacket(server.base, (await advertHex("LivePortNode")).hex);
    const until = Date.now() + 10_000;
    while (!frames.some((f) => f.includes("LivePortNode")) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      frames.some((f) => f.includes("LivePortNode")),
      `no packet over the live port: ${frames.length} frames, ${
        frames.slice(0, 2).join(" | ").slice(0, 300)
      }`,
    );
    await page.close();

    // A live port the browser cannot reach: the page falls back to its own origin.
    const fallback = await browser.newPage();
    const tried: string[] = [];
    fallback.on("websocket", (ws) => tried.push(ws.url()));
    const dead = freePort();
    await fallback.route("**/api/live", (route) =>
      route.fulfill({
        contentType: "application/json",
        body: JSON.stringify({ port: dead, mainPortWs: true, path: "/ws" }),
      }));
    await fallback.goto(`${server.base}/#/live`);
    const main = `${server.base.replace("http:", "ws:")}/ws?batch=1`;
    const end = Date.now() + 15_000;
    while (!tried.includes(main) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(tried.includes(`ws://127.0.0.1:${dead}/ws?batch=1`), tried.join(", "));
    assert.ok(tried.includes(main), `no fallback to ${main}: ${tried.join(", ")}`);
    await fallback.close();

    // A live port that takes the connection and never answers (a firewall that drops packets
    // hangs the same way): the page gives it up after its open timeout and falls back.
    const silent = Deno.listen({ port: 0, hostname: "127.0.0.1" });
    const held: Deno.Conn[] = [];
    void (async () => {
      for await (const c of silent) held.push(c);
    })().catch(() => {});
    try {
      const hung = await browser.newPage();
      const seen: string[] = [];
      hung.on("websocket", (ws) => seen.push(ws.url()));
      const silentPort = (silent.addr as Deno.NetAddr).port;
      await hung.route("**/api/live", (route) =>
        route.fulfill({
          contentType: "application/json",
          body: JSON.stringify({ port: silentPort, mainPortWs: true, path: "/ws" }),
        }));
      await hung.goto(`${server.base}/#/live`);
      const stop = Date.now() + 20_000;
      while (!seen.includes(main) && Date.now() < stop) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(seen.includes(`ws://127.0.0.1:${silentPort}/ws?batch=1`), seen.join(", "));
      assert.ok(held.length > 0, "the page never reached the silent port");
      assert.ok(seen.includes(main), `no fallback from a silent port: ${seen.join(", ")}`);
      await hung.close();
    } finally {
      for (const c of held) c.close();
      silent.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
});
