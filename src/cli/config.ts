/**
 * Configuration: defaults < config file < environment < command-line flags.
 *
 * The file is JSON and accepts the CoreScope `config.json` keys that apply, so
 * an existing CoreScope configuration works unchanged.
 *
 * @module
 */

import { isPlainObject, validateConfig } from "./config_schema.ts";
import { liveConfigProblems } from "./live_config.ts";
import { validateGeoConfig } from "./config_geo.ts";
import type { LogLevel } from "../log/logger.ts";

/** One MQTT broker to subscribe to. */
export interface MqttSourceConfig {
  name: string;
  broker: string;
  username?: string;
  password?: string;
  topics: string[];
  iataFilter?: string[];
  region?: string;
  clientId?: string;
  rejectUnauthorized?: boolean;
  /** Per-attempt connect timeout, seconds (CoreScope `connectTimeoutSec`). */
  connectTimeoutSec?: number;
}

/** The effective configuration, with every default applied. */
export interface HopwatchConfig {
  port: number;
  host: string;
  dbPath: string;
  apiKey: string;
  logLevel: LogLevel;
  /** Where the file came from, or null when no file was read. */
  configPath: string | null;
  mqttSources: MqttSourceConfig[];
  channelKeys: Record<string, string>;
  hashChannels: string[];
  hashRegions: string[];
  tryAllChannelKeys: boolean;
  packetStore: { retentionHours: number; maxMemoryMB: number; hotStartupHours: number };
  loadChunkSize: number;
  corsAllowedOrigins: string[];
  validateSignatures: boolean;
  foreignAdvertsMode: "flag" | "drop";
  retention: {
    nodeDays: number;
    observerDays: number;
    packetDays: number;
    metricsDays: number;
    /** Roaming-client receptions (`client_receptions`) kept this many days; 0 keeps all. */
    clientRxDays: number;
  };
  listLimits: {
    packets: number;
    nodes: number;
    analytics: number;
    channelMessages: number;
    bulkHealth: number;
  };
  resolver: { maxLinkKm: number; minConfidence: number; edgeHalfLifeHours: number };
  backfillHours: number;
  ingest: { maxBufferedMessages: number; maxMessageBytes: number };
  rateLimit: { writePerMinute: number; readPerMinute: number };
  nodeBlacklist: string[];
  observerBlacklist: string[];
  iataWhitelist: string[];
  /** The parsed file, for presentation keys (theme, map, branding ...) served as-is. */
  raw: Record<string, unknown>;
}

/** Values given on the command line; `undefined` means "not given". */
export interface ConfigFlags {
  config?: string;
  db?: string;
  port?: string;
  host?: string;
  logLevel?: string;
}

/** A configuration that cannot be used; the process must exit non-zero. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The defaults, applied before the file. */
export const DEFAULTS: Omit<HopwatchConfig, "raw" | "configPath"> = {
  port: 3000,
  host: "0.0.0.0",
  dbPath: "data/hopwatch.db",
  apiKey: "",
  logLevel: "info",
  mqttSources: [],
  channelKeys: {},
  hashChannels: [],
  hashRegions: [],
  tryAllChannelKeys: false,
  packetStore: { retentionHours: 0, maxMemoryMB: 0, hotStartupHours: 0 },
  loadChunkSize: 10_000,
  corsAllowedOrigins: [],
  validateSignatures: true,
  foreignAdvertsMode: "flag",
  retention: { nodeDays: 7, observerDays: 14, packetDays: 30, metricsDays: 30, clientRxDays: 30 },
  listLimits: {
    packets: 10_000,
    nodes: 2000,
    analytics: 200,
    channelMessages: 500,
    bulkHealth: 200,
  },
  resolver: { maxLinkKm: 150, minConfidence: 0.9, edgeHalfLifeHours: 168 },
  backfillHours: 24,
  ingest: { maxBufferedMessages: 50_000, maxMessageBytes: 16_384 },
  rateLimit: { writePerMinute: 600, readPerMinute: 6000 },
  nodeBlacklist: [],
  observerBlacklist: [],
  iataWhitelist: [],
};

/** Environment lookups; injectable for tests. */
export type EnvGetter = (name: string) => string | undefined;

/** Reads the process environment, treating a missing permission as "unset". */
export const processEnv: EnvGetter = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

/**
 * Builds the effective configuration.
 *
 * @throws {ConfigError} when the file cannot be read or parsed, a value has the
 *   wrong type or range, or a flag/env value is invalid.
 */
