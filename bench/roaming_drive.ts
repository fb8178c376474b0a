/**
 * Roaming clients for the coverage benchmarks: each drives sessions of 250
 * receptions ~80 m apart, starting near a random hub (a relay) and turning a
 * little at each step. `bench/geo_bench.ts` and `bench/coverage_cold_bench.ts`
 * share it, so both draw the same kind of tracks from their random stream.
 *
 * @module
 */

/** One client's drive: where it is, where it is heading, which hub it started near. */
export interface Drive<H> {
  client: number;
  lat: number;
  lon: number;
  heading: number;
  left: number;
  hub: H;
}

/** `clients` roaming clients around `hubs` (positions by `pos`), moved with `rnd`. */
export class RoamingDrives<H> {
  readonly #drives: Drive<H>[];
  readonly #hubs: H[];
  readonly #pos: (hub: H) => { lat: number; lon: number };
  readonly #rnd: () => number;

  constructor(
    clients: number,
    hubs: H[],
    pos: (hub: H) => { lat: number; lon: number },
    rnd: () => number,
  ) {
    if (hubs.length === 0) throw new Error("Cannot drive: no hubs");
    this.#hubs = hubs;
    this.#pos = pos;
    this.#rnd = rnd;
    this.#drives = Array.from(
      { length: clients },
      (_, client) => ({ client, lat: 0, lon: 0, heading: 0, left: 0, hub: hubs[0] }),
    );
  }

  /** A random client's next reception point (its drive, moved on one step). */
  next(): Drive<H> {
    const rnd = this.#rnd;
    const d = this.#drives[Math.floor(rnd() * this.#drives.length)];
    if (d.left === 0) {
      d.hub = this.#hubs[Math.floor(rnd() * this.#hubs.length)];
      const at = this.#pos(d.hub);
      d.lat = at.lat + (rnd() - 0.5) * 0.02;
      d.lon = at.lon + (rnd() - 0.5) * 0.02;
      d.heading = rnd() * 2 * Math.PI;
      d.left = 250;
    }
    d.left--;
    d.heading += (rnd() - 0.5) * 0.6;
    d.lat += Math.cos(d.heading) * 0.0007;
    d.lon += Math.sin(d.heading) * 0.0009;
    return d;
  }
}
