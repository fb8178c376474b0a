import assert from "node:assert/strict";
import { misjoinedQuery } from "../../src/api/app.ts";
import { makeApp } from "./helpers.ts";

Deno.test("a query joined with & instead of ? is redirected to the proper URL", async () => {
  const t = await makeApp();
  try {
    // CoreScope's prefix tool with a region selected asks for exactly this.
    const res = await t.app.request("/api/analytics/hash-sizes&region=MRY");
    assert.equal(res.status, 308);
    const to = res.headers.get("location") ?? "";
    assert.match(to, /\/api\/analytics\/hash-sizes\?region=MRY$/);
    await res.body?.cancel();
    const followed = await t.app.request(new URL(to, "http://x").pathname + "?region=MRY");
    assert.equal(followed.status, 200);
    await followed.body?.cancel();
    const plain = await t.app.request("/api/no-such-route&x");
    assert.equal(plain.status, 404);
    await plain.body?.cancel();
    const post = await t.app.request("/api/analytics/hash-sizes&region=MRY", { method: "POST" });
    assert.equal(post.status, 404);
    await post.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("misjoinedQuery leaves well-formed and odd URLs alone", () => {
  assert.equal(misjoinedQuery("http://h/api/a&b=1&c=2"), "/api/a?b=1&c=2");
  assert.equal(misjoinedQuery("http://h/api/a?b=1"), null);
  assert.equal(misjoinedQuery("http://h/api/a&b=1?c=2"), null);
  assert.equal(misjoinedQuery("http://h/api/a&&"), null);
  assert.equal(misjoinedQuery("http://h/api/a"), null);
});
