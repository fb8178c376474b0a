/**
 * Battery voltage and temperature that nodes report in their adverts (sensor
 * and telemetry-carrying firmware), kept per node as a short time-ordered
 * history: at most {@linkcode MAX_TELEMETRY_POINTS} points per node, one per
 * advert, older than the retention window dropped on append.
 *
 * @module
 */

/** Points kept per node. */
export const MAX_TELEMETRY_POINTS = 512;

/** One telemetry point (epoch seconds; null = not reported). */
export interface TelemetryPoint {
  sec: number;
  batteryMv: number | null;
  temperatureC: number | null;
}

/** Per-node telemetry history (see the module doc). */
export class NodeTelemetry {
  #byNode = new Map<string, { lastHash: string; points: TelemetryPoint[] }>();
  #points = 0;
  #version = 0;
  readonly #keepSec: number;

  /** Keeps `days` days of points (0 = only the count cap). */
  constructor(days: number) {
    this.#keepSec = days > 0 ? days * 86_400 : 0;
  }

  /** Records the telemetry of one advert (repeat sightings of `hash` are ignored). */
  record(
    pubkey: string,
    hash: string,
    ms: number,
    batteryMv: unknown,
    temperatureC: unknown,
  ): void {
    const bat = typeof batteryMv === "number" && batteryMv > 0 && batteryMv < 20_000
      ? batteryMv
      : null;
    const temp = typeof temperatureC === "number" && temperatureC > -80 && temperatureC < 150
      ? temperatureC
      : null;
    if (bat === null && temp === null) return;
    const key = pubkey.toLowerCase();
    let e = this.#byNode.get(key);
    if (!e) this.#byNode.set(key, e = { lastHash: "", points: [] });
    if (e.lastHash === hash) return;
    e.lastHash = hash;
    const sec = Math.floor(ms / 1000);
    const pts = e.points;
    let i = pts.length;
    while (i > 0 && pts[i - 1].sec > sec) i--;
    pts.splice(i, 0, { sec, batteryMv: bat, temperatureC: temp });
    this.#points++;
    this.#version++;
    let drop = Math.max(0, pts.length - MAX_TELEMETRY_POINTS);
    if (this.#keepSec) { while (drop < pts.length && pts[drop].sec < sec - this.#keepSec) drop++; }
    if (drop) {
      pts.splice(0, drop);
      this.#points -= drop;
    }
  }

  /** Incremented on every recorded point (memo keys). */
  get version(): number {
    return this.#version;
  }

  /** A node's points at or after `sinceSec`, oldest first. */
  history(pubkey: string, sinceSec: number): TelemetryPoint[] {
    return (this.#byNode.get(pubkey.toLowerCase())?.points ?? []).filter((p) => p.sec >= sinceSec);
  }

  /** Approximate bytes held (self-accounted). */
  bytes(): number {
    return this.#byNode.size * 200 + this.#points * 48;
  }
}
