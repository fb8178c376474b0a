/**
 * The node list's body bytes: reused while every piece and the tail are the same, rebuilt (and
 * byte-correct) when one piece or the tail changes, bounded in queries. And a relay that never
 * relayed keeps one relay object, so its text is not rebuilt on every request.
 */
import assert from "node:assert/strict";
import { NodeListBodies } from "../../src/api/node_list_body.ts";
import { key, newStore } from "../store/helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("node list body: reused while nothing changed, rebuilt exactly when a piece or the tail did", () => {
  const bodies = new NodeListBodies(2);
  const a = enc.encode('{"k":"a"}');
  const b = enc.encode('{"k":"é"}');
  const tail = '],"total":2,"counts":{"repeater":2}}';
  const first = bodies.body("q1", [a, b], tail);
  assert.equal(dec.decode(first), `{"nodes":[{"k":"a"},{"k":"é"}${tail}`);
  assert.deepEqual(JSON.parse(dec.decode(first)).nodes, [{ k: "a" }, { k: "é" }]);
  assert.equal(bodies.body("q1", [a, b], tail), first, "same pieces: same body");
  assert.equal(bodies.built, 1);

  // A piece with equal bytes but another array counts as changed (identity is the contract).
  const b2 = enc.encode('{"k":"b"}');
  const second = bodies.body("q1", [a, b2], tail);
  assert.notEqual(second, first);
  assert.equal(dec.decode(second), `{"nodes":[{"k":"a"},{"k":"b"}${tail}`);
  assert.equal(dec.decode(first), `{"nodes":[{"k":"a"},{"k":"é"}${tail}`, "old body untouched");

  const tail2 = '],"total":3,"counts":{"repeater":3}}';
  assert.equal(
    dec.decode(bodies.body("q1", [a, b2], tail2)),
    `{"nodes":[{"k":"a"},{"k":"b"}${tail2}`,
  );
  assert.equal(
    dec.decode(bodies.body("empty", [], '],"total":0,"counts":{}}')),
    '{"nodes":[],"total":0,"counts":{}}',
  );
  assert.equal(bodies.built, 4);

  // At most two queries are kept: a third drops the least recently used.
  const q1 = bodies.body("q1", [a, b2], tail2);
  bodies.body("q3", [a], tail);
  assert.equal(bodies.body("q1", [a, b2], tail2), q1, "q1 was used last, so kept");
  const built = bodies.built;
  bodies.body("empty", [], '],"total":0,"counts":{}}');
  assert.equal(bodies.built, built + 1, "the empty query was dropped");
});

Deno.test("relay info: a node with no relay list answers one shared object, frozen", () => {
  const { store, nodes } = newStore();
  const id = nodes.intern(key(9, 0x42));
  const now = Date.now();
  const a = store.relayInfo(id, now);
  const b = store.relayInfo(id, now + 60_000);
  assert.equal(a, b);
  assert.deepEqual({ ...a }, {
    lastRelayedMs: 0,
    count1h: 0,
    count24h: 0,
    unscopedCount24h: 0,
    scopes: [],
  });
  assert.throws(() => (a.scopes as string[]).push("x"), TypeError);
});
