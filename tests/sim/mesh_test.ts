import assert from "node:assert/strict";
import { buildMesh } from "../../src/sim/mesh.ts";
import { distanceKm } from "../../src/sim/geo.ts";
import { Router, UNREACHED } from "../../src/sim/routing.ts";
import { Prng } from "../../src/sim/prng.ts";

const mesh = await buildMesh("M", 11);

Deno.test("mesh: deterministic identities and layout per seed", async () => {
  const a = await buildMesh("S", 4);
  const b = await buildMesh("S", 4);
  const c = await buildMesh("S", 5);
  assert.deepEqual(
    a.nodes.map((n) => [n.keyHex, n.name, n.lat, n.lon, n.role]),
    b.nodes.map((n) => [n.keyHex, n.name, n.lat, n.lon, n.role]),
  );
  assert.notDeepEqual(a.nodes.map((n) => n.keyHex), c.nodes.map((n) => n.keyHex));
  const sig = new Uint8Array(
    await crypto.subtle.sign("Ed25519", a.nodes[0].privateKey, new Uint8Array(3)),
  );
  const pub = await crypto.subtle.importKey(
    "raw",
    a.nodes[0].publicKey.slice(),
    { name: "Ed25519" },
    false,
    ["verify"],
  );
  assert.equal(await crypto.subtle.verify("Ed25519", pub, sig, new Uint8Array(3)), true);
});

Deno.test("mesh: roles, map box, hop sizes and 1-byte prefix collisions", () => {
  const count = (role: string) => mesh.nodes.filter((n) => n.role === role).length;
  assert.equal(count("repeater"), 720);
  assert.equal(count("room"), 60);
  assert.ok(count("sensor") > 0 && count("companion") > 300);
  for (const n of mesh.nodes) {
    assert.ok(n.lat >= 37 && n.lat <= 38.5 && n.lon >= -122.6 && n.lon <= -121.5, n.name);
    assert.ok(new TextEncoder().encode(n.name).length <= 32);
  }
  const sizes = [1, 2, 3].map((s) =>
    mesh.nodes.filter((n) => n.hashSize === s).length / mesh.nodes.length
  );
  assert.ok(sizes[0] > 0.75 && sizes[1] > 0.05 && sizes[2] > 0.005, `${sizes}`);
  const first = new Map<string, number>();
  for (const n of mesh.nodes) {
    first.set(n.keyHex.slice(0, 2), (first.get(n.keyHex.slice(0, 2)) ?? 0) + 1);
  }
  assert.ok(Math.max(...first.values()) >= 5, "many nodes share a first byte");
  assert.equal(mesh.observers.length, 20);
  assert.ok(mesh.observers.some((o) => o.canRelay) && mesh.observers.some((o) => !o.canRelay));
  mesh.observers.forEach((o, i) => {
    assert.equal(o.rowid, i + 1);
    assert.equal(o.id, mesh.nodes[o.node].keyHex.toUpperCase());
  });
});

Deno.test("mesh: relay graph is connected with LoRa-range links", () => {
  const tree = new Router(mesh, 11).tree(mesh.relays[0], 0);
  // Depth ignores the forwarding mask only for the root's neighbours, so walk the adjacency instead.
  const seen = new Uint8Array(mesh.relays.length);
  const stack = [0];
  seen[0] = 1;
  while (stack.length) {
    const r = stack.pop()!;
    for (let k = mesh.relayAdjStart[r]; k < mesh.relayAdjStart[r + 1]; k++) {
      const x = mesh.relayAdj[k];
      if (!seen[x]) {
        seen[x] = 1;
        stack.push(x);
      }
    }
  }
  assert.equal(seen.reduce((a, b) => a + b, 0), mesh.relays.length);
  assert.ok(tree.depth.filter((d) => d !== UNREACHED).length > mesh.relays.length * 0.8);
  const dists: number[] = [];
  for (const r of mesh.relays) {
    for (const nb of mesh.nodes[r].neighbors) {
      if (nb > r && mesh.nodes[nb].relay) {
        const a = mesh.nodes[r], b = mesh.nodes[nb];
        dists.push(distanceKm(a.lat, a.lon, b.lat, b.lon));
        assert.ok(mesh.isLink(r, nb) && mesh.isLink(nb, r));
      }
    }
  }
  dists.sort((x, y) => x - y);
  const median = dists[dists.length >> 1];
  assert.ok(median > 5 && median < 30, `median link ${median} km`);
  assert.ok(dists[dists.length - 1] < 60);
  assert.equal(mesh.isLink(mesh.relays[0], mesh.relays[0]), false);
});

Deno.test("router: trees are pure functions of (seed, origin, variant)", () => {
  const a = new Router(mesh, 11, 1); // a tiny cache: every lookup recomputes
  const b = new Router(mesh, 11);
  const rng = new Prng(1);
  for (let i = 0; i < 50; i++) {
    const o = rng.int(mesh.nodes.length), v = rng.int(4);
    assert.deepEqual(a.tree(o, v), b.tree(o, v));
  }
  const o = mesh.nodes.find((n) => !n.relay)!.index;
  const d = mesh.relays[mesh.relays.length - 1];
  const route = b.route(o, d, 0);
  if (route) {
    for (let i = 1; i < route.length; i++) assert.ok(mesh.isLink(route[i - 1], route[i]));
    if (route.length) {
      assert.ok(mesh.isLink(o, route[0]) && mesh.isLink(route[route.length - 1], d));
    }
  }
});
