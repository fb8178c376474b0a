/**
 * A small force-directed layout (Fruchterman–Reingold style): nodes repel,
 * edges pull in proportion to their weight, a weak gravity keeps components
 * on screen and the step size cools each iteration. Deterministic (seeded
 * start positions) and bounded: the iteration count shrinks with the square
 * of the node count so big graphs never stall the tab.
 *
 * @module
 */

/** An edge between node indexes `a` and `b` with a weight in (0, 1]. */
export interface LayoutEdge {
  a: number;
  b: number;
  w: number;
}

/** Layout options. */
export interface LayoutOptions {
  width: number;
  height: number;
  /** Upper bound on iterations (default 300). */
  iterations?: number;
  /** Pairwise-work budget: iterations × n² stays below it (default 4e7). */
  budget?: number;
  seed?: number;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** The number of iterations run for `n` nodes under `opts`. */
export function iterationsFor(
  n: number,
  opts: Pick<LayoutOptions, "iterations" | "budget">,
): number {
  const max = opts.iterations ?? 300;
  const budget = opts.budget ?? 4e7;
  return Math.max(10, Math.min(max, Math.floor(budget / Math.max(1, n * n))));
}

/** Positions (x, y interleaved) for `n` nodes, inside `[0, width] × [0, height]`. */
export function forceLayout(n: number, edges: LayoutEdge[], opts: LayoutOptions): Float64Array {
  const { width: W, height: H } = opts;
  const pos = new Float64Array(n * 2);
  const disp = new Float64Array(n * 2);
  const rand = rng(opts.seed ?? 7);
  for (let i = 0; i < n; i++) {
    pos[2 * i] = W * (0.1 + 0.8 * rand());
    pos[2 * i + 1] = H * (0.1 + 0.8 * rand());
  }
  if (n < 2) return pos;
  const k = Math.sqrt((W * H) / n) * 0.8;
  const iters = iterationsFor(n, opts);
  let temp = Math.min(W, H) / 8;
  const cool = temp / (iters + 1);
  for (let it = 0; it < iters; it++) {
    disp.fill(0);
    for (let i = 0; i < n; i++) {
      const xi = pos[2 * i];
      const yi = pos[2 * i + 1];
      for (let j = i + 1; j < n; j++) {
        let dx = xi - pos[2 * j];
        let dy = yi - pos[2 * j + 1];
        let d2 = dx * dx + dy * dy;
        if (d2 < 0.01) {
          dx = 0.1 * (i - j);
          dy = 0.1;
          d2 = dx * dx + dy * dy;
        }
        const f = (k * k) / d2;
        disp[2 * i] += dx * f;
        disp[2 * i + 1] += dy * f;
        disp[2 * j] -= dx * f;
        disp[2 * j + 1] -= dy * f;
      }
    }
    for (const e of edges) {
      const dx = pos[2 * e.a] - pos[2 * e.b];
      const dy = pos[2 * e.a + 1] - pos[2 * e.b + 1];
      const d = Math.sqrt(dx * dx + dy * dy) || 0.01;
      const f = (d / k) * (0.3 + e.w);
      disp[2 * e.a] -= dx * f;
      disp[2 * e.a + 1] -= dy * f;
      disp[2 * e.b] += dx * f;
      disp[2 * e.b + 1] += dy * f;
    }
    for (let i = 0; i < n; i++) {
      disp[2 * i] += (W / 2 - pos[2 * i]) * 0.02;
      disp[2 * i + 1] += (H / 2 - pos[2 * i + 1]) * 0.02;
      const dx = disp[2 * i];
      const dy = disp[2 * i + 1];
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const step = Math.min(d, temp);
      pos[2 * i] = Math.min(W - 8, Math.max(8, pos[2 * i] + (dx / d) * step));
      pos[2 * i + 1] = Math.min(H - 8, Math.max(8, pos[2 * i + 1] + (dy / d) * step));
    }
    temp = Math.max(0.5, temp - cool);
  }
  return pos;
}
