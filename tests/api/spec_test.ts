/**
 * `/api/spec` describes exactly the registered routes, and every parameter it
 * lists is accepted by the handler (the same definitions validate requests).
 */

import assert from "node:assert/strict";
import { getJson, makeApp } from "./helpers.ts";

interface Spec {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { parameters: { name: string; in: string; required: boolean }[]; security?: unknown[] }
    >
  >;
}

Deno.test("the OpenAPI paths equal the app's registered API routes", async () => {
  const t = await makeApp();
  try {
    const { status, body } = await getJson(t.app, "/api/spec");
    assert.equal(status, 200);
    const spec = body as Spec;
    assert.match(spec.openapi, /^3\./);
    const fromSpec = new Set<string>();
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const method of Object.keys(ops)) {
        fromSpec.add(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`);
      }
    }
    const fromApp = new Set<string>();
    for (const r of t.app.routes) {
      if (r.method === "ALL" || r.path.endsWith("*")) continue;
      if (!r.path.startsWith("/api/") && r.path !== "/metrics" && r.path !== "/ws") continue;
      fromApp.add(`${r.method} ${r.path}`);
    }
    assert.deepEqual([...fromSpec].sort(), [...fromApp].sort());
    assert.ok(fromSpec.size >= 39, `${fromSpec.size} operations`);
  } finally {
    await t.close();
  }
});

Deno.test("every documented query parameter is accepted; undocumented ones are not", async () => {
  const t = await makeApp();
  try {
    const spec = (await getJson(t.app, "/api/spec")).body as Spec;
    let checked = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      if (!ops.get) continue;
      const url = path.replace(
        /\{([a-z_]+)\}/gi,
        (_m, n) =>
          n === "id"
            ? "09f282f70cc1ff60"
            : n === "hash"
            ? "public"
            : "1000009e310d729534b70faa33a1abe5cd5e45d594f72f786febccbb770b7e74",
      );
      for (const p of ops.get.parameters.filter((x) => x.in === "query")) {
        const res = await getJson(t.app, `${url}?${p.name}=`);
        const err = String((res.body as { error?: string }).error ?? "");
        assert.ok(!err.startsWith("Unknown parameter"), `${url} ${p.name}: ${err}`);
        checked++;
      }
      const bad = await getJson(t.app, `${url}?not_a_documented_param=1`);
      if (ops.get.security) {
        // Key-protected routes refuse an unauthenticated caller before looking at anything else.
        assert.ok(bad.status === 401 || bad.status === 403, `${url}: ${bad.status}`);
        continue;
      }
      assert.equal(bad.status, 400, url);
      assert.match(
        String((bad.body as { error: string }).error),
        /Unknown parameter "not_a_documented_param"/,
      );
    }
    assert.ok(checked > 50, `${checked} parameters`);
  } finally {
    await t.close();
  }
});
