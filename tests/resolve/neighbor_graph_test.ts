import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { NeighborGraph } from "../../src/resolve/neighbor_graph.ts";
import { loadGraph, saveGraph, toRfc3339 } from "../../src/resolve/graph_persistence.ts";
import { fullKey, T0_MS } from "./helpers.ts";

const DAY = 86_400_000;
const FIXTURE = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url);

const EDGE_TABLE = `CREATE TABLE neighbor_edges (
  node_a TEXT NOT NULL, node_b TEXT NOT NULL, count INTEGER DEFAULT 1, last_seen TEXT,
  PRIMARY KEY (node_a, node_b))`;

Deno.test("neighbor graph: weights decay with a 7-day half-life and accumulate", () => {
  const g = new NeighborGraph();
  assert.equal(g.addEdge(1, 2, T0_MS), true);
  assert.equal(g.weight(1, 2, T0_MS), 1);
  assert.equal(g.weight(2, 1, T0_MS), 1); // undirected
  assert.ok(Math.abs(g.weight(1, 2, T0_MS + 7 * DAY) - 0.5) < 1e-9);
  assert.ok(Math.abs(g.weight(1, 2, T0_MS + 14 * DAY) - 0.25) < 1e-9);
  g.addEdge(2, 1, T0_MS + 7 * DAY); // 0.5 left + 1
  assert.ok(Math.abs(g.weight(1, 2, T0_MS + 7 * DAY) - 1.5) < 1e-9);
  assert.equal(g.count(1, 2), 2);
  // Late evidence (older than the last sighting) adds its decayed value.
  g.addEdge(1, 2, T0_MS);
  assert.ok(Math.abs(g.weight(1, 2, T0_MS + 7 * DAY) - 2) < 1e-9);
  assert.equal(g.weight(1, 3, T0_MS), 0);
  assert.equal(g.addEdge(4, 4, T0_MS), false);
  assert.equal(g.addEdge(-1, 4, T0_MS), false);
  assert.equal(g.size, 1);
  const fast = new NeighborGraph({ halfLifeHours: 1 });
  fast.addEdge(1, 2, 0);
  assert.ok(Math.abs(fast.weight(1, 2, 3600_000) - 0.5) < 1e-9);
  assert.throws(() => new NeighborGraph({ halfLifeHours: 0 }), /Cannot use half-life 0 h/);
});

Deno.test("neighbor graph: evidence from one observation uses unique hops only", () => {
  const g = new NeighborGraph();
  // originator 10, hops [20 unique, 21 inferred, 22 unique, 23 unique], observer 30
  const added = g.addObservation({
    nodeIds: [20, 21, 22, 23],
    unique: [1, 0, 1, 1],
    originatorId: 10,
    observerId: 30,
    nowMs: T0_MS,
  });
  assert.equal(added, 3);
  assert.equal(g.weight(10, 20, T0_MS), 1);
  assert.equal(g.weight(22, 23, T0_MS), 1);
  assert.equal(g.weight(23, 30, T0_MS), 1);
  assert.equal(g.weight(20, 21, T0_MS), 0);
  assert.equal(g.weight(21, 22, T0_MS), 0);
  // Direct routes: neither end is adjacent to a known node.
  const d = new NeighborGraph();
  d.addObservation({
    nodeIds: [20, 22],
    unique: [1, 1],
    originatorId: 10,
    observerId: 30,
    observerHop: -1,
    originatorAdjacent: false,
    nowMs: T0_MS,
  });
  assert.equal(d.size, 1);
  assert.equal(d.weight(20, 22, T0_MS), 1);
  // Zero-hop advert: originator <-> observer.
  const z = new NeighborGraph();
  z.addObservation({ nodeIds: [], unique: [], originatorId: 10, observerId: 30, nowMs: T0_MS });
  assert.equal(z.weight(10, 30, T0_MS), 1);
  assert.deepEqual(z.neighbors(10, T0_MS).map((n) => n.id), [30]);
  assert.equal(z.degree(30), 1);
});

