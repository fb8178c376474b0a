/**
 * hopwatch's resolver against the reference's stored `resolved_path` in the
 * CoreScope fixture. Every disagreement is printed with hopwatch's evidence.
 *
 * Finding (checked below): the reference's picks on hops that are ambiguous
 * among relay-capable nodes are reproduced almost exactly by its own guess
 * tiers (geo-centroid proximity, then the GPS node with the most adverts,
 * data-model §6C tiers 3-4), i.e. they carry no evidence. hopwatch answers
 * "unknown" there by design, so agreement over *all* reference-resolved hops
 * cannot reach 98 % without guessing; agreement where both name a node can.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { HopResolver } from "../../src/resolve/resolver.ts";
import { loadGraph } from "../../src/resolve/graph_persistence.ts";
import { loadDirectoryFromDb, replayObservations } from "../../src/resolve/db_replay.ts";

const FIXTURE = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url);

interface Tally {
  refResolved: number;
  agree: number;
  weUnknown: number;
  differ: number;
  bothResolved: number;
  extra: number;
  byLabel: Record<string, number>;
}

/** Replays the fixture through a resolver with `minConfidence`; returns the tally and the report. */
function compare(minConfidence?: number): { t: Tally; lines: string[]; rows: number } {
  const tmp = Deno.makeTempDirSync({ prefix: "hw-fixture-" });
  try {
    Deno.copyFileSync(FIXTURE, `${tmp}/f.db`);
    const db = new DatabaseSync(`${tmp}/f.db`);
    const dir = new NodeDirectory();
    assert.equal(loadDirectoryFromDb(db, dir), 200);
    const resolver = new HopResolver(dir, minConfidence === undefined ? {} : { minConfidence });
    assert.deepEqual(loadGraph(db, dir, resolver.graph), { loaded: 55, skipped: 55 });
    const name = (id: number) => `${dir.keyOf(id).slice(0, 8)}(${dir.get(id)?.name ?? "?"})`;
    const t: Tally = {
      refResolved: 0,
      agree: 0,
      weUnknown: 0,
      differ: 0,
      bothResolved: 0,
      extra: 0,
      byLabel: {},
    };
    const lines: string[] = [];
    let rows = 0;
    // Streams in time order, learning as ingest would (TRACE rows are skipped:
    // their path_json holds SNR bytes, wire §8.1).
    for (const row of replayObservations(db, dir)) {
      const { path, evidence } = resolver.explainPath(
        row.hops,
        row.hashSize,
        row.hopCount,
        row.ctx,
      );
      resolver.learn(path, row.ctx);
      if (row.hopCount === 0) continue;
      rows++;
      const hopsHex = JSON.parse(row.pathJson) as string[];
      const ref = row.resolvedPath ? JSON.parse(row.resolvedPath) as (string | null)[] : null;
      const refOk = ref !== null && ref.length === row.hopCount && ref.some((k) => k !== null);
      for (let i = 0; i < row.hopCount; i++) {
        const mine = path.nodeIds[i];
        if (mine >= 0) {
          assert.ok(
            dir.keyOf(mine).startsWith(hopsHex[i].toLowerCase()),
            "named node has the prefix",
          );
        }
        const theirs = refOk ? ref![i] : null;
        if (!theirs) {
          if (mine >= 0) t.extra++;
          continue;
        }
        t.refResolved++;
        if (mine >= 0) t.bothResolved++;
        if (mine >= 0 && dir.keyOf(mine) === theirs) {
          t.agree++;
          continue;
        }
        if (mine < 0) t.weUnknown++;
        else t.differ++;
        t.byLabel[path.labels[i]] = (t.byLabel[path.labels[i]] ?? 0) + 1;
        const refId = dir.idOf(theirs);
        lines.push(
          `obs ${row.observationId} hop ${i}/${row.hopCount} ${hopsHex[i]}: hopwatch ${
            mine >= 0 ? name(mine) : "unknown"
          } [${path.labels[i]} ${path.confidence[i].toFixed(2)}], reference ${
            refId === undefined ? theirs.slice(0, 8) : name(refId)
          }`,
        );
        for (const e of evidence[i]) {
          const anchors = e.anchors.map((a) =>
            `${name(a.id)} w=${a.weight.toFixed(1)} ${Number.isNaN(a.km) ? "?" : a.km.toFixed(0)}km`
          ).join(", ");
          lines.push(
            `    ${name(e.id)} p=${e.score.toFixed(3)}${e.rejected ? ` ${e.rejected}` : ""}` +
              (anchors ? ` | ${anchors}` : " | no resolved neighbour"),
          );
        }
      }
    }
    db.close();
    return { t, lines, rows };
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}

Deno.test("fixture agreement: hopwatch vs the reference's resolved_path, hop by hop", () => {
  const { t, lines, rows } = compare();
  const all = t.agree / t.refResolved;
  const both = t.agree / t.bothResolved;
  console.log(lines.join("\n"));
  console.log(
    `fixture: ${rows} paths, reference resolved ${t.refResolved} hops; hopwatch agrees on ` +
      `${t.agree} (${(all * 100).toFixed(1)} % of them; ${(both * 100).toFixed(1)} % of the ` +
      `${t.bothResolved} both name), unknown on ${t.weUnknown} ${JSON.stringify(t.byLabel)}, ` +
      `differs on ${t.differ}, names ${t.extra} hops the reference left null`,
  );
  assert.equal(t.refResolved, 2166); // 2,172 non-null keys minus 6 in TRACE rows
  assert.ok(both >= 0.98, `agreement where both resolve ${both}`);
  assert.ok(all >= 0.85, `agreement over the reference's hops ${all}`);
});

Deno.test("fixture finding: a lower confidence threshold buys agreement only with extra disagreements", () => {
  // The hops hopwatch leaves unknown at the default 0.9 are where the evidence is weak. Naming
  // them anyway (lower thresholds) agrees with the reference on only about 70 % of the extra hops:
  // the reference's answers there are guesses, and so would hopwatch's be.
  const rows: string[] = [];
  let prev: Tally | null = null;
  let base: Tally | null = null;
  for (const mc of [0.9, 0.8, 0.7, 0.6, 0.5]) {
    const { t } = compare(mc);
    rows.push(
      `minConfidence ${mc}: agree ${t.agree} (${(t.agree / t.refResolved * 100).toFixed(1)} %), ` +
        `differ ${t.differ}, unknown ${t.weUnknown}`,
    );
    if (prev) {
      assert.ok(t.agree >= prev.agree && t.differ >= prev.differ, "monotone in the threshold");
    }
    prev = t;
    base ??= t;
    if (mc === 0.5) {
      const gained: number = t.agree - base!.agree;
      const lost: number = t.differ - base!.differ;
      rows.push(`0.9 -> 0.5: +${gained} agreements, +${lost} disagreements`);
      assert.ok(gained > 0 && lost > 0);
      assert.ok(gained / (gained + lost) < 0.85, "the extra names are weak guesses");
      assert.ok(t.agree / t.refResolved < 0.98, "98 % of the reference's hops needs its guesses");
    }
  }
  console.log(rows.join("\n"));
});

Deno.test("fixture finding: the reference's picks on ambiguous hops are its guess tiers", () => {
  const db = new DatabaseSync(FIXTURE.pathname, { readOnly: true });
  const nodes = db.prepare("SELECT public_key, role, lat, lon, advert_count FROM nodes").all()
    .map((r) => ({
      key: String(r.public_key),
      relay: r.role === "repeater" || r.role === "room",
      gps: r.lat != null && r.lon != null && !(Number(r.lat) === 0 && Number(r.lon) === 0)
        ? [Number(r.lat), Number(r.lon)]
        : null,
      adverts: Number(r.advert_count ?? 0),
    }));
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const rows = db.prepare(
    `SELECT o.path_json, o.resolved_path, t.from_pubkey, LOWER(ob.id) AS observer
       FROM observations o JOIN transmissions t ON t.id = o.transmission_id
       LEFT JOIN observers ob ON ob.rowid = o.observer_idx
      WHERE t.payload_type <> 9 AND o.resolved_path IS NOT NULL`,
  ).all();
  let ambiguous = 0, reproduced = 0;
  for (const r of rows) {
    const hopsHex = JSON.parse(String(r.path_json)) as string[];
    const ref = JSON.parse(String(r.resolved_path)) as (string | null)[];
    if (ref.length !== hopsHex.length) continue;
    hopsHex.forEach((hop, i) => {
      const cands = nodes.filter((n) => n.relay && n.key.startsWith(hop.toLowerCase()));
      if (cands.length < 2 || !ref[i]) return;
      ambiguous++;
      const ctx = [r.observer, r.from_pubkey, i > 0 ? ref[i - 1] : null]
        .map((k) => (k ? byKey.get(String(k))?.gps : null))
        .filter((g): g is number[] => !!g);
      const withGps = cands.filter((c) => c.gps);
      let pick: string;
      if (ctx.length && withGps.length) { // tier 3: nearest to the centroid
        const cy = ctx.reduce((s, g) => s + g[0], 0) / ctx.length;
        const cx = ctx.reduce((s, g) => s + g[1], 0) / ctx.length;
        const d = (c: typeof cands[0]) => (c.gps![0] - cy) ** 2 + (c.gps![1] - cx) ** 2;
        pick = withGps.reduce((a, b) => (d(b) < d(a) ? b : a)).key;
      } else { // tier 4/5: most adverts (GPS first), smallest key on ties
        const pool = withGps.length ? withGps : cands;
        pick = pool.sort((a, b) => b.adverts - a.adverts || (a.key < b.key ? -1 : 1))[0].key;
      }
      if (pick === ref[i]) reproduced++;
    });
  }
  db.close();
  console.log(
    `reference picks on ${ambiguous} relay-ambiguous hops: ${reproduced} are its guess tiers`,
  );
  assert.ok(ambiguous > 300);
  assert.ok(reproduced / ambiguous >= 0.95, `${reproduced}/${ambiguous}`);
});
