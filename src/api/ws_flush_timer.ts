/**
 * The batch flush timer of the WebSocket hub (see `WsHub.flush`), adaptive: the
 * host is behind when the timer fired late by over a fifth of `flushMs` or the
 * previous flush is still being handed out (`behind()`); the next flush then
 * comes a fifth of `flushMs` later, up to `maxFlushMs`, and comes back the
 * same way once the timer is on time. A frame's cost is mostly per frame (one
 * write per socket), so a busy host sends fewer, fuller frames; the frames stay
 * bounded by `maxBatchBytes`, which flushes at once when full.
 *
 * @module
 */

/** A one-shot timer armed by the first pending message, whose interval adapts to the host. */
export class FlushTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #interval: number;

  /** `fire` runs when the interval has passed; `behind` tells whether a flush is still going. */
  constructor(
    private readonly flushMs: number,
    private readonly behind: () => boolean,
    private readonly fire: () => void,
    private readonly maxMs: number = 2 * flushMs,
  ) {
    this.#interval = flushMs;
  }

  /** The current interval (ms): `flushMs` to `maxMs` (default twice `flushMs`). */
  get interval(): number {
    return this.#interval;
  }

  /** Arms the timer unless it is armed. */
  arm(): void {
    if (this.#timer !== undefined) return;
    const armed = performance.now();
    const interval = this.#interval;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#adapt(performance.now() - armed - interval);
      this.fire();
    }, interval);
  }

  /** Disarms the timer (the flush happens now, or never). */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #adapt(lateMs: number): void {
    const step = this.flushMs / 5;
    this.#interval = lateMs > step || this.behind()
      ? Math.min(Math.max(this.flushMs, this.maxMs), this.#interval + step)
      : Math.max(this.flushMs, this.#interval - step);
  }
}
