/**
 * Where the live socket connects: the server's live port (`live.port`, told
 * by `/api/live`) when it has one, else the page's own origin (`/ws`). A live
 * port that cannot be reached (a reverse proxy that forwards only the main
 * port, a firewall, TLS in front of the main port only) is given up once it
 * failed to open, and the page's origin is used from then on (until the page
 * reloads), unless the server turned the main port's `/ws` off.
 *
 * @module
 */

import { tryJson } from "./api.ts";

interface LiveInfo {
  port: number | null;
  mainPortWs: boolean;
  path: string;
}

let info: LiveInfo | null = null;
let liveFailures = 0;

/** Reads `/api/live` once (a server without it: the page's origin). */
export async function loadLiveTarget(): Promise<void> {
  info = await tryJson<LiveInfo>("/api/live").catch(() => null);
}

function sameOrigin(): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/ws?batch=1`;
}

/** The URL to connect to now. */
export function liveUrl(): string {
  const port = info?.port;
  if (typeof port !== "number" || (liveFailures > 0 && info?.mainPortWs !== false)) {
    return sameOrigin();
  }
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.hostname}:${port}/ws?batch=1`;
}

/** Reports how a connection to `url` ended: opened, or failed before opening. */
export function liveResult(url: string, opened: boolean): void {
  if (url === sameOrigin()) return;
  liveFailures = opened ? 0 : liveFailures + 1;
}
