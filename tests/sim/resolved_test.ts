import assert from "node:assert/strict";
import { buildMesh } from "../../src/sim/mesh.ts";
import { EdgeBuilder, ResolvedPaths, UNRESOLVED_SHARE } from "../../src/sim/resolved.ts";

const mesh = await buildMesh("M", 3);

/** A linked relay pair (a, b) with another relay c sharing b's first byte and linked to a. */
function ambiguousPair(): [number, number] | undefined {
  const relays = mesh.nodes.filter((n) => n.relay);
  for (const a of relays) {
    for (const b of a.neighbors) {
      if (!mesh.nodes[b].relay) continue;
      const twin = relays.find((c) =>
        c.index !== b && c.index !== a.index && mesh.hopHex(c.index, 1) === mesh.hopHex(b, 1) &&
        mesh.isLink(c.index, a.index)
      );
      if (twin) return [a.index, b];
    }
  }
  return undefined;
}

Deno.test("resolved paths: ambiguous 1-byte hops are null, others are the truth", () => {
  const rp = new ResolvedPaths(mesh, 3);
  const pair = ambiguousPair();
  assert.ok(pair, "the M mesh has same-prefix neighbours");
  const [a, b] = pair;
  const observer = mesh.observers[0].node;
  // Find an id that is not in the deliberately unresolved share.
  let id = 1;
  while (rp.resolve(id, [a], 2, observer) === null) id++;
  const r = JSON.parse(rp.resolve(id, [a, b], 1, observer) ?? "null");
  assert.ok(r === null || r[1] === null, "b cannot be told apart from its twin next to a");
  if (r !== null) assert.ok(r[0] === null || r[0] === mesh.nodes[a].keyHex);
  // With 2-byte hops the same pair is (almost surely) unique.
  const r2 = JSON.parse(rp.resolve(id, [a, b], 2, observer)!);
  assert.deepEqual(r2, [mesh.nodes[a].keyHex, mesh.nodes[b].keyHex]);
  assert.equal(rp.resolve(id, [], 1, observer), null);
});

Deno.test("resolved paths: about 10 % are left unresolved", () => {
  const rp = new ResolvedPaths(mesh, 3);
  const relay = mesh.relays[0];
  let nulls = 0;
  for (let id = 1; id <= 10_000; id++) if (rp.resolve(id, [relay], 3, relay) === null) nulls++;
  assert.ok(Math.abs(nulls / 10_000 - UNRESOLVED_SHARE) < 0.01, `${nulls}`);
});

Deno.test("edge builder: unique prefixes only, TRACE ignored, pairs ordered", () => {
  const eb = new EdgeBuilder(mesh);
  const [a, b] = [mesh.relays[0], mesh.nodes[mesh.relays[0]].neighbors[0]];
  const obsNode = mesh.observers[0].node;
  eb.add(4, a, [], 1, obsNode, 100); // zero-hop advert: originator <-> observer
  eb.add(9, a, [b], 3, obsNode, 200); // TRACE: nothing
  eb.add(2, a, [b], 3, obsNode, 300); // observer <-> last hop (3-byte: unique)
  const rows = eb.rows();
  const key = (x: number, y: number) =>
    [mesh.nodes[x].keyHex, mesh.nodes[y].keyHex].sort().join("|");
  const got = new Map(rows.map((r) => [`${r[0]}|${r[1]}`, r]));
  assert.equal(got.get(key(a, obsNode))?.[2], 1);
  assert.equal(got.get(key(b, obsNode))?.[3], 300);
  for (const r of rows) assert.ok(r[0] < r[1]);
  // A 1-byte prefix shared by several nodes gives no edge.
  const shared = mesh.nodes.find((n) =>
    mesh.nodes.some((m) =>
      m.index !== n.index && mesh.hopHex(m.index, 1) === mesh.hopHex(n.index, 1)
    )
  )!;
  assert.equal(eb.uniqueNode(shared.index, 1), -1);
  const before = eb.rows().length;
  eb.add(2, a, [shared.index], 1, obsNode, 400);
  assert.equal(eb.rows().length, before);
});
