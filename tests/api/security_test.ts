/**
 * Security behaviour: API key handling, body caps on every POST, path
 * traversal, invalid hex, SQL metacharacters in every string parameter of the
 * OpenAPI document, CORS and rate limiting.
 */

import assert from "node:assert/strict";
import { checkApiKey, constantTimeEqual, TokenBuckets } from "../../src/api/security.ts";
import { getJson, makeApp, TEST_KEY, type TestApp } from "./helpers.ts";
import { bytesToHex, encodePacket } from "../../src/meshcore/encode.ts";

type Body = Record<string, unknown>;

/** A valid TXT_MSG packet that is not in the fixture. */
function newPacketHex(seed: number): string {
  return bytesToHex(encodePacket({
    routeType: 1,
    payloadType: 2,
    hashSize: 1,
    hops: ["7D", "DA"],
    payload: Uint8Array.of(0x33, 0x1f, seed & 0xff, 0x42, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4),
  })).toUpperCase();
}

function post(t: TestApp, path: string, body: unknown, headers: Record<string, string> = {}) {
  return t.app.request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

Deno.test("checkApiKey refuses weak keys with a clear message", () => {
  assert.equal(checkApiKey(""), null, "no key configured is allowed (writes answer 403)");
  for (
    const weak of [
      "changeme",
      "your-secret-key",
      "secret",
      "password",
      "admin",
      "test",
      "short-key",
      "aaaaaaaaaaaaaaaaaaaa",
    ]
  ) {
    const msg = checkApiKey(weak);
    assert.ok(msg && msg.startsWith("Cannot use apiKey"), weak);
  }
  assert.equal(checkApiKey(TEST_KEY), null);
  assert.ok(constantTimeEqual("abc", "abc"));
  assert.ok(!constantTimeEqual("abc", "abd"));
  assert.ok(!constantTimeEqual("abc", "abcd"));
});

Deno.test("POST /api/packets: 403 without a usable key, 401 when wrong, inserts when right", async () => {
  for (const apiKey of ["", "changeme"]) {
    const t = await makeApp({ config: { apiKey } });
    try {
      const res = await post(t, "/api/packets", { hex: newPacketHex(1) }, {
        "X-API-Key": apiKey || "x",
      });
      assert.equal(res.status, 403, `configured "${apiKey}"`);
      assert.match((await res.json()).error, /API key/);
    } finally {
      await t.close();
    }
  }
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  try {
    assert.equal((await post(t, "/api/packets", { hex: newPacketHex(2) })).status, 401);
    assert.equal(
      (await post(t, "/api/packets", { hex: newPacketHex(2) }, { "X-API-Key": TEST_KEY + "x" }))
        .status,
      401,
    );
    assert.equal(
      (await post(t, "/api/packets", { hex: "zz" }, { "X-API-Key": TEST_KEY })).status,
      400,
    );
    const ok = await post(t, "/api/packets", {
      hex: newPacketHex(3),
      snr: 4.5,
      rssi: -99,
      observer: "TESTOBS",
    }, {
      "X-API-Key": TEST_KEY,
    });
    assert.equal(ok.status, 201);
    const body = await ok.json();
    assert.equal(typeof body.id, "number");
    assert.ok(body.decoded);
    const detail = await getJson(t.app, `/api/packets/${body.id}`);
    assert.equal(detail.status, 200);
    const obs = (detail.body as { observations: Body[] }).observations;
    assert.equal(obs[0].observer_id, "TESTOBS");
    assert.equal(obs[0].snr, 4.5);
    const count = t.stack.hdb.db.prepare("SELECT COUNT(*) AS n FROM transmissions").get()!.n;
    assert.equal(Number(count), 500, "the row was committed to SQLite");
  } finally {
    await t.close();
  }
});

Deno.test("every POST has a body cap (413), including streamed bodies", async () => {
  const t = await makeApp({ config: { apiKey: TEST_KEY } });
  try {
    const big = JSON.stringify({ hex: "AA".repeat(40_000) });
    for (
      const path of ["/api/packets", "/api/decode", "/api/packets/observations", "/api/unknown"]
    ) {
      const res = await post(t, path, big, { "X-API-Key": TEST_KEY });
      assert.equal(res.status, 413, path);
      assert.match((await res.json()).error, /too large/);
    }
    const decodeCap = await post(t, "/api/decode", JSON.stringify({ hex: "AA".repeat(5000) }));
    assert.equal(decodeCap.status, 413, "decode has its own 8 KB cap");
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 100; i++) c.enqueue(new Uint8Array(1024).fill(65));
        c.close();
      },
    });
    const res = await t.app.request(
      "/api/decode",
      { method: "POST", body: stream, duplex: "half" } as RequestInit,
    );
    assert.equal(res.status, 413);
  } finally {
    await t.close();
  }
});

Deno.test("decode: invalid hex and malformed bodies answer 400; valid packets decode", async () => {
  const t = await makeApp();
  try {
    const bad: unknown[] = [
      { hex: "zz" },
      { hex: "0" },
      { hex: "00" },
      { hex: 1234 },
      { hex: "AA".repeat(300) },
      [],
      "null",
    ];
    for (const b of bad) {
      const res = await post(t, "/api/decode", b);
      assert.equal(res.status, 400, JSON.stringify(b));
      assert.equal(typeof (await res.json()).error, "string");
    }
    assert.equal((await post(t, "/api/decode", "{not json")).status, 400);
    const truncated = await post(t, "/api/decode", { hex: "1506C940" });
    assert.equal(truncated.status, 400);
    const before = t.stack.store.txCount;
    const hex = newPacketHex(9);
    const good = await post(t, "/api/decode", { hex: hex.slice(0, 10) + "\n" + hex.slice(10) });
    assert.equal(good.status, 200);
    const body = await good.json();
    assert.equal(body.decoded.header.payloadTypeName, "TXT_MSG");
    assert.deepEqual(body.decoded.path.hops, ["7D", "DA"]);
    assert.ok(body.breakdown.ranges.length >= 4);
    assert.equal(t.stack.store.txCount, before, "decode stores nothing");
  } finally {
    await t.close();
  }
});

