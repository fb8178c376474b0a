/**
 * Live frames for rendering: collects the frames that arrive between two
 * animation frames and hands them over together, so a page renders at most
 * once per animation frame however many observations arrive. A 250 ms timer
 * stands in when no animation frame comes (hidden or background tabs), and at
 * most `maxPending` frames wait (the oldest go first).
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
    if (raf) cancelAnimationFrame(raf);
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
    // Whichever comes first: the next animation frame, or 250 ms (a hidden or background tab
    // may get no animation frames at all).
    if (!document.hidden) raf = requestAnimationFrame(run);
    timer = setTimeout(run, 250);
  });
  return () => {
    off();
    if (raf) cancelAnimationFrame(raf);
    clearTimeout(timer);
    pending = [];
  };
}
