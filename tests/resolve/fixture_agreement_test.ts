/**
 * hopwatch's resolver against the reference's stored `resolved_path` in the
 * CoreScope fixture, hop by hop. Every disagreement is printed with hopwatch's
 * evidence.
 *
 * Findings (each checked below):
 * - The fixture's stored paths are the reference's *live multi-tier* resolver
 *   (data-model §6C), not its conservative one (§6A): the baseline rebuilt from
 *   §6C (`bench/reference_tiers.ts`) reproduces them. On ambiguous hops its
 *   answers are the guess tiers (nearest to a centroid, most adverts); tier 2
 *   never fires here, every `neighbor_edges` count being 1.
 * - Each reference-named hop falls in one class: `evidence` (the only relay
 *   with the prefix), `guess` (several relays share it) or `contradicted` (the
 *   reference's own path is impossible there: the same node twice, or a link
 *   beyond `maxLinkKm` to the observer, the originator or a unique-prefix
 *   neighbour). hopwatch agrees on >= 98 % of the `evidence` hops; on the
 *   others it names a node only where its own evidence is strong, and answers
 *   "unknown" otherwise, by design.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { HopResolver } from "../../src/resolve/resolver.ts";
import { NeighborGraph } from "../../src/resolve/neighbor_graph.ts";
import { loadGraph } from "../../src/resolve/graph_persistence.ts";
import { loadDirectoryFromDb, replayObservations } from "../../src/resolve/db_replay.ts";
import { ReferenceTiers } from "../../bench/reference_tiers.ts";

const FIXTURE = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url);

type HopClass = "evidence" | "guess" | "contradicted";

interface Outcome {
  hops: number;
  agree: number;
  unknown: number;
  differ: number;
}

interface Tally extends Outcome {
  byClass: Record<HopClass, Outcome>;
  /** hopwatch's labels on the hops it does not agree on. */
  byLabel: Record<string, number>;
  /** Reference-named hops the §6C baseline reproduces. */
  baselineSame: number;
  /** ... of them where hopwatch says "unknown" (what a guess fallback would add). */
  baselineSameWhereUnknown: number;
  /** Reference hops that must be wrong: the same node named k times in a path counts k - 1. */
  repeatsWrong: number;
}

const outcome = (): Outcome => ({ hops: 0, agree: 0, unknown: 0, differ: 0 });
const pct = (a: number, b: number) => `${(a / b * 100).toFixed(1)} %`;