export function loadConfig(
  flags: ConfigFlags,
  env: EnvGetter = processEnv,
  warn: (message: string) => void = () => {},
): HopwatchConfig {
  const configPath = flags.config ?? env("HOPWATCH_CONFIG") ?? defaultConfigPath();
  const raw = configPath ? readConfigFile(configPath, flags.config !== undefined) : {};
  const { errors, warnings } = validateConfig(raw);
  warnings.forEach(warn);
  errors.push(...validateGeoConfig(raw));
  if (errors.length) throw new ConfigError(errors);

  const cfg = fromFile(raw, configPath);
  const problems: string[] = [];
  const pick = (flag: string | undefined, ...names: string[]) => {
    if (flag !== undefined) return { value: flag, from: "flag" };
    for (const name of names) {
      const value = env(name);
      if (value !== undefined && value !== "") return { value, from: `environment ${name}` };
    }
    return undefined;
  };

  const port = pick(flags.port, "HOPWATCH_PORT", "PORT");
  if (port) {
    const n = Number(port.value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      problems.push(
        `port (${port.from}): expected a whole number from 0 to 65535, got "${port.value}"`,
      );
    } else cfg.port = n;
  }
  const db = pick(flags.db, "HOPWATCH_DB", "DB_PATH");
  if (db) cfg.dbPath = db.value;
  const host = pick(flags.host, "HOPWATCH_HOST");
  if (host) cfg.host = host.value;
  const level = pick(flags.logLevel, "HOPWATCH_LOG_LEVEL");
  if (level) {
    if (["debug", "info", "warn", "error"].includes(level.value)) {
      cfg.logLevel = level.value as LogLevel;
    } else {
      problems.push(
        `log level (${level.from}): expected one of "debug", "info", "warn", "error", got "${level.value}"`,
      );
    }
  }
  const apiKey = env("HOPWATCH_API_KEY");
  if (apiKey) cfg.apiKey = apiKey;
  problems.push(...liveConfigProblems(raw, cfg.port));
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

function defaultConfigPath(): string | null {
  try {
    return Deno.statSync("config.json").isFile ? "config.json" : null;
  } catch {
    return null;
  }
}

function readConfigFile(path: string, explicit: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (!explicit && err instanceof Deno.errors.NotFound) return {};
    throw new ConfigError([`Cannot read config file "${path}": ${(err as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`Cannot parse config file "${path}": ${(err as Error).message}`]);
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigError([`Cannot use config file "${path}": expected a JSON object`]);
  }
  return parsed;
}

// deno-lint-ignore no-explicit-any
type Loose = any;

function fromFile(raw: Record<string, unknown>, configPath: string | null): HopwatchConfig {
  const f = raw as Loose;
  const d = DEFAULTS;
  const sources: MqttSourceConfig[] = [];
  const toSource = (s: Loose, i: number): MqttSourceConfig => ({
    name: s.name ?? `mqtt-${i + 1}`,
    broker: s.broker,
    username: s.username,
    password: s.password,
    topics: s.topics ?? (s.topic ? [s.topic] : ["meshcore/#"]),
    iataFilter: s.iataFilter,
    region: s.region,
    clientId: s.clientId,
    rejectUnauthorized: s.rejectUnauthorized,
    connectTimeoutSec: s.connectTimeoutSec,
  });
  (f.mqttSources ?? []).forEach((s: Loose, i: number) => sources.push(toSource(s, i)));
  if (f.mqtt?.broker) sources.push(toSource({ name: "mqtt", ...f.mqtt }, sources.length));
  return {
    port: f.port ?? d.port,
    host: f.host ?? d.host,
    dbPath: f.dbPath ?? d.dbPath,
    apiKey: f.apiKey ?? d.apiKey,
    logLevel: f.logLevel ?? d.logLevel,
    configPath,
    mqttSources: sources,
    channelKeys: f.channelKeys ?? {},
    hashChannels: f.hashChannels ?? [],
    hashRegions: f.hashRegions ?? [],
    tryAllChannelKeys: f.tryAllChannelKeys ?? d.tryAllChannelKeys,
    packetStore: { ...d.packetStore, ...f.packetStore },
    loadChunkSize: f.db?.load?.chunkSize ?? d.loadChunkSize,
    corsAllowedOrigins: f.corsAllowedOrigins ?? [],
    validateSignatures: f.validateSignatures ?? d.validateSignatures,
    foreignAdvertsMode: f.foreignAdverts?.mode ?? d.foreignAdvertsMode,
    retention: { ...d.retention, ...f.retention },
    listLimits: listLimitsOf(f.listLimits),
    resolver: { ...d.resolver, ...f.resolver },
    backfillHours: f.resolvedPath?.backfillHours ?? d.backfillHours,
    ingest: {
      ...d.ingest,
      ...(f.ingestBufferSize > 0 ? { maxBufferedMessages: f.ingestBufferSize } : {}),
      ...f.ingest,
    },
    rateLimit: { ...d.rateLimit, ...f.rateLimit },
    nodeBlacklist: f.nodeBlacklist ?? [],
    observerBlacklist: f.observerBlacklist ?? [],
    iataWhitelist: [...(f.observerIATAWhitelist ?? []), ...(f.iataWhitelist ?? [])],
    raw,
  };
}

/** List limits: CoreScope's `packetsMax` ... or hopwatch's `packets` ... (the latter wins). */
function listLimitsOf(f: Loose): HopwatchConfig["listLimits"] {
  const d = DEFAULTS.listLimits;
  const pick = (ours: keyof typeof d) => f?.[ours] ?? f?.[`${ours}Max`] ?? d[ours];
  return {
    packets: pick("packets"),
    nodes: pick("nodes"),
    analytics: pick("analytics"),
    channelMessages: pick("channelMessages"),
    bulkHealth: pick("bulkHealth"),
  };
}
