/**
 * CoreScope configuration keys that hopwatch accepts but does not act on. Each
 * one, when present in the file, is warned at startup as "accepted, no
 * effect" with the reason — none is silently ignored. Keys not listed here
 * and known to the schema take effect (see `config.ts`, `config_routes.ts`).
 *
 * Paths are dotted; `[]` stands for every item of a list.
 *
 * @module
 */

/** Accepted CoreScope keys without effect in hopwatch, with the reason shown in the warning. */
export const NO_EFFECT_KEYS: Readonly<Record<string, string>> = {
  https: "TLS is left to a reverse proxy",
  compression: "compression is left to a reverse proxy",
  defaultRegion: "the UI remembers the region filter itself",
  "db.vacuumOnStartup": "hopwatch runs incremental vacuum in its maintenance job",
  "db.incrementalVacuumPages": "hopwatch sizes incremental vacuum itself",
  "packetStore.estimatedPacketBytes": "hopwatch measures its store instead of estimating",
  runtime: "Go runtime memory limit; not applicable to Deno",
  "neighborGraph.maxAgeDays": "the neighbor graph decays edges by resolver.edgeHalfLifeHours",
  "neighborGraph.maxEdgeKm": "hopwatch's resolver uses resolver.maxLinkKm",
  "neighborGraph.cacheRecomputeIntervalSeconds": "the neighbor graph is updated per packet",
  neighborEdgesMaxAgeDays: "the neighbor graph decays edges by resolver.edgeHalfLifeHours",
  "observersCache.ttlSeconds": "the observer list cache is fixed at 30 s",
  knownChannelsUrl: "the known-channels catalogue is not implemented",
  knownChannelsRefreshMs: "the known-channels catalogue is not implemented",
  "analytics.defaultIntervalSeconds": "analytics are memoised per store change, not on a timer",
  "analytics.recomputeIntervalSeconds": "analytics are memoised per store change, not on a timer",
  "analytics.loraPreset":
    "the relay airtime share uses a fixed preset (869.6 MHz, 62.5 kHz, SF8, CR 4/5)",
  channelKeysPath: "give channel keys in channelKeys",
  "metrics.sampleIntervalSec": "observer metrics are stored per status message",
  debugAffinity: "reference debugging switch",
  mapDarkTileProvider: "use map.tiles.darkDefault",
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `raw` holds a value at a dotted path (`[]` expands a list). */
function present(raw: unknown, path: string[]): boolean {
  if (path.length === 0) return raw !== undefined;
  const [head, ...rest] = path;
  if (head.endsWith("[]")) {
    const list = isPlainObject(raw) ? raw[head.slice(0, -2)] : undefined;
    return Array.isArray(list) && list.some((item) => present(item, rest));
  }
  return isPlainObject(raw) && head in raw && present(raw[head], rest);
}

/** One warning per accepted-without-effect key present in the parsed file. */
export function noEffectWarnings(raw: unknown): string[] {
  const out: string[] = [];
  for (const [key, why] of Object.entries(NO_EFFECT_KEYS)) {
    if (present(raw, key.split("."))) {
      out.push(
        `config key "${key}" is accepted for CoreScope compatibility but has no effect ` +
          `in hopwatch (${why})`,
      );
    }
  }
  return out;
}