/** Replays the fixture through a resolver with `minConfidence`; returns the tally and the report. */
function compare(minConfidence?: number): { t: Tally; lines: string[]; rows: number } {
  const db = new DatabaseSync(FIXTURE.pathname, { readOnly: true });
  const dir = new NodeDirectory();
  assert.equal(loadDirectoryFromDb(db, dir), 200);
  const resolver = new HopResolver(dir, minConfidence === undefined ? {} : { minConfidence });
  assert.deepEqual(loadGraph(db, dir, resolver.graph), { loaded: 55, skipped: 55 });
  // The reference's graph is the stored one; hopwatch's grows as it replays.
  const storedGraph = new NeighborGraph();
  loadGraph(db, dir, storedGraph);
  const baseline = new ReferenceTiers(dir, resolver.table, storedGraph);
  const maxKm = resolver.options.maxLinkKm;
  const name = (id: number) => `${dir.keyOf(id).slice(0, 8)}(${dir.get(id)?.name ?? "?"})`;
  const t: Tally = {
    ...outcome(),
    byClass: { evidence: outcome(), guess: outcome(), contradicted: outcome() },
    byLabel: {},
    baselineSame: 0,
    baselineSameWhereUnknown: 0,
    repeatsWrong: 0,
  };
  const lines: string[] = [];
  let rows = 0;
  // Streams in time order, learning as ingest would (TRACE rows are skipped:
  // their path_json holds SNR bytes, wire §8.1).
  for (const row of replayObservations(db, dir)) {
    const { ctx, hopCount: n, hashSize: size } = row;
    const { path, evidence } = resolver.explainPath(row.hops, size, n, ctx);
    resolver.learn(path, ctx);
    if (n === 0) continue;
    rows++;
    const hopsHex = JSON.parse(row.pathJson) as string[];
    const ref = row.resolvedPath ? JSON.parse(row.resolvedPath) as (string | null)[] : null;
    const refOk = ref !== null && ref.length === n && ref.some((k) => k !== null);
    const refIds = refOk ? ref!.map((k) => (k ? dir.idOf(k) ?? -1 : -1)) : [];
    const named = new Map<string, number>();
    for (const k of refOk ? ref! : []) if (k) named.set(k, (named.get(k) ?? 0) + 1);
    for (const times of named.values()) t.repeatsWrong += times - 1;
    baseline.resolve(row.hops, size, n, {
      observerId: ctx.observerId ?? -1,
      originatorId: ctx.originatorId ?? -1,
      nowMs: ctx.nowMs,
    });
    const flood = ctx.kind === "flood";
    const unique = (i: number) => resolver.table.candidates(row.hops, i * size, size).length === 1;
    const far = (a: number, b: number | undefined) =>
      a >= 0 && b !== undefined && b >= 0 && resolver.table.distanceKm(a, b) > maxKm;
    for (let i = 0; i < n; i++) {
      const mine = path.nodeIds[i];
      if (mine >= 0) {
        assert.ok(
          dir.keyOf(mine).startsWith(hopsHex[i].toLowerCase()),
          "named node has the prefix",
        );
      }
      const theirs = refOk ? ref![i] : null;
      if (!theirs) {
        assert.equal(
          mine,
          -1,
          `obs ${row.observationId} hop ${i}: named where the reference is null`,
        );
        continue;
      }
      const me = refIds[i];
      const cls: HopClass = named.get(theirs)! > 1 ||
          (i === 0 && flood && far(me, ctx.originatorId)) ||
          (i === n - 1 && flood && far(me, ctx.observerId)) ||
          (i > 0 && unique(i - 1) && far(me, refIds[i - 1])) ||
          (i + 1 < n && unique(i + 1) && far(me, refIds[i + 1]))
        ? "contradicted"
        : unique(i)
        ? "evidence"
        : "guess";
      if (baseline.ids[i] === me) {
        t.baselineSame++;
        if (mine < 0) t.baselineSameWhereUnknown++;
      }
      const verdict = mine < 0 ? "unknown" : dir.keyOf(mine) === theirs ? "agree" : "differ";
      for (const o of [t, t.byClass[cls]]) {
        o.hops++;
        o[verdict]++;
      }
      if (verdict === "agree") continue;
      t.byLabel[path.labels[i]] = (t.byLabel[path.labels[i]] ?? 0) + 1;
      lines.push(
        `obs ${row.observationId} hop ${i}/${n} ${hopsHex[i]} (${cls}): hopwatch ${
          mine >= 0 ? name(mine) : "unknown"
        } [${path.labels[i]} ${path.confidence[i].toFixed(2)}], reference ${
          me < 0 ? theirs.slice(0, 8) : name(me)
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
}

Deno.test("fixture agreement: hopwatch vs the reference's resolved_path, hop by hop", () => {
  const { t, lines, rows } = compare();
  const { evidence: ev, guess, contradicted: con } = t.byClass;
  console.log(lines.join("\n"));
  const show = (o: Outcome) =>
    `${o.hops} hops: agree ${o.agree} (${pct(o.agree, o.hops)}), unknown ${o.unknown}, ` +
    `differ ${o.differ}`;
  console.log(
    `fixture: ${rows} paths; the reference resolved ${show(t)}\n` +
      `  evidence     ${show(ev)}\n  guess        ${show(guess)}\n  contradicted ${show(con)}\n` +
      `  hopwatch's labels where it does not agree: ${JSON.stringify(t.byLabel)}`,
  );
  assert.equal(t.hops, 2166); // 2,172 non-null keys minus 6 in TRACE rows
  assert.equal(ev.hops + guess.hops + con.hops, t.hops);
  // Where the reference had evidence, hopwatch says the same.
  assert.ok(ev.agree / ev.hops >= 0.98, `agreement on evidence hops ${ev.agree}/${ev.hops}`);
  assert.ok(ev.differ <= 1, `evidence hops named differently: ${ev.differ}`);
  // Where both name a node, they agree; over all of the reference's hops, a regression floor.
  assert.ok(t.agree / (t.agree + t.differ) >= 0.98, `where both name ${t.agree}/${t.differ}`);
  assert.ok(t.agree / t.hops >= 0.88, `over the reference's hops ${t.agree}/${t.hops}`);
});

/**
 * The reference's conservative stored resolver (data-model §6A) over the
 * fixture: returns how many of the reference's picks on hops that several
 * nodes share it reproduces, and how many such picks there are.
 */
function conservativeWalk(db: DatabaseSync): { same: number; shared: number } {
  const keys = db.prepare("SELECT public_key FROM nodes").all().map((r) => String(r.public_key));
  const adj = new Map<string, Set<string>>();
  for (
    const e of db.prepare("SELECT node_a, node_b FROM neighbor_edges WHERE node_a <> ''").all()
  ) {
    const a = String(e.node_a), b = String(e.node_b);
    for (const [x, y] of [[a, b], [b, a]]) adj.set(x, (adj.get(x) ?? new Set()).add(y));
  }
  const rows = db.prepare(
    `SELECT o.path_json, o.resolved_path, t.from_pubkey, t.payload_type
       FROM observations o JOIN transmissions t ON t.id = o.transmission_id
      WHERE t.payload_type <> 9 AND o.resolved_path IS NOT NULL`,
  ).all();
  let same = 0, shared = 0;
  for (const r of rows) {
    const hops = JSON.parse(String(r.path_json)) as string[];
    const ref = JSON.parse(String(r.resolved_path)) as (string | null)[];
    if (ref.length !== hops.length) continue;
    const from = r.from_pubkey == null ? null : String(r.from_pubkey);
    let anchor = Number(r.payload_type) === 4 ? from : null;
    const used = new Set(from ? [from] : []);
    hops.forEach((hop, i) => {
      const cands = keys.filter((k) => k.startsWith(hop.toLowerCase()));
      let pick: string | null = null;
      if (cands.length === 1) pick = used.has(cands[0]) ? null : cands[0];
      else if (cands.length > 1 && anchor) {
        const near = cands.filter((k) => adj.get(anchor!)?.has(k));
        if (near.length === 1) pick = near[0];
      }
      if (pick) used.add(pick);
      anchor = pick;
      if (cands.length > 1 && ref[i]) {
        shared++;
        if (pick === ref[i]) same++;
      }
    });
  }
  return { same, shared };
}

Deno.test("fixture finding: the stored paths are the reference's multi-tier guesses, and contradict themselves", () => {
  const { t } = compare();
  const db = new DatabaseSync(FIXTURE.pathname, { readOnly: true });
  const maxCount = Number(
    db.prepare("SELECT MAX(count) AS m FROM neighbor_edges WHERE node_a <> ''").get()!.m,
  );
  const walk = conservativeWalk(db);
  db.close();
  const { evidence, guess, contradicted } = t.byClass;
  const withFallback = t.agree + t.baselineSameWhereUnknown;
  console.log(
    `§6C baseline reproduces ${t.baselineSame} of ${t.hops} reference hops; the §6A walk ` +
      `${walk.same} of its ${walk.shared} picks on shared prefixes; ` +
      `${guess.hops} are guesses (several relays share the prefix, no edge count >= 3: max ${maxCount}); ` +
      `${contradicted.hops} contradict the reference's own path, ${t.repeatsWrong} of them ` +
      `necessarily wrong (a node named twice in one path); falling back to the baseline's ` +
      `guess where hopwatch says "unknown" would add ${t.baselineSameWhereUnknown} agreements: ` +
      `${withFallback} (${pct(withFallback, t.hops)})`,
  );
  assert.equal(maxCount, 1, "tier 2 (count >= 3) cannot fire on this fixture");
  assert.ok(t.baselineSame / t.hops >= 0.97, `§6C reproduces ${t.baselineSame}/${t.hops}`);
  assert.ok(walk.same / walk.shared < 0.1, `§6A reproduces ${walk.same}/${walk.shared}`);
  assert.deepEqual([evidence.hops, guess.hops, contradicted.hops], [1724, 322, 120]);
  // At least this many reference hops are wrong whatever the truth; agreeing
  // with them would mean being wrong too.
  assert.ok(t.repeatsWrong >= 20, `${t.repeatsWrong}`);
  // Even guessing exactly like the reference wherever hopwatch says "unknown"
  // stays under 98 %: the rest would mean overriding hopwatch's evidence.
  assert.ok(withFallback / t.hops < 0.98, `${withFallback}/${t.hops}`);
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
      `minConfidence ${mc}: agree ${t.agree} (${pct(t.agree, t.hops)}), ` +
        `differ ${t.differ}, unknown ${t.unknown}`,
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
      assert.ok(t.agree / t.hops < 0.98, "98 % of the reference's hops needs its guesses");
    }
  }
  console.log(rows.join("\n"));
});
