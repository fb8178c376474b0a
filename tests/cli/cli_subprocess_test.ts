/**
 * Runs the real entry point as a subprocess, as a user would.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function hopwatch(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-net", MAIN, ...args],
    cwd: opts.cwd ?? Deno.makeTempDirSync(),
    env: { NO_COLOR: "1", ...opts.env },
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await cmd.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

// Fixture row 85: a repeater ADVERT (the reference's golden vector 120046D6...).
const ADVERT_ROW_PREFIX = "120046D6";
// A GRP_TXT on #test would need a fixture lookup; the Public channel hash byte is 0x11.

Deno.test("cli: --help prints usage and exits 0", async () => {
  const r = await hopwatch(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage:/);
  assert.match(r.stdout, /hopwatch decode HEX/);
});

Deno.test("cli: unknown option exits 2 with a usage message", async () => {
  const r = await hopwatch(["--bogus"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bogus/);
  assert.match(r.stderr, /hopwatch --help/);
});

Deno.test("cli: decode prints JSON and exits 0 for a valid packet", async () => {
  const hex = "1500C940E932EA3A5E5AA7400E76DF5A95DBD50F054D5817A5C50DCA71648F77B0";
  const r = await hopwatch(["decode", hex]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const key of ["header", "path", "payload", "hash", "valid"]) assert.ok(key in out, key);
  assert.equal(out.valid, true);
  assert.equal(out.header.payloadTypeName, "GRP_TXT");
  assert.match(out.hash, /^[0-9a-f]{16}$/);
});

Deno.test("cli: decode of a fixture ADVERT verifies its signature", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(
    new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url).pathname,
    { readOnly: true },
  );
  const row = db.prepare("SELECT raw_hex FROM transmissions WHERE id = 85").get() as {
    raw_hex: string;
  };
  db.close();
  assert.ok(row.raw_hex.toUpperCase().startsWith(ADVERT_ROW_PREFIX));
  const r = await hopwatch(["decode", row.raw_hex]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.payload.type, "ADVERT");
  assert.equal(out.signatureValid, true);
});

Deno.test("cli: decode of bad input exits 1 with valid:false and a reason", async () => {
  const r = await hopwatch(["decode", "0a"]);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.valid, false);
  assert.match(out.error, /Cannot decode packet/);
  const notHex = await hopwatch(["decode", "zz"]);
  assert.equal(notHex.code, 1);
  assert.equal(JSON.parse(notHex.stdout).valid, false);
});

Deno.test("cli: decode usage errors exit 2", async () => {
  assert.equal((await hopwatch(["decode"])).code, 2);
  const badKey = await hopwatch(["decode", "1500", "--key", "x=123"]);
  assert.equal(badKey.code, 2);
  assert.match(badKey.stderr, /Cannot use --key "x=123"/);
});

Deno.test("cli: --key adds a hashtag channel for decryption", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(
    new URL("../../../shared/fixtures/corescope-e2e.db", import.meta.url).pathname,
    { readOnly: true },
  );
  const row = db.prepare(
    "SELECT raw_hex FROM transmissions WHERE payload_type = 5 AND channel_hash = '#wardriving' LIMIT 1",
  ).get() as { raw_hex: string };
  db.close();
  const without = JSON.parse((await hopwatch(["decode", row.raw_hex])).stdout);
  assert.notEqual(without.payload.decryptionStatus, "decrypted");
  const withKey = JSON.parse(
    (await hopwatch(["decode", row.raw_hex, "--key", "#wardriving"])).stdout,
  );
  assert.equal(withKey.payload.type, "CHAN");
  assert.equal(withKey.payload.channel, "#wardriving");
  assert.equal(typeof withKey.payload.text, "string");
});

Deno.test("cli: invalid config exits non-zero before opening anything", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(
    `${dir}/bad.json`,
    JSON.stringify({ port: "eighty", packetStore: { maxMemoryMB: -5 }, mystery: 1 }),
  );
  const r = await hopwatch(["--config", `${dir}/bad.json`, "--db", `${dir}/db/hw.db`], {
    cwd: dir,
  });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /config key "port": expected a whole number from 1 to 65535, got "eighty"/,
  );
  assert.match(r.stderr, /config key "packetStore.maxMemoryMB": expected a number >= 0, got -5/);
  assert.match(r.stderr, /config key "mystery" is unknown/);
  assert.throws(() => Deno.statSync(`${dir}/db`), Deno.errors.NotFound);
});

Deno.test("cli: a bad PORT environment value is reported and nothing starts", async () => {
  const dir = Deno.makeTempDirSync();
  const r = await hopwatch(["--db", `${dir}/db/hw.db`], { cwd: dir, env: { PORT: "99999" } });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /port \(environment PORT\): expected a whole number from 0 to 65535, got "99999"/,
  );
  assert.throws(() => Deno.statSync(`${dir}/db`), Deno.errors.NotFound);
});

Deno.test("cli: a weak apiKey is refused at startup with a clear message", async () => {
  const dir = Deno.makeTempDirSync();
  for (const key of ["changeme", "short-key"]) {
    Deno.writeTextFileSync(`${dir}/weak.json`, JSON.stringify({ apiKey: key }));
    const r = await hopwatch([
      "--config",
      `${dir}/weak.json`,
      "--db",
      `${dir}/db/hw.db`,
      "--port",
      "0",
    ], {
      cwd: dir,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Cannot use apiKey/);
    assert.match(r.stderr, /nothing was started/);
    assert.throws(() => Deno.statSync(`${dir}/db`), Deno.errors.NotFound);
  }
});
