/**
 * Calibration of the flood intensity κ so a shape's observation count lands
 * on its target: pilot runs (no payload crypto, their own random streams)
 * measure observations per stored transmission and bisect κ; during
 * generation {@linkcode ObservationControl} nudges reception further
 * (feedback on the running total), so the final count is within about 1 %.
 *
 * @module
 */

import type { Mesh } from "./mesh.ts";
import type { Router } from "./routing.ts";
import { Traffic } from "./traffic.ts";

/** Parameters shared by pilot and main traffic. */
export interface TrafficShape {
  advertShare: number;
  coverageRate: number;
}

/** Advert share and coverage rate so every node adverts (and is heard) at least once. */
export function trafficShape(nodes: number, transmissions: number): TrafficShape {
  const advertShare = Math.min(0.5, Math.max(0.2, (1.4 * nodes) / transmissions));
  const expectedAdverts = advertShare * transmissions * 0.55;
  return {
    advertShare,
    coverageRate: Math.min(1, (1.6 * nodes) / Math.max(1, expectedAdverts)),
  };
}

/** Observations per stored transmission of a pilot run at intensity `k`. */
async function pilot(
  mesh: Mesh,
  router: Router,
  seed: number,
  shape: TrafficShape,
  k: number,
  label: string,
  sample: number,
): Promise<number> {
  // Coverage adverts (unlimited reach) at their whole-run share, not their early-run rate.
  const t = new Traffic(mesh, {
    seed,
    label,
    intensity: k,
    payloads: false,
    router,
    ...shape,
    coverageRate: shape.coverageRate / 1.6,
  });
  let tx = 0, obs = 0, clock = 0;
  while (tx < sample) {
    for (const p of await t.exchange(clock++)) {
      if (p.copies.length === 0) continue;
      tx++;
      obs += p.copies.length;
    }
  }
  return obs / tx;
}

/** Bisects the flood intensity κ in [0, 3] towards `ratio` observations per transmission. */
export async function calibrate(
  mesh: Mesh,
  router: Router,
  seed: number,
  shape: TrafficShape,
  ratio: number,
  sample = 1500,
): Promise<number> {
  let lo = 0, hi = 3;
  for (let iter = 0; iter < 8; iter++) {
    const mid = (lo + hi) / 2;
    const measured = await pilot(mesh, router, seed, shape, mid, `pilot${iter}`, sample);
    if (measured < ratio) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Feedback on the running observation count during generation. */
export class ObservationControl {
  readonly #txTarget: number;
  readonly #obsTarget: number;

  /** Control towards `obsTarget` observations over `txTarget` transmissions. */
  constructor(txTarget: number, obsTarget: number) {
    this.#txTarget = txTarget;
    this.#obsTarget = obsTarget;
  }

  /** The intensity multiplier to use next, given the counts so far. */
  scale(tx: number, obs: number): number {
    const expected = (tx / this.#txTarget) * this.#obsTarget;
    const err = (obs - expected) / this.#obsTarget;
    return Math.min(2, Math.max(0.5, 1 - 20 * err));
  }
}
