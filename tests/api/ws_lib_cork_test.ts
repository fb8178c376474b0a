/**
 * The live port's per-turn corking (`src/api/ws_lib_socket.ts`): every socket sent to in an
 * event-loop turn is corked once and uncorked once in the next turn, each client gets its frames
 * whole and in order, and a socket reset while corked is left out of the uncorking (its
 * connection is gone) without holding the others back.
 *
 * @module
 */

import assert from "node:assert/strict";
import { serve, until } from "./ws_helpers.ts";
import { RawWsClient } from "./raw_ws_client.ts";
import { liveSocketHooks, liveSocketStats, type WsLibSocket } from "../../src/api/ws_lib_socket.ts";

const turn = () => new Promise((r) => setTimeout(r, 0));

Deno.test("each socket sent to in a turn is uncorked once in the next; a reset one is skipped", async () => {
  const opened: WsLibSocket[] = [];
  liveSocketHooks.opened = (s) => void opened.push(s);
  const s = await serve({}, "live");
  const clients = Array.from({ length: 4 }, () => new RawWsClient(false));
  try {
    for (const c of clients) {
      c.keepText = true;
      await c.connect(s.port);
    }
    await until(() => s.t.hub.clientCount === 4 && opened.length === 4);
    let stop = false;
    const runs = clients.map((c) => c.run(() => stop));
    await turn();
    const before = liveSocketStats.uncorks;
    for (let t = 0; t < 3; t++) {
      for (let k = 0; k < 5; k++) {
        s.t.hub.broadcastFrame(`{"type":"packet","data":{"turn":${t},"k":${k}}}`);
      }
      await turn();
    }
    assert.equal(liveSocketStats.uncorks - before, 3 * 4, "one uncork per socket per turn");
    await until(() => clients.every((c) => c.texts.length === 15));
    const expected = Array.from(
      { length: 15 },
      (_, i) => `{"type":"packet","data":{"turn":${Math.floor(i / 5)},"k":${i % 5}}}`,
    );
    for (const c of clients) assert.deepEqual(c.texts, expected);

    // A socket reset in the turn it was corked: not uncorked, the others are, and keep reading.
    const mid = liveSocketStats.uncorks;
    s.t.hub.broadcastFrame(`{"type":"packet","data":"last"}`);
    opened[0].reset();
    await turn();
    assert.equal(liveSocketStats.uncorks - mid, 3);
    await until(() => clients.slice(1).every((c) => c.texts.length === 16));
    stop = true;
    for (const c of clients) c.close();
    await Promise.allSettled(runs);
  } finally {
    liveSocketHooks.opened = undefined;
    await s.stop();
  }
});