Deno.test("path traversal and odd path segments never reach anything but a JSON error", async () => {
  const t = await makeApp();
  try {
    for (
      const path of [
        "/api/packets/..%2F..%2Fetc%2Fpasswd",
        "/api/packets/%2e%2e%2f%2e%2e",
        "/api/nodes/..%2F..%2Fetc%2Fpasswd",
        "/api/nodes/..%5C..%5Cwindows",
        "/api/observers/..%2F..%2Fetc",
        "/api/traces/..%2F..",
        "/api/../../etc/passwd",
        "/api/packets/%00",
      ]
    ) {
      const res = await t.app.request(path);
      assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`);
      const body = await res.json();
      assert.equal(typeof body.error, "string");
      assert.ok(!JSON.stringify(body).includes("root:"), path);
    }
  } finally {
    await t.close();
  }
});

Deno.test("SQL metacharacters in every string parameter are inert", async () => {
  const t = await makeApp();
  try {
    const spec = (await getJson(t.app, "/api/spec")).body as {
      paths: Record<
        string,
        Record<string, { parameters: { name: string; in: string; schema: { type: string } }[] }>
      >;
    };
    const evil = [
      "' OR 1=1; DROP TABLE transmissions; --",
      '"); DELETE FROM nodes; --',
      "%' UNION SELECT * FROM observers --",
    ];
    let tried = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      const op = ops.get;
      if (!op) continue;
      for (const p of op.parameters) {
        if (p.schema.type !== "string") continue;
        for (const e of evil) {
          const url = p.in === "path"
            ? path.replace(`{${p.name}}`, encodeURIComponent(e)).replace(
              /\{[a-z_]+\}/gi,
              "1".repeat(64),
            )
            : path.replace(
              /\{([a-z_]+)\}/gi,
              (_m, n) => n === "id" ? "09f282f70cc1ff60" : "1".repeat(64),
            ) +
              `?${p.name}=${encodeURIComponent(e)}`;
          const res = await t.app.request(url);
          assert.ok(res.status < 500, `${url}: ${res.status}`);
          await res.body?.cancel();
          tried++;
        }
      }
    }
    assert.ok(tried > 60, `tried ${tried} parameter values`);
    const db = t.stack.hdb.db;
    assert.equal(Number(db.prepare("SELECT COUNT(*) AS n FROM transmissions").get()!.n), 499);
    assert.equal(Number(db.prepare("SELECT COUNT(*) AS n FROM nodes").get()!.n), 200);
  } finally {
    await t.close();
  }
});

Deno.test("CORS is off by default; listed origins get GET/HEAD/OPTIONS only", async () => {
  const preflight = (t: TestApp, origin: string, method = "GET") =>
    t.app.request("/api/stats", {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": method },
    });
  const off = await makeApp();
  try {
    assert.equal((await preflight(off, "https://evil.example")).status, 403);
    const res = await off.app.request("/api/stats", {
      headers: { Origin: "https://evil.example" },
    });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    await res.body?.cancel();
  } finally {
    await off.close();
  }
  const on = await makeApp({ config: { corsAllowedOrigins: ["https://map.example"] } });
  try {
    const ok = await preflight(on, "https://map.example");
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://map.example");
    assert.equal(ok.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
    assert.equal(ok.headers.get("access-control-allow-credentials"), null);
    assert.equal((await preflight(on, "https://evil.example")).status, 403);
    assert.equal((await preflight(on, "https://map.example", "POST")).status, 403);
    const get = await on.app.request("/api/stats", { headers: { Origin: "https://map.example" } });
    assert.equal(get.headers.get("access-control-allow-origin"), "https://map.example");
    await get.body?.cancel();
    const ws = await on.app.request("/ws", {
      headers: { Upgrade: "websocket", Origin: "https://evil.example" },
    });
    assert.equal(ws.status, 403, "WebSocket origin check");
    await ws.body?.cancel();
  } finally {
    await on.close();
  }
});

Deno.test("rate limits: reads are loose, writes strict, 429 with Retry-After", async () => {
  const t = await makeApp({
    config: { rateLimit: { readPerMinute: 8, writePerMinute: 4 }, apiKey: TEST_KEY },
  });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.request("/api/config/map");
      codes.push(res.status);
      if (res.status === 429) assert.ok(Number(res.headers.get("retry-after")) >= 1);
      await res.body?.cancel();
    }
    assert.deepEqual(codes, [200, 200, 429, 429]);
    const w1 = await post(t, "/api/decode", { hex: newPacketHex(5) });
    const w2 = await post(t, "/api/decode", { hex: newPacketHex(5) });
    assert.deepEqual([w1.status, w2.status], [200, 429]);
    await w1.body?.cancel();
    await w2.body?.cancel();
  } finally {
    await t.close();
  }
  let now = 0;
  const buckets = new TokenBuckets({ perMinute: 60, burst: 2 }, () => now);
  assert.deepEqual([buckets.take("a"), buckets.take("a"), buckets.take("b")], [0, 0, 0]);
  assert.equal(buckets.take("a"), 1);
  now += 1000;
  assert.equal(buckets.take("a"), 0, "refilled after a second");
});
