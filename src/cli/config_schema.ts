/**
 * The configuration file schema: CoreScope's `config.json` keys that apply to
 * hopwatch, plus hopwatch's own. Validation reports an unknown key as a warning
 * and a wrong type or range as an error naming the key, the value and what was
 * expected.
 *
 * @module
 */

import { noEffectWarnings } from "./config_reference.ts";

/** One validation rule. */
export type Rule =
  | { kind: "int"; min?: number; max?: number; nullable?: boolean }
  | { kind: "number"; min?: number; max?: number }
  | { kind: "string"; oneOf?: readonly string[]; pattern?: RegExp; describe?: string }
  | { kind: "bool" }
  | { kind: "array"; of: Rule; maxItems?: number }
  | { kind: "record"; of: Rule }
  | { kind: "object"; fields: Record<string, Rule>; open?: boolean }
  | { kind: "any" };

const int = (min?: number, max?: number): Rule => ({ kind: "int", min, max });
const num = (min?: number, max?: number): Rule => ({ kind: "number", min, max });
const str: Rule = { kind: "string" };
const bool: Rule = { kind: "bool" };
const any: Rule = { kind: "any" };
const strings: Rule = { kind: "array", of: str };
const obj = (fields: Record<string, Rule>, open = false): Rule => ({
  kind: "object",
  fields,
  open,
});
const hex16: Rule = {
  kind: "string",
  pattern: /^[0-9a-fA-F]{32}$/,
  describe: "a 16-byte key as 32 hex characters",
};

const mqttSource = obj({
  name: str,
  broker: {
    kind: "string",
    pattern: /^(mqtts?|wss?|tcp|ssl):\/\/.+/,
    describe: "a broker URL (mqtt://, mqtts://, ws://, wss://)",
  },
  username: str,
  password: str,
  topics: strings,
  topic: str,
  iataFilter: strings,
  region: str,
  clientId: str,
  rejectUnauthorized: bool,
  connectTimeoutSec: int(1, 3600),
});

/** The whole configuration file. */
export const CONFIG_SCHEMA: Rule = obj({
  port: int(1, 65535),
  host: str,
  dbPath: str,
  apiKey: str,
  logLevel: { kind: "string", oneOf: ["debug", "info", "warn", "error"] },
  mqttSources: { kind: "array", of: mqttSource, maxItems: 32 },
  mqtt: mqttSource,
  channelKeys: { kind: "record", of: hex16 },
  hashChannels: strings,
  hashRegions: strings,
  tryAllChannelKeys: bool,
  packetStore: obj({
    retentionHours: num(0),
    maxMemoryMB: num(0),
    hotStartupHours: num(0),
    estimatedPacketBytes: any,
    maxResolvedPubkeyIndexEntries: any,
  }),
  db: obj({
    load: obj({ chunkSize: int(100, 1_000_000) }),
    vacuumOnStartup: any,
    incrementalVacuumPages: any,
  }),
  corsAllowedOrigins: strings,
  compression: any,
  validateSignatures: bool,
  foreignAdverts: obj({ mode: { kind: "string", oneOf: ["flag", "drop"] } }),
  retention: obj({
    nodeDays: num(0),
    observerDays: num(0),
    packetDays: num(0),
    clientRxDays: num(0),
    metricsDays: num(0),
  }),
  batteryThresholds: obj({ lowMv: int(0, 20_000), criticalMv: int(0, 20_000) }),
  // CoreScope spells these `packetsMax` ...; hopwatch's own spelling (`packets` ...) also works.
  listLimits: obj({
    packets: int(1, 100_000),
    nodes: int(1, 100_000),
    analytics: int(1, 10_000),
    channelMessages: int(1, 10_000),
    bulkHealth: int(1, 10_000),
    packetsMax: int(1, 100_000),
    nodesMax: int(1, 100_000),
    analyticsMax: int(1, 10_000),
    channelMessagesMax: int(1, 10_000),
    bulkHealthMax: int(1, 10_000),
  }),
  cacheTTL: { kind: "record", of: num(0) },
  analytics: obj({ defaultIntervalSeconds: any, recomputeIntervalSeconds: any, loraPreset: any }),
  observersCache: obj({ ttlSeconds: any }),
  neighborGraph: obj({ maxEdgeKm: any, maxAgeDays: any, cacheRecomputeIntervalSeconds: any }),
  healthThresholds: { kind: "record", of: num(0) },
  liveMap: obj({ propagationBufferMs: num(0), maxNodes: int(100, 20_000) }),
  live: obj({
    flushMs: int(0, 1000),
    maxClients: int(1, 100_000),
    memoryBudgetMB: num(16),
    port: { kind: "int", min: 1, max: 65535, nullable: true },
    mainPortWs: bool,
  }),
  resolvedPath: obj({ backfillHours: num(0) }),
  resolver: obj({
    maxLinkKm: num(1, 2000),
    minConfidence: num(0, 1),
    edgeHalfLifeHours: num(1),
  }),
  ingest: obj({ maxBufferedMessages: int(100, 10_000_000), maxMessageBytes: int(64, 1 << 20) }),
  // CoreScope's spelling of ingest.maxBufferedMessages (0 or negative: the default).
  ingestBufferSize: int(),
  rateLimit: obj({ writePerMinute: int(1), readPerMinute: int(1) }),
  geo_filter: any,
  areas: any,
  regions: { kind: "record", of: str },
  mapDefaults: any,
  nodeBlacklist: strings,
  observerBlacklist: strings,
  // CoreScope's spelling; `iataWhitelist` is hopwatch's older alias for the same list.
  observerIATAWhitelist: strings,
  iataWhitelist: strings,
  hiddenNamePrefixes: strings,
  branding: any,
  theme: any,
  themeDark: any,
  nodeColors: any,
  typeColors: any,
  home: any,
  timestamps: any,
  map: any,
  knownChannelsUrl: str,
  clientRxCoverage: any,
  https: any,
  defaultRegion: str,
  markerStroke: any,
  customizer: any,
  roles: any,
  tiles: any,
  snrThresholds: any,
  distThresholds: any,
  maxHopDist: any,
  limits: any,
  perfSlowMs: any,
  wsReconnectMs: any,
  cacheInvalidateMs: any,
  externalUrls: any,
  runtime: any,
  knownChannelsRefreshMs: any,
  channelKeysPath: any,
  metrics: any,
  neighborEdgesMaxAgeDays: any,
  debugAffinity: any,
  mapDarkTileProvider: any,
});

