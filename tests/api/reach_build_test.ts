// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { getJson, makeApp } from "./helpers.ts";
import { buildReach } from "../../src/store/reach_build.ts";

Deno.test("reach: answered by the scan while the index builds, by the index after, with the same answer", async () => {
  const t = await makeApp();
  try {
    const store = t.stack.store;
    assert.equal(store.reach.ready, false, "the load leaves the reach index to the build");
    const relays = [...t.stack.nodes.values()].filter((n) => n.role === "repeater");
    const urls = relays.flatMap((n) =>
      [1, 7, 30].map((d) => `/api/nodes/${n.publicKey}/reach?days=${d}`)
    );
    const before = new Map<string, any>();
    for (const u of urls) {
      const r = await getJson(t.app, u);
      assert.equal(r.status, 200, u);
      const b = r.body as any;
      assert.ok(b.scan && typeof b.scan.examined === "number", `${u} answered by the scan`);
      assert.ok(b.scan.examined < b.scan.limit, "the scan read everything (nothing truncated)");
      before.set(u, b);
    }
    assert.ok(
      [...before.values()].some((b) => b.links.length > 0 && b.direct_observers.length > 0),
      "the fixture has links and direct observers",
    );
    let during = 0;
    const r = await buildReach(store, {
      maxSliceMs: 0,
      pauseMs: 0,
      batchSize: 200,
      afterPause: async () => {
        const u = urls[during++ % urls.length];
        const b = (await getJson(t.app, u)).body as any;
        assert.ok(b.scan, `${u} during the build: the scan`);
        assert.deepEqual(b, before.get(u));
      },
    });
    assert.equal(r.state, "done");
    assert.ok(during > 0, "requests were answered during the build");
    assert.equal(store.reach.ready, true);
    assert.equal(r.unreadable, 0);
    for (const u of urls) {
      const b = (await getJson(t.app, u)).body as any;
      assert.equal(b.scan, undefined, `${u} after the build: the index`);
      const { scan: _, ...want } = before.get(u);
      assert.deepEqual(b, want, `${u}: the index answers what the scan answered`);
    }
  } finally {
    await t.close();
  }
});
