/**
 * Leveled logging to stderr, with per-key rate limiting so a flood of bad
 * packets produces one line per interval instead of one per packet.
 *
 * @module
 */

/** Log levels, in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Every level, in increasing severity. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A sink for formatted lines; stderr by default. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();
const stderrSink: LogSink = (line) => {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
};

interface Throttle {
  last: number;
  suppressed: number;
}

/**
 * A logger with a minimum level and named throttles.
 *
 * @example
 * ```ts
 * const log = new Logger("info");
 * log.info("listening", { port: 3000 });
 * log.throttled("bad-hex", 60_000, "warn", "dropped packet: bad hex");
 * ```
 */
export class Logger {
  level: LogLevel;
  #sink: LogSink;
  #throttles = new Map<string, Throttle>();
  #now: () => number;

  constructor(level: LogLevel = "info", sink: LogSink = stderrSink, now: () => number = Date.now) {
    this.level = level;
    this.#sink = sink;
    this.#now = now;
  }

  /** Whether a message at `level` would be written. */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  /** Writes one line: ISO time, level, message and `key=value` fields. */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    let line = `${new Date(this.#now()).toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        line += ` ${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`;
      }
    }
    this.#sink(line);
  }

  /** Logs at debug level. */
  debug(message: string, fields?: Record<string, unknown>): void {
    this.log("debug", message, fields);
  }
  /** Logs at info level. */
  info(message: string, fields?: Record<string, unknown>): void {
    this.log("info", message, fields);
  }
  /** Logs at warn level. */
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log("warn", message, fields);
  }
  /** Logs at error level. */
  error(message: string, fields?: Record<string, unknown>): void {
    this.log("error", message, fields);
  }

  /**
   * Logs at most once per `intervalMs` for `key`; later calls inside the
   * interval are counted and the count is reported with the next line.
   * Returns whether a line was written.
   */
  throttled(
    key: string,
    intervalMs: number,
    level: LogLevel,
    message: string,
    fields?: Record<string, unknown>,
  ): boolean {
    const now = this.#now();
    const t = this.#throttles.get(key);
    if (t && now - t.last < intervalMs) {
      t.suppressed++;
      return false;
    }
    const suppressed = t?.suppressed ?? 0;
    this.#throttles.set(key, { last: now, suppressed: 0 });
    this.log(level, message, suppressed > 0 ? { ...fields, suppressed } : fields);
    return true;
  }
}

/** The process-wide logger; `main.ts` sets its level from the configuration. */
export const log: Logger = new Logger(initialLevel());

function initialLevel(): LogLevel {
  try {
    const level = Deno.env.get("HOPWATCH_LOG_LEVEL") as LogLevel | undefined;
    return level && LOG_LEVELS.includes(level) ? level : "info";
  } catch {
    return "info"; // no --allow-env: keep the default
  }
}