Deno.test("graph persistence: load skips empty node_a rows, save/load round trip", () => {
  const dir = Deno.makeTempDirSync({ prefix: "hw-graph-" });
  try {
    const db = new DatabaseSync(`${dir}/a.db`);
    db.exec(EDGE_TABLE);
    const ins = db.prepare("INSERT INTO neighbor_edges VALUES (?, ?, ?, ?)");
    const k = (p: string) => fullKey(p, 3);
    ins.run(k("aa"), k("bb"), 5, "2026-05-17T18:13:27Z");
    ins.run(k("aa"), k("cc"), 2, "2026-05-16T10:00:00.123Z");
    ins.run("", k("dd"), 9, "2026-05-17T18:00:00Z"); // reference artefact: ignored
    ins.run(k("ee").toUpperCase(), k("ff"), 1, "not a time");
    ins.run("zz-not-hex", k("ff"), 1, "2026-05-17T18:00:00Z");
    const nodes = new NodeDirectory();
    const g = new NeighborGraph();
    assert.deepEqual(loadGraph(db, nodes, g), { loaded: 3, skipped: 2 });
    const aa = nodes.idOf(k("aa"))!, bb = nodes.idOf(k("bb"))!, ee = nodes.idOf(k("ee"))!;
    assert.equal(g.count(aa, bb), 5);
    assert.equal(g.weight(aa, bb, Date.parse("2026-05-17T18:13:27Z")), 5);
    assert.equal(g.count(ee, nodes.idOf(k("ff"))!), 1);
    assert.equal(nodes.idOf(k("dd")), undefined);
    // Nothing changed since the load: a dirty-only save writes nothing.
    assert.equal(saveGraph(db, nodes, g), 0);
    g.addEdge(bb, aa, Date.parse("2026-05-18T00:00:00Z"));
    assert.equal(saveGraph(db, nodes, g), 1);
    const row = db.prepare(
      "SELECT count, last_seen FROM neighbor_edges WHERE node_a = ? AND node_b = ?",
    )
      .get(k("aa"), k("bb"));
    assert.deepEqual({ ...row }, { count: 6, last_seen: "2026-05-18T00:00:00Z" });
    // Full save into a fresh table, then load it back: identical edges.
    const db2 = new DatabaseSync(`${dir}/b.db`);
    db2.exec(EDGE_TABLE);
    assert.equal(saveGraph(db2, nodes, g, { dirtyOnly: false }), 3);
    for (const r of db2.prepare("SELECT node_a, node_b FROM neighbor_edges").all()) {
      assert.ok(String(r.node_a) < String(r.node_b), "node_a <= node_b");
      assert.match(String(r.node_a), /^[0-9a-f]{64}$/);
    }
    const g2 = new NeighborGraph();
    assert.deepEqual(loadGraph(db2, nodes, g2), { loaded: 3, skipped: 0 });
    const dump = (x: NeighborGraph) =>
      [...x.edges()].map((e) => `${e.a}-${e.b}:${e.count}:${toRfc3339(e.lastSeenMs)}`).sort();
    assert.deepEqual(dump(g2), dump(g));
    db.close();
    db2.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("graph persistence: the fixture's 55 empty node_a rows are ignored", () => {
  const dir = Deno.makeTempDirSync({ prefix: "hw-graph-" });
  try {
    Deno.copyFileSync(FIXTURE, `${dir}/f.db`);
    const db = new DatabaseSync(`${dir}/f.db`);
    const nodes = new NodeDirectory();
    const g = new NeighborGraph();
    assert.deepEqual(loadGraph(db, nodes, g), { loaded: 55, skipped: 55 });
    assert.equal(g.size, 55);
    // Saving back (upsert) keeps 110 rows and changes nothing.
    assert.equal(saveGraph(db, nodes, g, { dirtyOnly: false }), 55);
    const n = db.prepare("SELECT COUNT(*) AS n FROM neighbor_edges").get();
    assert.equal(Number(n?.n), 110);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
