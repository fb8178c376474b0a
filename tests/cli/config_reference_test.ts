/**
 * Every key of CoreScope's `config.example.json` (and the extra keys its
 * server and ingestor `config.go` read) either takes effect in hopwatch or is
 * warned at startup as "accepted, no effect". The list below was written by
 * hand from the reference (Kpa-clawbot/CoreScope); the file itself is not
 * copied.
 */
import { geoSettingsOf } from "../../src/cli/config_geo.ts";
import assert from "node:assert/strict";
import { type HopwatchConfig, loadConfig } from "../../src/cli/config.ts";
import { NO_EFFECT_KEYS } from "../../src/cli/config_reference.ts";
import { parseMqttMessage, toUpperSet } from "../../src/ingest/messages.ts";

/**
 * `applied`: takes effect (a probe reads the effect where it lands in the effective config; keys
 * served as-is to the UI through `/api/config/*` are read from `raw`). `no-effect`: warned.
 * `owned`: accepted; implemented by another issue (named) being merged at the same time.
 */
type Kind = "applied" | "no-effect" | { owned: string };
interface RefKey {
  key: string;
  value: unknown;
  kind: Kind;
  probe?: (cfg: HopwatchConfig) => unknown;
  expect?: unknown;
}

const served = (key: string) => (cfg: HopwatchConfig) => cfg.raw[key];

