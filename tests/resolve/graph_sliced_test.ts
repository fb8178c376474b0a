import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { NeighborGraph } from "../../src/resolve/neighbor_graph.ts";
import { loadGraph, loadGraphSliced } from "../../src/resolve/graph_persistence.ts";
import { fullKey } from "./helpers.ts";

const EDGE_TABLE = `CREATE TABLE neighbor_edges (
  node_a TEXT NOT NULL, node_b TEXT NOT NULL, count INTEGER DEFAULT 1, last_seen TEXT,
  PRIMARY KEY (node_a, node_b))`;

/** Every edge of a graph as comparable text, keyed by public key (ids differ per directory). */
function edgeSet(g: NeighborGraph, dir: NodeDirectory): string[] {
  const out: string[] = [];
  for (const e of g.edges()) {
    const [a, b] = [dir.keyOf(e.a), dir.keyOf(e.b)].sort();
    out.push(`${a} ${b} ${e.count} ${e.lastSeenMs}`);
  }
  return out.sort();
}

Deno.test("loadGraphSliced builds the graph loadGraph builds, yielding between slices", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hw-graph-sliced-" });
  try {
    const db = new DatabaseSync(`${dir}/a.db`);
    db.exec(EDGE_TABLE);
    const ins = db.prepare("INSERT INTO neighbor_edges VALUES (?, ?, ?, ?)");
    for (let i = 0; i < 200; i++) {
      const a = fullKey((i % 97).toString(16).padStart(2, "0"), 1);
      const b = fullKey(((i * 7 + 3) % 89 + 100).toString(16).padStart(2, "0"), 2);
      ins.run(a, b, 1 + (i % 5), `2026-05-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`);
    }
    ins.run("", fullKey("dd", 3), 9, "2026-05-17T18:00:00Z"); // empty key: skipped
    ins.run("zz-not-hex", fullKey("ff", 3), 1, "2026-05-17T18:00:00Z"); // skipped

    const plainDir = new NodeDirectory();
    const plain = new NeighborGraph();
    const expected = loadGraph(db, plainDir, plain);
    assert.equal(expected.skipped >= 2, true);

    const slicedDir = new NodeDirectory();
    const sliced = new NeighborGraph();
    let turns = 0;
    // sliceMs 0: a turn before every row.
    const got = await loadGraphSliced(db, slicedDir, sliced, 0, async () => {
      turns++;
      await Promise.resolve();
    });
    assert.deepEqual(got, expected);
    assert.equal(turns, 202);
    assert.deepEqual(edgeSet(sliced, slicedDir), edgeSet(plain, plainDir));
    assert.equal(sliced.size, plain.size);
    // Loaded edges are clean, as after loadGraph: nothing to save.
    assert.equal([...sliced.edges({ dirtyOnly: true })].length, 0);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
