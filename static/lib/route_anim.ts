/**
 * The Live map's route animations: a line grows along a packet's route with a
 * dot at its head, then fades and goes. All on one canvas renderer (an SVG
 * element per route made the browser restyle and lay out the map each frame),
 * at most `max` at once and `perSec` new ones a second — a busy mesh (200
 * observations/s) would start one per observation; past the budget a packet
 * still gets its feed row, not an animation.
 *
 * @module
 */

import type { L as Leaflet } from "../lazy/leaflet.ts";

type LeafletNs = typeof Leaflet;

/** Options of {@linkcode routeAnimator}. */
export interface AnimOptions {
  /** Animations kept at once (the oldest goes first). */
  max: number;
  /** New animations started per second at most. */
  perSec: number;
  /** Line colour per payload type (grey otherwise). */
  colors: Record<number, string>;
  /** False once the page is gone (pending timers then do nothing). */
  alive: () => boolean;
}

/** Draws route animations on `map` with `renderer`; `stop` removes them all. */
export function routeAnimator(
  L: LeafletNs,
  map: ReturnType<LeafletNs["map"]>,
  renderer: ReturnType<LeafletNs["canvas"]>,
  opts: AnimOptions,
): { draw(pts: [number, number][], payloadType: number): void; stop(): void } {
  const anims: {
    line: ReturnType<LeafletNs["polyline"]>;
    dot: ReturnType<LeafletNs["circleMarker"]>;
  }[] = [];
  let budgetAt = 0;
  let budgetUsed = 0;
  const stop = () => {
    for (const a of anims.splice(0)) {
      a.line.remove();
      a.dot.remove();
    }
  };
  const draw = (pts: [number, number][], payloadType: number) => {
    if (!pts.length) return;
    const nowMs = performance.now();
    if (nowMs - budgetAt >= 1000) {
      budgetAt = nowMs;
      budgetUsed = 0;
    }
    if (++budgetUsed > opts.perSec) return;
    const color = opts.colors[payloadType] ?? "#8b949e";
    const line = L.polyline([pts[0]], {
      color,
      weight: 2.5,
      opacity: 0.85,
      interactive: false,
      renderer,
    }).addTo(map);
    const dot = L.circleMarker(pts[0], {
      radius: 5,
      color,
      weight: 1,
      fillOpacity: 1,
      interactive: false,
      renderer,
    }).addTo(map);
    const a = { line, dot };
    anims.push(a);
    if (anims.length > opts.max) {
      const old = anims.shift();
      old?.line.remove();
      old?.dot.remove();
    }
    const dur = 400 * Math.max(1, pts.length - 1);
    const t0 = performance.now();
    const tick = (t: number) => {
      if (!opts.alive() || !anims.includes(a)) return;
      const k = Math.max(0, Math.min(1, (t - t0) / dur));
      const segs = pts.length - 1;
      const pos = k * segs;
      const s = Math.min(segs - 1, Math.floor(pos));
      if (segs > 0) {
        const f = pos - s;
        const p: [number, number] = [
          pts[s][0] + (pts[s + 1][0] - pts[s][0]) * f,
          pts[s][1] + (pts[s + 1][1] - pts[s][1]) * f,
        ];
        line.setLatLngs([...pts.slice(0, s + 1), p]);
        dot.setLatLng(p);
      }
      if (k < 1) requestAnimationFrame(tick);
      else {
        setTimeout(() => {
          if (!opts.alive()) return;
          line.setStyle({ opacity: 0.25 });
          dot.remove();
        }, 1500);
        setTimeout(() => {
          if (!opts.alive()) return;
          line.remove();
          const i = anims.indexOf(a);
          if (i >= 0) anims.splice(i, 1);
        }, 4000);
      }
    };
    requestAnimationFrame(tick);
  };
  return { draw, stop };
}