const REFERENCE_KEYS: RefKey[] = [
  { key: "port", value: 3100, kind: "applied", probe: (c) => c.port, expect: 3100 },
  {
    key: "apiKey",
    value: "a-long-enough-secret-key",
    kind: "applied",
    probe: (c) => c.apiKey,
    expect: "a-long-enough-secret-key",
  },
  { key: "dbPath", value: "/x.db", kind: "applied", probe: (c) => c.dbPath, expect: "/x.db" },
  { key: "logLevel", value: "warn", kind: "applied", probe: (c) => c.logLevel, expect: "warn" },
  {
    key: "nodeBlacklist",
    value: ["ab"],
    kind: "applied",
    probe: (c) => c.nodeBlacklist,
    expect: ["ab"],
  },
  {
    key: "hiddenNamePrefixes",
    value: ["x"],
    kind: "applied",
    probe: served("hiddenNamePrefixes"),
    expect: ["x"],
  },
  {
    key: "observerIATAWhitelist",
    value: ["SJC"],
    kind: "applied",
    probe: (c) => c.iataWhitelist,
    expect: ["SJC"],
  },
  {
    key: "observerBlacklist",
    value: ["OBS1"],
    kind: "applied",
    probe: (c) => c.observerBlacklist,
    expect: ["OBS1"],
  },
  { key: "retention.nodeDays", value: 3, kind: "applied", probe: (c) => c.retention.nodeDays },
  {
    key: "retention.observerDays",
    value: 3,
    kind: "applied",
    probe: (c) => c.retention.observerDays,
  },
  { key: "retention.packetDays", value: 3, kind: "applied", probe: (c) => c.retention.packetDays },
  {
    key: "retention.clientRxDays",
    value: 3,
    kind: "applied",
    probe: (c) => c.retention.clientRxDays,
  },
  {
    key: "retention.metricsDays",
    value: 3,
    kind: "applied",
    probe: (c) => c.retention.metricsDays,
  },
  { key: "db.vacuumOnStartup", value: false, kind: "no-effect" },
  { key: "db.incrementalVacuumPages", value: 1024, kind: "no-effect" },
  { key: "db.load.chunkSize", value: 5000, kind: "applied", probe: (c) => c.loadChunkSize },
  {
    key: "listLimits.packetsMax",
    value: 123,
    kind: "applied",
    probe: (c) => c.listLimits.packets,
  },
  { key: "listLimits.nodesMax", value: 123, kind: "applied", probe: (c) => c.listLimits.nodes },
  {
    key: "listLimits.analyticsMax",
    value: 123,
    kind: "applied",
    probe: (c) => c.listLimits.analytics,
  },
  {
    key: "listLimits.channelMessagesMax",
    value: 123,
    kind: "applied",
    probe: (c) => c.listLimits.channelMessages,
  },
  {
    key: "listLimits.bulkHealthMax",
    value: 123,
    kind: "applied",
    probe: (c) => c.listLimits.bulkHealth,
  },
  {
    key: "corsAllowedOrigins",
    value: ["https://a.example"],
    kind: "applied",
    probe: (c) => c.corsAllowedOrigins,
    expect: ["https://a.example"],
  },
  { key: "https", value: { cert: "/c.pem", key: "/k.pem" }, kind: "no-effect" },
  { key: "branding", value: { siteName: "X" }, kind: "applied", probe: served("branding") },
  { key: "theme", value: { accent: "#111111" }, kind: "applied", probe: served("theme") },
  { key: "themeDark", value: { accent: "#111111" }, kind: "applied", probe: served("themeDark") },
  { key: "nodeColors", value: { room: "#00ff00" }, kind: "applied", probe: served("nodeColors") },
  { key: "typeColors", value: { ADVERT: "#00ff00" }, kind: "applied", probe: served("typeColors") },
  {
    key: "markerStroke",
    value: { color: "#fff", width: 2, opacity: 1 },
    kind: "applied",
    probe: served("markerStroke"),
  },
  { key: "map", value: { tiles: { darkDefault: "carto-dark" } }, kind: "applied" },
  { key: "home", value: { heroTitle: "Hi" }, kind: "applied", probe: served("home") },
  {
    key: "mqtt",
    value: { broker: "mqtt://localhost:1883", topic: "meshcore/+/+/packets" },
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.topics,
    expect: ["meshcore/+/+/packets"],
  },
  {
    key: "mqttSources",
    value: [{ name: "local", broker: "mqtt://localhost:1883", topics: ["meshcore/#"] }],
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.name,
    expect: "local",
  },
  {
    key: "mqttSources[].connectTimeoutSec",
    value: 45,
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.connectTimeoutSec,
  },
  {
    key: "mqttSources[].iataFilter",
    value: ["SJC"],
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.iataFilter,
  },
  {
    key: "mqttSources[].region",
    value: "SJC",
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.region,
  },
  {
    key: "mqttSources[].rejectUnauthorized",
    value: false,
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.rejectUnauthorized,
  },
  {
    key: "mqttSources[].username",
    value: "u",
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.username,
  },
  {
    key: "mqttSources[].password",
    value: "p",
    kind: "applied",
    probe: (c) => c.mqttSources[0]?.password,
  },
  {
    key: "channelKeys",
    value: { Public: "8b3387e9c5cdea6ac9e5edbaa115cd72" },
    kind: "applied",
    probe: (c) => c.channelKeys.Public,
    expect: "8b3387e9c5cdea6ac9e5edbaa115cd72",
  },
  {
    key: "hashChannels",
    value: ["#test"],
    kind: "applied",
    probe: (c) => c.hashChannels,
    expect: ["#test"],
  },
  {
    key: "hashRegions",
    value: ["#eu"],
    kind: "applied",
    probe: (c) => c.hashRegions,
    expect: ["#eu"],
  },
  {
    key: "healthThresholds",
    value: { infraDegradedHours: 24, observerOnlineMinutes: 60 },
    kind: "applied",
    probe: served("healthThresholds"),
  },
  { key: "defaultRegion", value: "SJC", kind: "no-effect" },
  {
    key: "mapDefaults",
    value: { center: [37.45, -122], zoom: 9 },
    kind: "applied",
    probe: served("mapDefaults"),
  },
  {
    key: "geo_filter",
    value: { polygon: [[1, 2], [1, 3], [2, 3]], bufferKm: 20 },
    kind: "applied",
    probe: (c) => geoSettingsOf(c.raw).geoFilter?.bufferKm,
    expect: 20,
  },
  {
    key: "foreignAdverts.mode",
    value: "drop",
    kind: "applied",
    probe: (c) => c.foreignAdvertsMode,
  },
  {
    key: "areas",
    value: { BAY: { label: "Bay", latMin: 1, latMax: 2, lonMin: 1, lonMax: 2 } },
    kind: "applied",
    probe: (c) => geoSettingsOf(c.raw).areas.map((a) => a.key),
    expect: ["BAY"],
  },
  { key: "regions", value: { SJC: "San Jose" }, kind: "applied", probe: served("regions") },
  { key: "cacheTTL", value: { stats: 10 }, kind: "applied", probe: served("cacheTTL") },
  {
    key: "liveMap",
    value: { propagationBufferMs: 5000, maxNodes: 2000 },
    kind: "applied",
    probe: served("liveMap"),
  },
  {
    key: "timestamps",
    value: { defaultMode: "ago", timezone: "local" },
    kind: "applied",
    probe: served("timestamps"),
  },
  {
    key: "packetStore.maxMemoryMB",
    value: 512,
    kind: "applied",
    probe: (c) => c.packetStore.maxMemoryMB,
  },
  {
    key: "packetStore.retentionHours",
    value: 48,
    kind: "applied",
    probe: (c) => c.packetStore.retentionHours,
  },
  {
    key: "packetStore.hotStartupHours",
    value: 6,
    kind: "applied",
    probe: (c) => c.packetStore.hotStartupHours,
  },
  { key: "packetStore.estimatedPacketBytes", value: 450, kind: "no-effect" },
  { key: "runtime", value: { maxMemoryMB: 0 }, kind: "no-effect" },
  {
    key: "resolvedPath.backfillHours",
    value: 12,
    kind: "applied",
    probe: (c) => c.backfillHours,
  },
  {
    key: "ingestBufferSize",
    value: 1234,
    kind: "applied",
    probe: (c) => c.ingest.maxBufferedMessages,
  },
  { key: "neighborGraph.maxAgeDays", value: 5, kind: "no-effect" },
  { key: "neighborGraph.maxEdgeKm", value: 500, kind: "no-effect" },
  { key: "neighborGraph.cacheRecomputeIntervalSeconds", value: 300, kind: "no-effect" },
  { key: "neighborEdgesMaxAgeDays", value: 5, kind: "no-effect" },
  { key: "observersCache.ttlSeconds", value: 30, kind: "no-effect" },
  { key: "knownChannelsUrl", value: "", kind: "no-effect" },
  { key: "knownChannelsRefreshMs", value: 86_400_000, kind: "no-effect" },
  {
    key: "batteryThresholds",
    value: { lowMv: 3400, criticalMv: 3100 },
    kind: "applied",
    probe: (c) => c.raw?.batteryThresholds,
  },
  { key: "compression", value: { gzip: false, websocket: false, level: 6 }, kind: "no-effect" },
  {
    key: "clientRxCoverage",
    value: { enabled: true },
    kind: "applied",
    probe: served("clientRxCoverage"),
  },
  { key: "analytics.defaultIntervalSeconds", value: 300, kind: "no-effect" },
  { key: "analytics.recomputeIntervalSeconds", value: { rf: 300 }, kind: "no-effect" },
  { key: "analytics.loraPreset", value: { bw: 62.5, sf: 8, cr: 5 }, kind: "no-effect" },
  {
    key: "customizer",
    value: { disabledTabs: ["branding"] },
    kind: "applied",
    probe: served("customizer"),
  },
  {
    key: "validateSignatures",
    value: false,
    kind: "applied",
    probe: (c) => c.validateSignatures,
    expect: false,
  },
  { key: "roles", value: { repeater: { label: "R" } }, kind: "applied", probe: served("roles") },
  { key: "tiles", value: { darkDefault: "carto-dark" }, kind: "applied", probe: served("tiles") },
  { key: "snrThresholds", value: { good: 5 }, kind: "applied", probe: served("snrThresholds") },
  { key: "distThresholds", value: { near: 5 }, kind: "applied", probe: served("distThresholds") },
  { key: "maxHopDist", value: 100, kind: "applied", probe: served("maxHopDist") },
  { key: "limits", value: { x: 1 }, kind: "applied", probe: served("limits") },
  { key: "perfSlowMs", value: 100, kind: "applied", probe: served("perfSlowMs") },
  { key: "wsReconnectMs", value: 3000, kind: "applied", probe: served("wsReconnectMs") },
  { key: "cacheInvalidateMs", value: 5000, kind: "applied", probe: served("cacheInvalidateMs") },
  {
    key: "externalUrls",
    value: { a: "https://x" },
    kind: "applied",
    probe: served("externalUrls"),
  },
  { key: "channelKeysPath", value: "/keys.json", kind: "no-effect" },
  { key: "metrics.sampleIntervalSec", value: 300, kind: "no-effect" },
  { key: "debugAffinity", value: true, kind: "no-effect" },
  { key: "mapDarkTileProvider", value: "carto-dark", kind: "no-effect" },
];

