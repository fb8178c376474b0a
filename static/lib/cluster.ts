/**
 * Grid clustering in screen space: points falling into the same `cell`-pixel
 * square at the current zoom merge into one cluster at their mean position.
 * O(n) per pass, fine for tens of thousands of points.
 *
 * @module
 */

/** A point to cluster, already projected to pixels. */
export interface PxPoint<T> {
  x: number;
  y: number;
  item: T;
}

/** A cluster of one or more items. */
export interface Cluster<T> {
  x: number;
  y: number;
  items: T[];
}

/** Clusters `points` on a `cell`-pixel grid. */
export function gridCluster<T>(points: PxPoint<T>[], cell: number): Cluster<T>[] {
  const cells = new Map<string, Cluster<T>>();
  for (const p of points) {
    const key = `${Math.floor(p.x / cell)}:${Math.floor(p.y / cell)}`;
    let c = cells.get(key);
    if (!c) {
      c = { x: 0, y: 0, items: [] };
      cells.set(key, c);
    }
    c.x += p.x;
    c.y += p.y;
    c.items.push(p.item);
  }
  const out: Cluster<T>[] = [];
  for (const c of cells.values()) {
    out.push({ x: c.x / c.items.length, y: c.y / c.items.length, items: c.items });
  }
  return out;
}

/**
 * Bounds covering the central `keep` share of points in each axis (drops
 * far outliers such as nodes advertising a wrong location).
 */
export function robustBounds(
  pts: [number, number][],
  keep = 0.96,
): [[number, number], [number, number]] | null {
  if (!pts.length) return null;
  const lats = pts.map((p) => p[0]).sort((a, b) => a - b);
  const lons = pts.map((p) => p[1]).sort((a, b) => a - b);
  const lo = Math.floor(((1 - keep) / 2) * (pts.length - 1));
  const hi = Math.ceil((1 - (1 - keep) / 2) * (pts.length - 1));
  return [[lats[lo], lons[lo]], [lats[hi], lons[hi]]];
}