/** The outcome of validating a parsed configuration file. */
export interface ValidationResult {
  errors: string[];
  warnings: string[];
}

/** Validates `value` against {@linkcode CONFIG_SCHEMA}. */
export function validateConfig(value: unknown): ValidationResult {
  const result: ValidationResult = { errors: [], warnings: [] };
  check(value, CONFIG_SCHEMA, "", result);
  result.warnings.push(...noEffectWarnings(value));
  return result;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + "..." : text;
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return "";
}

/** Describes what a rule expects, for error messages. */
export function expectation(rule: Rule): string {
  switch (rule.kind) {
    case "int":
      return `a whole number${range(rule.min, rule.max)}${rule.nullable ? " or null" : ""}`;
    case "number":
      return `a number${range(rule.min, rule.max)}`;
    case "string":
      if (rule.oneOf) return `one of ${rule.oneOf.map((s) => `"${s}"`).join(", ")}`;
      return rule.describe ?? "a string";
    case "bool":
      return "true or false";
    case "array":
      return `a list of ${expectation(rule.of)}` +
        (rule.maxItems ? ` (at most ${rule.maxItems})` : "");
    case "record":
      return `an object whose values are ${expectation(rule.of)}`;
    case "object":
      return "an object";
    case "any":
      return "any value";
  }
}

function fail(path: string, value: unknown, rule: Rule, out: ValidationResult): void {
  out.errors.push(`config key "${path}": expected ${expectation(rule)}, got ${show(value)}`);
}

function check(value: unknown, rule: Rule, path: string, out: ValidationResult): void {
  const where = path || "(root)";
  switch (rule.kind) {
    case "any":
      return;
    case "int":
    case "number": {
      if (value === null && rule.kind === "int" && rule.nullable) return;
      const ok = typeof value === "number" && Number.isFinite(value) &&
        (rule.kind === "number" || Number.isInteger(value)) &&
        (rule.min === undefined || value >= rule.min) &&
        (rule.max === undefined || value <= rule.max);
      if (!ok) fail(where, value, rule, out);
      return;
    }
    case "string": {
      const ok = typeof value === "string" &&
        (!rule.oneOf || rule.oneOf.includes(value)) &&
        (!rule.pattern || rule.pattern.test(value));
      if (!ok) fail(where, value, rule, out);
      return;
    }
    case "bool":
      if (typeof value !== "boolean") fail(where, value, rule, out);
      return;
    case "array":
      if (!Array.isArray(value) || (rule.maxItems && value.length > rule.maxItems)) {
        fail(where, value, rule, out);
        return;
      }
      value.forEach((item, i) => check(item, rule.of, `${path}[${i}]`, out));
      return;
    case "record":
      if (!isPlainObject(value)) {
        fail(where, value, rule, out);
        return;
      }
      for (const [k, v] of Object.entries(value)) check(v, rule.of, join(path, k), out);
      return;
    case "object":
      if (!isPlainObject(value)) {
        fail(where, value, rule, out);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        const child = rule.fields[k];
        if (child) check(v, child, join(path, k), out);
        else if (!rule.open && !k.startsWith("_") && !k.startsWith("//")) {
          out.warnings.push(`config key "${join(path, k)}" is unknown and was ignored`);
        }
      }
      return;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Whether `value` is a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