/** A config object holding `value` at the dotted `key` (`a[]` = the first MQTT source). */
function configWith(key: string, value: unknown): Record<string, unknown> {
  const parts = key.split(".");
  const root: Record<string, unknown> = {};
  let at: Record<string, unknown> = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    if (p.endsWith("[]")) {
      const item: Record<string, unknown> = { name: "s1", broker: "mqtt://localhost:1883" };
      at[p.slice(0, -2)] = [item];
      at = item;
    } else {
      const next: Record<string, unknown> = {};
      at[p] = next;
      at = next;
    }
  }
  at[parts[parts.length - 1]] = value;
  return root;
}

function load(raw: unknown): { cfg: HopwatchConfig; warnings: string[] } {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/config.json`;
  Deno.writeTextFileSync(path, JSON.stringify(raw));
  try {
    const warnings: string[] = [];
    const cfg = loadConfig({ config: path }, () => undefined, (w) => warnings.push(w));
    return { cfg, warnings };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("config reference: every CoreScope key is applied or warned as accepted, no effect", () => {
  const defaults = load({}).cfg;
  for (const ref of REFERENCE_KEYS) {
    const { cfg, warnings } = load(configWith(ref.key, ref.value));
    const where = `key ${ref.key}`;
    assert.ok(!warnings.some((w) => w.includes("unknown")), `${where}: ${warnings.join("; ")}`);
    if (ref.kind === "no-effect") {
      assert.equal(warnings.length, 1, `${where}: ${warnings.join("; ")}`);
      assert.match(warnings[0], /accepted for CoreScope compatibility but has no effect/);
      assert.ok(warnings[0].includes(`"${ref.key.replace("[]", "")}"`), warnings[0]);
    } else {
      assert.deepEqual(warnings, [], `${where} must not warn`);
    }
    if (ref.probe) {
      const got = ref.probe(cfg);
      const want = ref.expect ?? ref.value;
      assert.deepEqual(got, want, `${where}: takes effect`);
      if (ref.kind === "applied" && !ref.key.includes("[]") && ref.key !== "mqttSources") {
        assert.notDeepEqual(ref.probe(defaults), want, `${where}: the probe reads a change`);
      }
    }
  }
});

Deno.test("config reference: the no-effect list and the reference list agree", () => {
  const warned = REFERENCE_KEYS.filter((r) => r.kind === "no-effect").map((r) => r.key);
  assert.deepEqual([...warned].sort(), Object.keys(NO_EFFECT_KEYS).sort());
  const owned = REFERENCE_KEYS.filter((r) => typeof r.kind === "object").map((r) => r.key);
  // Every key is either applied or warned: none is left to another change.
  assert.deepEqual(owned, []);
});

Deno.test("config reference: every key at once loads without error or unknown-key warning", () => {
  const all: Record<string, unknown> = {};
  for (const ref of REFERENCE_KEYS) {
    if (ref.key.startsWith("mqttSources[]") || ref.key === "mqtt") continue;
    const one = configWith(ref.key, ref.value);
    for (const [k, v] of Object.entries(one)) {
      all[k] = typeof v === "object" && v && !Array.isArray(v) && typeof all[k] === "object"
        ? { ...(all[k] as object), ...v }
        : v;
    }
  }
  const { warnings } = load(all);
  assert.ok(warnings.every((w) => w.includes("has no effect")), warnings.join("\n"));
  assert.equal(warnings.length, Object.keys(NO_EFFECT_KEYS).length);
});

Deno.test("config reference: observerIATAWhitelist refuses observers of other regions", () => {
  const { cfg } = load({ observerIATAWhitelist: [" sjc "] });
  const ctx = {
    source: { name: "t" },
    observerBlacklist: new Set<string>(),
    iataWhitelist: toUpperSet(cfg.iataWhitelist),
    maxBytes: 16_384,
    nowMs: 0,
  };
  const body = new TextEncoder().encode(JSON.stringify({ raw: "1100" }));
  const lax = parseMqttMessage("meshcore/LAX/OBS1/packets", body, ctx);
  assert.equal(lax.kind, "rejected");
  assert.equal(lax.kind === "rejected" && lax.reason, "iata-not-whitelisted");
  assert.equal(parseMqttMessage("meshcore/SJC/OBS1/packets", body, ctx).kind, "packet");
  // hopwatch's older spelling keeps working.
  assert.deepEqual(load({ iataWhitelist: ["OAK"] }).cfg.iataWhitelist, ["OAK"]);
});
