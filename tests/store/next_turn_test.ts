import assert from "node:assert/strict";
import { nextTurn } from "../../src/store/next_turn.ts";

Deno.test("nextTurn lets HTTP requests advance on every yield of a loop working in slices", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response("ok"),
  );
  try {
    let loopDone = false;
    let answered = 0;
    // 20 requests one after another: each needs a few event-loop turns. A yield that
    // does not poll I/O (setImmediate, a MessageChannel) lets about one through per
    // 250 ms of slices; a yield that does, one every few slices.
    const client = (async () => {
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`http://127.0.0.1:${server.addr.port}/`);
        assert.equal(await r.text(), "ok");
        if (!loopDone) answered++;
      }
    })();
    const end = performance.now() + 3000;
    while (performance.now() < end && answered < 20) {
      const s = performance.now();
      while (performance.now() - s < 4) { /* a 4 ms slice of work */ }
      await nextTurn();
    }
    loopDone = true;
    await client;
    assert.equal(answered, 20, `only ${answered} of 20 requests answered between the slices`);
  } finally {
    await server.shutdown();
  }
});
