/**
 * Live frames for rendering: collects the frames that arrive between two
 * animation frames and hands them over together, so a page renders at most
 * once per animation frame however many observations arrive. While the tab is
 * hidden (no animation frames) a 250 ms timer takes over, and at most
 * `maxPending` frames wait (the oldest go first).
 *
 * @module
 */

import { type LiveFrame, onFrame } from "./ws.ts";

/** Options of {@linkcode onFrameBatch}. */
export interface FrameBatchOptions {
  /** Most frames kept between two renders (default 5,000; older ones are dropped). */
  maxPending?: number;
}

/**
 * Subscribes `render` to the live feed: it receives the frames of one animation frame,
 * oldest first. Returns an unsubscribe function.
 */
export function onFrameBatch(
  render: (frames: LiveFrame[]) => void,
  opts: FrameBatchOptions = {},
): () => void {
  const max = opts.maxPending ?? 5000;
  let pending: LiveFrame[] = [];
  let raf = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    raf = 0;
    clearTimeout(timer);
    timer = undefined;
    const frames = pending;
    pending = [];
    if (frames.length) render(frames);
  };
  const off = onFrame((f) => {
    pending.push(f);
    if (pending.length > max) pending.splice(0, pending.length - max);
    if (raf || timer !== undefined) return;
    if (document.hidden) timer = setTimeout(run, 250);
    else raf = requestAnimationFrame(run);
  });
  return () => {
    off();
    if (raf) cancelAnimationFrame(raf);
    clearTimeout(timer);
    pending = [];
  };
}
