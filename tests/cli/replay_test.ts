/**
 * `hopwatch replay FILE --speed N`: the captured fixture goes back through the
 * real ingest path (MQTT message parser, pipeline, SQLite) as live traffic,
 * time-shifted to now; bad files exit non-zero with one clear line.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fixturePath, freePort, SERVER_PERMISSIONS } from "./server_process.ts";
import { inspectReplayFile, packetWithPath } from "../../src/cli/replay_source.ts";
import { parseCommandLine, UsageError } from "../../src/cli/args.ts";
import { decodePacket, hexToBytes } from "../../src/meshcore/mod.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

function hopwatch(args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...SERVER_PERMISSIONS, MAIN, ...args],
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function run(args: string[], cwd: string): Promise<{ code: number; err: string }> {
  const out = await hopwatch(args, cwd).output();
  return { code: out.code, err: new TextDecoder().decode(out.stderr) };
}

/**
 * Distinct (observer, path) sightings of a database, by content hash (computed here: CoreScope
 * stored a raw-bytes prefix as the hash of some packets).
 */
function sightings(path: string): Map<string, Set<string>> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const map = new Map<string, Set<string>>();
    for (
      const r of db.prepare(
        `SELECT t.raw_hex, b.id AS observer, o.path_json
           FROM observations o JOIN transmissions t ON t.id = o.transmission_id
           JOIN observers b ON b.rowid = o.observer_idx`,
      ).all()
    ) {
      const d = decodePacket(hexToBytes(String(r.raw_hex))!);
      // A TRACE's path bytes are SNRs: CoreScope stored them as hops, hopwatch stores the route.
      const trace = d.header?.payloadType === 9;
      const key = `${String(r.observer).toUpperCase()} ${trace ? "TRACE" : r.path_json ?? "[]"}`;
      const hash = d.valid ? d.hash : `undecodable ${String(r.raw_hex).slice(0, 16)}`;
      const set = map.get(hash) ?? new Set();
      set.add(key);
      map.set(hash, set);
    }
    return map;
  } finally {
    db.close();
  }
}

Deno.test("replay: the fixture arrives through the ingest path, time-shifted to now", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hw-replay-" });
  const capture = `${dir}/capture.db`;
  Deno.copyFileSync(fixturePath("corescope-e2e.db"), capture);
  const target = `${dir}/live.db`;
  const port = freePort();
  const started = Date.now();
  const child = hopwatch(
    ["replay", capture, "--speed", "100000", "--db", target, "--port", String(port)],
    dir,
  );
  let log = "";
  const reading = (async () => {
    const dec = new TextDecoder();
    for await (const c of child.stderr) log += dec.decode(c);
  })();
  await child.stdout.cancel();
  try {
    const deadline = Date.now() + 60_000;
    while (!log.includes("replay: finished") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(log, /replay: finished packets=500 statuses=22/, log);
    const stats = await (await fetch(`http://127.0.0.1:${port}/api/stats`)).json();
    assert.ok(stats.totalNodes > 50, `active nodes after the replay: ${stats.totalNodes}`);
    assert.equal(stats.packetsLastHour, stats.totalTransmissions);
    assert.equal(stats.totalObservers, 22);
  } finally {
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await reading;
  }
  const finished = Date.now();

  // Every sighting of the capture is in the live database, except the one packet that does not
  // decode (37 two-byte hops, more than a path can hold) and one exact duplicate (same observer,
  // same path, same second) that ingest folds into its first copy.
  const source = sightings(capture);
  const live = sightings(target);
  const missing: string[] = [];
  for (const [hash, seen] of source) {
    for (const s of seen) if (!live.get(hash)?.has(s)) missing.push(`${hash} ${s}`);
  }
  assert.equal(missing.length, 1, missing.join("\n"));
  assert.match(missing[0], /^undecodable d665ebb4f9780c68 /i);
  assert.equal([...live.values()].reduce((n, s) => n + s.size, 0), 498);

  const db = new DatabaseSync(target, { readOnly: true });
  try {
    const t = db.prepare(
      `SELECT MIN(timestamp) AS lo, MAX(timestamp) AS hi, COUNT(*) AS n FROM observations`,
    ).get()!;
    assert.equal(Number(t.n), 498);
    assert.ok(Number(t.lo) * 1000 >= started - 1000, `first observation ${t.lo} vs ${started}`);
    assert.ok(Number(t.hi) * 1000 <= finished + 1000);
    const tx = db.prepare("SELECT MIN(first_seen) AS lo, COUNT(*) AS n FROM transmissions").get()!;
    assert.equal(Number(tx.n), 498);
    assert.ok(Date.parse(String(tx.lo)) >= started - 1000, `first_seen ${tx.lo}`);
  } finally {
    db.close();
  }
  // hopwatch's own database replays too (21 observers: one only heard the undecodable packet).
  const again = inspectReplayFile(target);
  assert.deepEqual([again.transmissions, again.observations, again.observers], [498, 498, 21]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("replay: a missing, non-SQLite or non-CoreScope file exits 1 with one clear line", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "hw-replay-bad-" });
  try {
    Deno.writeTextFileSync(`${dir}/notes.txt`, "hello, not a database\n".repeat(100));
    const other = new DatabaseSync(`${dir}/other.db`);
    other.exec("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)");
    other.close();
    const cases: [string[], RegExp][] = [
      [["replay", `${dir}/absent.db`], /Cannot replay ".*absent\.db": no such file.*fixtures/],
      [["replay", `${dir}/notes.txt`], /Cannot replay ".*notes\.txt": not an SQLite database/],
      [
        ["replay", `${dir}/other.db`],
        /Cannot replay ".*other\.db": not a CoreScope or hopwatch database \(no transmissions/,
      ],
      [["replay", `${dir}/other.db`, "--speed", "fast"], /Cannot use --speed "fast"/],
    ];
    for (const [args, re] of cases) {
      const { code, err } = await run(args, dir);
      assert.equal(code, 1, err);
      assert.match(err, re);
      assert.doesNotMatch(err, /\n\s+at /, "no stack trace");
    }
    const usage = await run(["replay"], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /replay needs a FILE/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("replay: command line forms", () => {
  assert.deepEqual(parseCommandLine(["replay", "a.db", "--speed", "10"]).positionals, [
    "a.db",
    "10",
    "temp",
  ]);
  const serve = parseCommandLine(["--replay", "a.db", "--db", "x.db"]);
  assert.equal(serve.command, "replay");
  assert.deepEqual(serve.positionals, ["a.db", "1", "configured"]);
  assert.throws(() => parseCommandLine(["decode", "00", "--speed", "2"]), UsageError);
  assert.throws(() => parseCommandLine(["demo", "--replay", "a.db"]), UsageError);
});

Deno.test("replay: packetWithPath puts an observation's path into the packet", () => {
  // FLOOD (route 1) ADVERT-less header 0x11, path byte 0x41 = one 2-byte hop, payload "aabb".
  assert.equal(packetWithPath("1141abcdaabb", ["1234", "5678"]), "114212345678aabb");
  assert.equal(packetWithPath("1141abcdaabb", []), "1140aabb");
  assert.equal(packetWithPath("1100aabb", ["ab"]), "1101abaabb");
  assert.equal(packetWithPath("1100aabb", ["zz"]), "1100aabb", "bad hop: unchanged");
  assert.equal(packetWithPath("11", ["ab"]), "11", "too short: unchanged");
  assert.equal(packetWithPath("2501ffaabb", ["11"]), "2501ffaabb", "TRACE keeps its bytes");
});
