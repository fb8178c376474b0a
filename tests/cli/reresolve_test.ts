/**
 * A CoreScope database's stored resolved paths are its guesses; hopwatch
 * re-resolves them once, on the first start, before loading them into its
 * indexes (`src/cli/reresolve.ts`). Real SQLite files and the real stack.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DEFAULTS, type HopwatchConfig } from "../../src/cli/config.ts";
import { createStack, type Stack } from "../../src/cli/stack.ts";
import { reresolvePending } from "../../src/cli/reresolve.ts";
import { Logger } from "../../src/log/logger.ts";

const FIXTURE = new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url).pathname;
/** A-Town Repeater: the reference names it on hops 220-320 km from their neighbours. */
const A_TOWN = "19bc07bf26b98886cef2720e0b8302ced6abd1e28cf16462ca98f87192bf45d5";

function configFor(dbPath: string): HopwatchConfig {
  return { ...DEFAULTS, dbPath, raw: {}, configPath: null };
}

/** Log lines captured at info level. */
function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger("info", (line) => lines.push(line)), lines };
}

/** Rows naming `key`, and named hops overall, in a database file. */
function stored(path: string, key: string): { naming: number; namedHops: number; bad: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const naming = Number(
      db.prepare(`SELECT COUNT(*) AS n FROM observations WHERE INSTR(resolved_path, ?) > 0`)
        .get(`"${key}"`)!.n,
    );
    let namedHops = 0, bad = 0;
    for (
      const r of db.prepare(`SELECT path_json, resolved_path FROM observations o
        JOIN transmissions t ON t.id = o.transmission_id
        WHERE resolved_path IS NOT NULL AND t.payload_type <> 9`).all()
    ) {
      const keys = JSON.parse(String(r.resolved_path)) as (string | null)[];
      if (keys.length !== (JSON.parse(String(r.path_json)) as string[]).length) bad++;
      namedHops += keys.filter((k) => k !== null).length;
    }
    return { naming, namedHops, bad };
  } finally {
    db.close();
  }
}

async function loaded(path: string, log: Logger): Promise<Stack> {
  const stack = createStack(configFor(path), { log });
  await stack.load({ workers: 0 });
  return stack;
}

Deno.test("first start on a CoreScope file: stored paths re-resolved by hopwatch, once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-reresolve-" });
  try {
    const path = `${dir}/corescope.db`;
    await Deno.copyFile(FIXTURE, path);
    const before = stored(path, A_TOWN);
    assert.ok(before.naming >= 10, `the reference names A-Town on ${before.naming} rows`);

    const { log, lines } = capture();
    const stack = await loaded(path, log);
    const aTown = stack.nodes.idOf(A_TOWN)!;
    const through = stack.store.throughNode(aTown, { order: "asc", limit: 1e9 }).ids;
    const report = stack.store.checkConsistency();
    assert.equal(reresolvePending(stack.hdb.db), false);
    const backup = stack.hdb.backupPath;
    await stack.close();

    assert.ok(report.ok, report.errors.slice(0, 3).join("; "));
    assert.deepEqual(through, [], "A-Town relays nothing in hopwatch's index");
    const after = stored(path, A_TOWN);
    assert.equal(after.naming, 0);
    assert.equal(after.bad, 0, "every value is parallel to its path_json");
    // hopwatch keeps the reference's evidence-backed names (1,722 of 1,724 on this fixture).
    assert.ok(after.namedHops >= 1800, `hopwatch names ${after.namedHops} hops`);
    assert.ok(after.namedHops < before.namedHops, `${after.namedHops} vs ${before.namedHops}`);
    assert.ok(lines.some((l) => l.includes("re-resolved stored hop paths")), lines.join("\n"));
    // The original values are in the pre-migration backup.
    assert.ok(backup);
    assert.equal(stored(backup!, A_TOWN).naming, before.naming);

    // A second start finds no task and leaves the stored values alone.
    const db = new DatabaseSync(path);
    db.exec(`UPDATE observations SET resolved_path = '["${A_TOWN}"]'
      WHERE id = (SELECT MIN(o.id) FROM observations o WHERE path_json LIKE '["19"]')`);
    const marked = Number(db.prepare(`SELECT changes() AS n`).get()!.n);
    db.close();
    const again = capture();
    const second = await loaded(path, again.log);
    await second.close();
    assert.equal(stored(path, A_TOWN).naming, marked);
    assert.ok(!again.lines.some((l) => l.includes("re-resolv")), again.lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a database hopwatch creates queues no re-resolution", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-reresolve-new-" });
  try {
    const stack = await loaded(`${dir}/new.db`, new Logger("error"));
    assert.equal(reresolvePending(stack.hdb.db), false);
    await stack.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
