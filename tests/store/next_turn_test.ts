import assert from "node:assert/strict";
import { holdIoTurns, nextTurn } from "../../src/store/next_turn.ts";

Deno.test("holdIoTurns: requests are answered between slices while held, and the pair closes on release", async () => {
  const release = await holdIoTurns();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response("ok"),
  );
  try {
    let loopDone = false;
    let answered = 0;
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
    await release();
  }
  // The test's resource sanitizer fails it if the loopback pair were still open here.
});

Deno.test("holdIoTurns: concurrent yields share a round trip and never wait on each other's byte", async () => {
  const release = await holdIoTurns();
  try {
    let done = 0;
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        for (let k = 0; k < 1 + (i % 4); k++) await nextTurn();
        done++;
      }),
    );
    assert.equal(done, 50);
  } finally {
    await release();
  }
});

/** Sockets this process has open (Linux: the links of /proc/self/fd). */
function openSockets(): number {
  let n = 0;
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${e.name}`).startsWith("socket:")) n++;
    } catch { /* closed while listing */ }
  }
  return n;
}

Deno.test("holdIoTurns: the pair stays open until the last holder released; releasing twice is harmless", async () => {
  const first = await holdIoTurns();
  const second = await holdIoTurns();
  await first();
  await first();
  await nextTurn();
  const before = openSockets();
  assert.ok(before >= 2, `expected the loopback pair open while one holder remains (${before})`);
  await second();
  const after = openSockets();
  assert.equal(after, before - 2);
  // With no holder left a yield still resolves (the digest).
  await nextTurn();
});

Deno.test({
  name: "holdIoTurns without network permission: holding and yielding still work (the digest)",
  permissions: { net: false },
  async fn() {
    const release = await holdIoTurns();
    let turns = 0;
    for (let i = 0; i < 5; i++) {
      await nextTurn();
      turns++;
    }
    await release();
    assert.equal(turns, 5);
  },
});
