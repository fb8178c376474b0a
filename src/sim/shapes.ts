/**
 * Size presets of the synthetic database (`--shape S|M|L|XL`).
 *
 * `transmissions` is met exactly; `observations` is a target the generator
 * calibrates towards (see `calibrate` in `traffic.ts`), normally within ±3 %.
 *
 * @module
 */

/** Shape names. */
export type ShapeName = "S" | "M" | "L" | "XL";

/** Parameters of one shape. */
export interface ShapeParams {
  readonly name: ShapeName;
  /** Nodes (every one adverts at least once, so this is the `nodes` row count). */
  readonly nodes: number;
  /** Observers (MQTT uplinks). */
  readonly observers: number;
  /** Transmission rows. */
  readonly transmissions: number;
  /** Target observation rows. */
  readonly observations: number;
  /** Days of traffic, ending at "now". */
  readonly spanDays: number;
  /** Share of observers that are relaying repeaters (the rest are companion uplinks). */
  readonly relayObserverShare: number;
}

/** The four presets. */
export const SHAPES: Readonly<Record<ShapeName, ShapeParams>> = {
  S: {
    name: "S",
    nodes: 80,
    observers: 6,
    transmissions: 300,
    observations: 3_000,
    spanDays: 1,
    relayObserverShare: 0.5,
  },
  M: {
    name: "M",
    nodes: 1_200,
    observers: 20,
    transmissions: 37_000,
    observations: 388_000,
    spanDays: 4,
    relayObserverShare: 0.6,
  },
  L: {
    name: "L",
    nodes: 2_379,
    observers: 33,
    transmissions: 62_000,
    observations: 1_660_000,
    spanDays: 7,
    relayObserverShare: 0.6,
  },
  XL: {
    name: "XL",
    nodes: 6_000,
    observers: 60,
    transmissions: 325_000,
    observations: 7_300_000,
    spanDays: 10,
    relayObserverShare: 0.6,
  },
};

/** The preset named `name` (case-insensitive), or throws. */
export function shapeByName(name: string): ShapeParams {
  const shape = SHAPES[name.toUpperCase() as ShapeName];
  if (!shape) throw new Error(`Cannot use shape "${name}": expected S, M, L or XL`);
  return shape;
}
