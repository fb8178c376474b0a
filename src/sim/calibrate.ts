/**
 * Calibration of the reception probability so a shape's observation count
 * lands on its target: pilot runs (no payload crypto, their own random
 * stream) measure observations per stored transmission and scale `pRx`;
 * during generation {@linkcode ObservationControl} nudges it further
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
  reachMean: number;
}

/** Advert share and coverage rate so every node adverts (and is heard) at least once. */
export function trafficShape(nodes: number, transmissions: number): TrafficShape {
  const advertShare = Math.min(0.5, Math.max(0.2, (1.4 * nodes) / transmissions));
  const expectedAdverts = advertShare * transmissions * 0.55;
  return {
    advertShare,
    coverageRate: Math.min(1, (1.6 * nodes) / Math.max(1, expectedAdverts)),
    reachMean: 12,
  };
}

/** Runs pilots and returns the base reception probability. */
export async function calibrate(
  mesh: Mesh,
  router: Router,
  seed: number,
  shape: TrafficShape,
  ratio: number,
  sample = 3000,
): Promise<number> {
  let pRx = 0.5;
  for (let iter = 0; iter < 3; iter++) {
    const t = new Traffic(mesh, {
      seed,
      label: `pilot${iter}`,
      pRx,
      payloads: false,
      router,
      ...shape,
    });
    let tx = 0, obs = 0, clock = 0;
    const want = iter === 2 ? sample : Math.ceil(sample / 2);
    while (tx < want) {
      for (const p of await t.exchange(clock++)) {
        if (p.copies.length === 0) continue;
        tx++;
        obs += p.copies.length;
      }
    }
    const measured = obs / Math.max(1, tx);
    pRx = Math.min(1, Math.max(0.01, pRx * Math.pow(ratio / measured, iter === 0 ? 1 : 0.9)));
  }
  return pRx;
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

  /** The `pRx` multiplier to use next, given the counts so far. */
  scale(tx: number, obs: number): number {
    const expected = (tx / this.#txTarget) * this.#obsTarget;
    const err = (obs - expected) / this.#obsTarget;
    return Math.min(1.6, Math.max(0.6, 1 - 10 * err));
  }
}
