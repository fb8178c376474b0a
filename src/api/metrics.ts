/**
 * A tiny Prometheus registry: counters and gauges with labels, plus collectors
 * that compute samples at scrape time, rendered in the text exposition format
 * (version 0.0.4). Also the event-loop lag monitor.
 *
 * @module
 */

/** One sample of a metric family. */
export interface Sample {
  labels?: Record<string, string | number>;
  value: number;
}

/** A metric family produced at scrape time. */
export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: Sample[];
}

/** A labelled value store shared by counters and gauges. */
class Series {
  readonly values = new Map<string, { labels?: Record<string, string | number>; value: number }>();
  get(labels?: Record<string, string | number>) {
    const key = labels ? JSON.stringify(labels) : "";
    let s = this.values.get(key);
    if (!s) {
      s = { labels, value: 0 };
      this.values.set(key, s);
    }
    return s;
  }
}

/** A monotonically increasing counter. */
export class Counter {
  readonly #series = new Series();
  /** Creates a counter (use {@linkcode MetricsRegistry.counter}). */
  constructor(readonly name: string, readonly help: string) {}
  /** Adds `n` (default 1) to the series with `labels`. */
  inc(labels?: Record<string, string | number>, n = 1): void {
    this.#series.get(labels).value += n;
  }
  /** Current value of one series. */
  value(labels?: Record<string, string | number>): number {
    return this.#series.get(labels).value;
  }
  /** The family for rendering. */
  family(): Family {
    return {
      name: this.name,
      help: this.help,
      type: "counter",
      samples: [...this.#series.values.values()],
    };
  }
}

/** A value that goes up and down. */
export class Gauge {
  readonly #series = new Series();
  /** Creates a gauge (use {@linkcode MetricsRegistry.gauge}). */
  constructor(readonly name: string, readonly help: string) {}
  /** Sets the series with `labels`. */
  set(value: number, labels?: Record<string, string | number>): void {
    this.#series.get(labels).value = value;
  }
  /** The family for rendering. */
  family(): Family {
    return {
      name: this.name,
      help: this.help,
      type: "gauge",
      samples: [...this.#series.values.values()],
    };
  }
}

/** Counters, gauges and scrape-time collectors. */
export class MetricsRegistry {
  #metrics = new Map<string, Counter | Gauge>();
  #collectors: (() => Family[])[] = [];

  /** Returns the counter `name`, creating it on first use. */
  counter(name: string, help: string): Counter {
    const m = this.#metrics.get(name);
    if (m instanceof Counter) return m;
    if (m) throw new Error(`Cannot register counter "${name}": already a gauge`);
    const c = new Counter(name, help);
    this.#metrics.set(name, c);
    return c;
  }

  /** Returns the gauge `name`, creating it on first use. */
  gauge(name: string, help: string): Gauge {
    const m = this.#metrics.get(name);
    if (m instanceof Gauge) return m;
    if (m) throw new Error(`Cannot register gauge "${name}": already a counter`);
    const g = new Gauge(name, help);
    this.#metrics.set(name, g);
    return g;
  }

  /** Adds a collector called at every scrape. */
  collect(fn: () => Family[]): void {
    this.#collectors.push(fn);
  }

  /** Renders every metric in the Prometheus text format. */
  render(): string {
    const families: Family[] = [...this.#metrics.values()].map((m) => m.family());
    for (const fn of this.#collectors) {
      try {
        families.push(...fn());
      } catch (err) {
        families.push({
          name: "hopwatch_metrics_collector_errors",
          help: `a collector failed: ${(err as Error).message}`.replace(/\n/g, " "),
          type: "gauge",
          samples: [{ value: 1 }],
        });
      }
    }
    const lines: string[] = [];
    for (const f of families) {
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const s of f.samples) {
        lines.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
      }
    }
    return lines.join("\n") + "\n";
  }
}

function labelText(labels?: Record<string, string | number>): string {
  if (!labels) return "";
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${String(v).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/**
 * Measures event-loop lag: a timer that should fire every `intervalMs`; the
 * delay beyond that is the lag. Keeps the latest and the maximum since the last
 * {@linkcode EventLoopMonitor.takeMax}.
 */
export class EventLoopMonitor {
  #timer: ReturnType<typeof setInterval> | undefined;
  #expected = 0;
  #last = 0;
  #max = 0;
  readonly #interval: number;

  /** Creates a stopped monitor sampling every `intervalMs`. */
  constructor(intervalMs = 500) {
    this.#interval = intervalMs;
  }

  /** Starts sampling (idempotent). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#expected = performance.now() + this.#interval;
    this.#timer = setInterval(() => {
      const now = performance.now();
      const lag = Math.max(0, now - this.#expected);
      this.#expected = now + this.#interval;
      this.#last = lag;
      if (lag > this.#max) this.#max = lag;
    }, this.#interval);
  }

  /** Stops sampling. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The latest lag in milliseconds. */
  get lastMs(): number {
    return this.#last;
  }

  /** The maximum lag since the previous call, then resets it. */
  takeMax(): number {
    const m = this.#max;
    this.#max = this.#last;
    return m;
  }
}
