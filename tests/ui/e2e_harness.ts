/**
 * E2E helpers: start the real hopwatch on a copy of a database, launch the
 * system Chromium through playwright-core, and build hostile packets.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  buildAdvertPayload,
  buildGroupTextPayload,
  bytesToHex,
  encodePacket,
  hashtagChannelKey,
  PAYLOAD,
  PUBLIC_CHANNEL_KEY,
  ROUTE,
} from "../../src/meshcore/encode.ts";

/** Path of the system Chromium. */
export const CHROMIUM = "/usr/bin/chromium";
/** The API key written into the test config. */
export const API_KEY = "e2e-ui-test-key-0123456789abcdef";
/** Project root. */
export const ROOT = new URL("../../", import.meta.url);
/** The captured CoreScope database (read-only; the tests' servers work on copies). */
export const FIXTURE = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url);
/** Where the browser tests write their screenshots. */
export const SHOTS = new URL("test-output/screenshots/", ROOT);
/** Two areas for the area tests: around the fixture's Paso Robles nodes, and the Bay Area. */
export const TEST_AREAS = {
  PASO: {
    label: "Paso Robles",
    polygon: [[35.3, -121.0], [35.3, -120.3], [35.9, -120.3], [35.9, -121.0]],
  },
  BAY: {
    label: "Bay Area",
    polygon: [[37.2, -122.7], [37.2, -121.5], [38.2, -121.5], [38.2, -122.7]],
  },
};

/** Whether Chromium is installed (the browser tests are skipped otherwise). */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** Launches headless Chromium with the project's standard flags. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A running hopwatch subprocess. */
export interface Server {
  base: string;
  dir: string;
  stop(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Copies `db` to a temp dir and starts `main.ts` on it; resolves when /api/healthz is ready. */
export async function startHopwatch(
  db: URL | string,
  timeoutMs = 60_000,
  extraConfig: Record<string, unknown> = {},
): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "hopwatch-e2e-" });
  const copy = `${dir}/e2e.db`;
  await Deno.copyFile(db, copy);
  const cfg = `${dir}/config.json`;
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({
      apiKey: API_KEY,
      hashChannels: ["#test"],
      map: { tiles: { url: "", darkUrl: "" } },
      ...extraConfig,
    }),
  );
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "main.ts",
      "--config",
      cfg,
      "--db",
      copy,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--log-level",
      "warn",
    ],
    cwd: ROOT.pathname,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const errPump = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (s) => void (stderr = (stderr + s).slice(-4000)) }),
  ).catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await errPump;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const t0 = Date.now();
  let exited = false;
  child.status.then(() => (exited = true));
  while (Date.now() - t0 < timeoutMs) {
    if (exited) break;
    try {
      const r = await fetch(`${base}/api/healthz`);
      await r.body?.cancel();
      if (r.ok) return { base, dir, stop };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  const why = exited ? "the server exited" : `not ready in ${timeoutMs} ms`;
  throw new Error(`Cannot start hopwatch for the E2E test: ${why}\n${stderr}`);
}

/** Posts a raw packet through the protected ingest endpoint. */
export async function postPacket(
  base: string,
  hex: string,
  observer?: string,
): Promise<{ id: unknown; decoded: unknown }> {
  const r = await fetch(`${base}/api/packets`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
    body: JSON.stringify({ hex, observer, snr: 7.25, rssi: -88 }),
  });
  const body = await r.json();
  if (!r.ok) {
    throw new Error(`Cannot post packet ${hex.slice(0, 16)}…: ${r.status} ${JSON.stringify(body)}`);
  }
  return body;
}

/** A signed flood ADVERT named `name` at a location; returns its hex and public key. */
export async function advertHex(name: string, role = "companion", lat = 37.5, lon = -122.1) {
  const kp = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
  const payload = await buildAdvertPayload({
    privateKey: kp.privateKey,
    publicKey,
    timestamp: Math.floor(Date.now() / 1000),
    role,
    lat,
    lon,
    name,
  });
  const hex = bytesToHex(
    encodePacket({
      routeType: ROUTE.FLOOD,
      payloadType: PAYLOAD.ADVERT,
      hashSize: 1,
      hops: ["7D", "4A"],
      payload,
    }),
  );
  return { hex, publicKey: bytesToHex(publicKey).toLowerCase() };
}

/** A flood GRP_TXT on the public channel (or a hashtag channel) with `sender: text`. */
export function channelHex(sender: string, text: string, channel?: string): string {
  const key = channel ? hashtagChannelKey(channel) : PUBLIC_CHANNEL_KEY;
  const payload = buildGroupTextPayload(key, {
    timestamp: Math.floor(Date.now() / 1000),
    flags: 0,
    text: `${sender}: ${text}`,
  });
  return bytesToHex(
    encodePacket({
      routeType: ROUTE.FLOOD,
      payloadType: PAYLOAD.GRP_TXT,
      hashSize: 1,
      hops: ["7D"],
      payload,
    }),
  );
}

/** Console messages that are not page faults (the browser asks for a favicon). */
const BENIGN_CONSOLE = [/favicon/i];

/**
 * Collects a page's faults into `errors`: console errors (but a favicon
 * request), uncaught exceptions and dialogs (an injected `alert()` opens one;
 * it is dismissed).
 */
export function watchPage(page: Page, errors: string[]): void {
  page.on("console", (m) => {
    if (m.type() === "error" && !BENIGN_CONSOLE.some((re) => re.test(m.text()))) {
      errors.push(`${page.url()}: ${m.text()} ${JSON.stringify(m.location().url)}`);
    }
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: pageerror ${e.message}`));
  page.on("dialog", (d) => {
    errors.push(`${page.url()}: DIALOG ${d.message()}`);
    d.dismiss().catch(() => {});
  });
}

/** Asserts that no hostile string became markup (an image, inline script, handler or link). */
export async function assertNoInjected(page: Page, where: string): Promise<void> {
  const n = await page.evaluate(() =>
    document.querySelectorAll(
      'img[src="x"], script:not([src]), [onerror], a[href^="javascript:" i]',
    ).length
  );
  assert.equal(n, 0, `injected markup on ${where}`);
}
