import assert from "node:assert/strict";
import { ConfigError, DEFAULTS, loadConfig } from "../../src/cli/config.ts";
import { validateConfig } from "../../src/cli/config_schema.ts";

const noEnv = () => undefined;

function withConfigFile(content: unknown, fn: (path: string) => void): void {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/config.json`;
  Deno.writeTextFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  try {
    fn(path);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("config: defaults apply with no file, flags or environment", () => {
  const cfg = loadConfig(
    { config: undefined },
    (name) => name === "HOPWATCH_CONFIG" ? undefined : undefined,
  );
  assert.equal(cfg.port, 3000);
  assert.equal(cfg.dbPath, "data/hopwatch.db");
  assert.equal(cfg.retention.packetDays, DEFAULTS.retention.packetDays);
  assert.deepEqual(cfg.mqttSources, []);
});

Deno.test("config: flags > env > file > defaults", () => {
  withConfigFile({ port: 4000, dbPath: "/file.db", host: "127.0.0.2" }, (path) => {
    const fileOnly = loadConfig({ config: path }, noEnv);
    assert.equal(fileOnly.port, 4000);
    assert.equal(fileOnly.dbPath, "/file.db");
    assert.equal(fileOnly.configPath, path);

    const env: Record<string, string> = { PORT: "5000", DB_PATH: "/env.db" };
    const withEnv = loadConfig({ config: path }, (n) => env[n]);
    assert.equal(withEnv.port, 5000);
    assert.equal(withEnv.dbPath, "/env.db");

    const hopwatchEnv: Record<string, string> = { PORT: "5000", HOPWATCH_PORT: "5001" };
    assert.equal(loadConfig({ config: path }, (n) => hopwatchEnv[n]).port, 5001);

    const withFlag = loadConfig({ config: path, port: "6000", db: "/flag.db" }, (n) => env[n]);
    assert.equal(withFlag.port, 6000);
    assert.equal(withFlag.dbPath, "/flag.db");
    assert.equal(withFlag.host, "127.0.0.2");
  });
});

Deno.test("config: an existing CoreScope config.json is accepted", () => {
  const corescope = {
    port: 3000,
    apiKey: "a-long-enough-secret-key",
    dbPath: "data/meshcore.db",
    mqttSources: [{
      name: "local",
      broker: "mqtt://localhost:1883",
      topics: ["meshcore/#"],
      iataFilter: ["SJC", "OAK"],
    }],
    mqtt: { broker: "mqtt://other:1883", topic: "meshcore/#" },
    channelKeys: { "Private": "0123456789abcdef0123456789abcdef" },
    hashChannels: ["#test", "#wardriving"],
    packetStore: { retentionHours: 168, maxMemoryMB: 1024, hotStartupHours: 24 },
    corsAllowedOrigins: ["https://example.org"],
    retention: { nodeDays: 7, observerDays: 14, packetDays: 30 },
    theme: { accent: "#ff0000" },
  };
  withConfigFile(corescope, (path) => {
    const warnings: string[] = [];
    const cfg = loadConfig({ config: path }, noEnv, (w) => warnings.push(w));
    assert.deepEqual(warnings, []);
    assert.equal(cfg.mqttSources.length, 2);
    assert.deepEqual(cfg.mqttSources[0].iataFilter, ["SJC", "OAK"]);
    assert.deepEqual(cfg.mqttSources[1].topics, ["meshcore/#"]);
    assert.equal(cfg.packetStore.maxMemoryMB, 1024);
    assert.equal(cfg.channelKeys.Private, "0123456789abcdef0123456789abcdef");
    assert.deepEqual(cfg.raw.theme, { accent: "#ff0000" });
  });
});

Deno.test("config: unknown keys are warnings naming the key", () => {
  const { errors, warnings } = validateConfig({
    port: 3000,
    prot: 1,
    packetStore: { retention: 1 },
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, [
    'config key "prot" is unknown and was ignored',
    'config key "packetStore.retention" is unknown and was ignored',
  ]);
});

Deno.test("config: wrong types and ranges are errors naming key, value and expectation", () => {
  const { errors } = validateConfig({
    port: 70000,
    packetStore: { retentionHours: -1 },
    mqttSources: [{ broker: "http://x" }],
    channelKeys: { bad: "xyz" },
    logLevel: "loud",
    validateSignatures: "yes",
  });
  assert.deepEqual(errors, [
    'config key "port": expected a whole number from 1 to 65535, got 70000',
    'config key "packetStore.retentionHours": expected a number >= 0, got -1',
    'config key "mqttSources[0].broker": expected a broker URL (mqtt://, mqtts://, ws://, wss://), got "http://x"',
    'config key "channelKeys.bad": expected a 16-byte key as 32 hex characters, got "xyz"',
    'config key "logLevel": expected one of "debug", "info", "warn", "error", got "loud"',
    'config key "validateSignatures": expected true or false, got "yes"',
  ]);
});

Deno.test("config: invalid file content throws ConfigError", () => {
  withConfigFile("{not json", (path) => {
    assert.throws(() => loadConfig({ config: path }, noEnv), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /Cannot parse config file/);
      return true;
    });
  });
  withConfigFile([1, 2], (path) => {
    assert.throws(() => loadConfig({ config: path }, noEnv), /expected a JSON object/);
  });
  assert.throws(
    () => loadConfig({ config: "/nonexistent/hopwatch.json" }, noEnv),
    /Cannot read config file/,
  );
});

Deno.test("config: invalid flag and environment values are errors", () => {
  assert.throws(() => loadConfig({ port: "abc" }, noEnv), /port \(flag\): expected a whole number/);
  assert.throws(
    () => loadConfig({}, (n) => (n === "PORT" ? "-5" : undefined)),
    /port \(environment PORT\)/,
  );
  assert.throws(() => loadConfig({ logLevel: "verbose" }, noEnv), /log level \(flag\)/);
});
