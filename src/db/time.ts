/**
 * Time formatting shared by the persistence layer (data-model §1: TEXT times are RFC3339 UTC
 * without fractional seconds, INTEGER times are Unix epoch seconds).
 *
 * @module
 */

/** Formats a Date as RFC3339 UTC with whole seconds, e.g. `2026-05-17T18:13:27Z`. */
export function rfc3339(date: Date): string {
  const iso = date.toISOString();
  return iso.slice(0, 19) + "Z";
}

/** Formats Unix epoch seconds as RFC3339 UTC (see {@link rfc3339}). */
export function epochToRfc3339(epochSeconds: number): string {
  return rfc3339(new Date(Math.floor(epochSeconds) * 1000));
}

/**
 * Parses an RFC3339 string (or epoch seconds) to epoch seconds; throws on garbage, naming the
 * input, so a bad time never reaches a TEXT column silently.
 */
export function toEpochSeconds(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`Cannot parse time "${value}": not finite`);
    return Math.floor(value);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`Cannot parse time "${value}": not RFC3339`);
  return Math.floor(ms / 1000);
}

/** Rounds a time down to its 300-second `observer_metrics` bucket, returned as RFC3339. */
export function metricsBucket(value: string | number, bucketSeconds = 300): string {
  const s = toEpochSeconds(value);
  return epochToRfc3339(s - (s % bucketSeconds));
}

/** UTC timestamp usable in file names, e.g. `20260517T181327Z`. */
export function fileStamp(date: Date): string {
  return rfc3339(date).replace(/[-:]/g, "");
}
