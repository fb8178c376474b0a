/**
 * Guard: no in-memory record of the store holds a resolved path.
 *
 * 1. Static: the exported record types and the store's classes (read with
 *    `deno doc --json`) have no field named like a resolved path.
 * 2. Runtime: after loading the fixture (394 stored resolved paths, 2,172
 *    resolved hops), nothing reachable from the store (outside the node
 *    directory, which is the interning table of keys) holds a public key or
 *    a resolved-path string, and the number of JS objects does not grow with
 *    the number of observations (no object per observation).
 */

import assert from "node:assert/strict";
import { newStore, obsInput, openFixtureCopy } from "./helpers.ts";
import { loadStore } from "../../src/store/loader.ts";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { ResolvedPathCache } from "../../src/store/resolved_cache.ts";
import type { PacketStore } from "../../src/store/packet_store.ts";

const RESOLVED = /resolv/i;

/** Record types (held in memory, or built per request) that must never carry a resolved path. */
const RECORD_TYPES = [
  "ObservationView",
  "TransmissionView",
  "GroupedRow",
  "TxChunk",
  "ObsChunk",
  "TxTable",
  "ObsTable",
  "Indexes",
  "IdList",
  "HashIndex",
  "DenseIdMap",
  "ObserverTable",
  "StringInterner",
  "StoreCore",
  "PacketStore",
];

/** Members of the store classes allowed to mention "resolved": the bounded cache and methods. */
const ALLOWED = new Set(["resolvedCache", "resolvedPathsFor", "replaceResolved"]);

Deno.test("static guard: no record type declares a resolved-path field", async () => {
  const files = [
    "types.ts",
    "tx_table.ts",
    "obs_table.ts",
    "indexes.ts",
    "id_list.ts",
    "hash_index.ts",
    "interners.ts",
    "store_core.ts",
    "packet_store.ts",
  ].map((f) => new URL(`../../src/store/${f}`, import.meta.url).pathname);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "--private", ...files],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const found = new Map<string, string[]>();
  for (
    const mod of Object.values(doc.nodes) as {
      symbols: {
        name: string;
        declarations: { kind: string; def: Record<string, { name: string }[]> }[];
      }[];
    }[]
  ) {
    for (const sym of mod.symbols) {
      for (const d of sym.declarations) {
        if (d.kind !== "interface" && d.kind !== "class") continue;
        const names = [
          ...(d.def.properties ?? []).map((p) => p.name),
          ...(d.def.indexSignatures ?? []).map((p) => p.name),
        ];
        const prev = found.get(sym.name) ?? [];
        found.set(sym.name, [...prev, ...names]);
      }
    }
  }
  for (const t of RECORD_TYPES) {
    const props = found.get(t);
    assert.ok(props, `deno doc did not describe ${t}`);
    if (t !== "PacketStore") assert.ok(props.length > 0, `deno doc found no field on ${t}`);
    const bad = props.filter((p) => RESOLVED.test(p) && !ALLOWED.has(p));
    assert.deepEqual(bad, [], `${t} declares ${bad.join(", ")}`);
  }
  // The guard really looks at fields: the cache's own fields are found.
  assert.ok(found.get("StoreCore")!.includes("resolvedCache"));
});

interface Walk {
  objects: number;
  hexStrings: string[];
  resolvedNames: string[];
}

/** Walks everything reachable from `root`, skipping `skip` objects. */
function walk(root: unknown, skip: Set<unknown>): Walk {
  const seen = new Set<unknown>();
  const res: Walk = { objects: 0, hexStrings: [], resolvedNames: [] };
  const stack: [unknown, string][] = [[root, "store"]];
  const key64 = /[0-9a-f]{64}/i;
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      // Observer ids are 64-hex too: one per observer, in the observer table.
      const observerTable = path.startsWith("store.observers.");
      if (!observerTable && key64.test(v) && res.hexStrings.length < 5) {
        res.hexStrings.push(`${path}: ${v.slice(0, 80)}`);
      }
      continue;
    }
    if (v === null || typeof v !== "object" || seen.has(v) || skip.has(v)) continue;
    seen.add(v);
    res.objects++;
    if (ArrayBuffer.isView(v)) continue;
    if (v instanceof Map) {
      for (const [k, x] of v) {
        stack.push([k, `${path}.key`]);
        stack.push([x, `${path}[${String(k).slice(0, 20)}]`]);
      }
      continue;
    }
    if (v instanceof Set || Array.isArray(v)) {
      let i = 0;
      for (const x of v) stack.push([x, `${path}[${i++}]`]);
      continue;
    }
    for (const [k, x] of Object.entries(v)) {
      // A counter named after resolved paths is fine; anything else is not.
      if (RESOLVED.test(k) && !ALLOWED.has(k) && typeof x !== "number") {
        res.resolvedNames.push(`${path}.${k}`);
      }
      stack.push([x, `${path}.${k}`]);
    }
  }
  return res;
}

function skipSet(store: PacketStore): Set<unknown> {
  // The node directory is the key interning table (keys are its job); the cache is checked apart.
  return new Set<unknown>([store.nodes, store.resolvedCache]);
}

Deno.test("runtime guard: after loading the fixture no key or resolved path is held", async () => {
  const { db } = openFixtureCopy();
  const { store, nodes } = newStore();
  const s = await loadStore(db, store, nodes, { workers: 0 });
  assert.equal(s.resolvedPaths, 394);
  assert.ok(store.nodes instanceof NodeDirectory);
  assert.ok(store.resolvedCache instanceof ResolvedPathCache);
  const w = walk(store, skipSet(store));
  assert.deepEqual(w.hexStrings, [], "a 64-hex key is reachable from the store");
  assert.deepEqual(w.resolvedNames, []);
  // The loader does not fill the live window; the LRU is empty until a page asks.
  assert.equal(store.resolvedCache.live.size, 0);
  assert.equal(store.resolvedCache.lru.size, 0);
  // A page fetch fills only the bounded cache.
  db.close();
});

Deno.test("runtime guard: JS objects do not grow with observations", () => {
  const count = (nObs: number) => {
    const { store, nodes } = newStore({ liveWindow: 0 });
    const relays = Array.from(
      { length: 64 },
      (_, i) => nodes.intern(i.toString(16).padStart(64, "a")),
    );
    for (let i = 1; i <= nObs; i++) {
      const tx = Math.ceil(i / 10);
      store.addObservation(
        obsInput({ txId: tx, obsId: i, observer: `O${i % 10}`, hops: [i & 0xff, (i >> 3) & 0xff] }),
        Int32Array.of(relays[i % 64], relays[(i >> 2) % 64]),
      );
    }
    return walk(store, skipSet(store)).objects;
  };
  const small = count(5_000);
  const big = count(50_000);
  // 45,000 more observations (4,500 more transmissions) may add chunks and list arrays, never
  // one object per observation.
  const perObs = (big - small) / 45_000;
  assert.ok(perObs < 0.01, `objects per observation ${perObs.toFixed(4)} (${small} -> ${big})`);
});
