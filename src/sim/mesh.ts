/**
 * The synthetic mesh: nodes with real (deterministic) Ed25519 identities,
 * roles, positions, hop sizes, radio links and observers.
 *
 * Model:
 * - Roles: ~60 % repeaters (the only relays), ~5 % room servers, ~3 % sensors,
 *   the rest companions. Every 12th repeater sits on a hill site with ~45 km
 *   range; town repeaters have 8–25 km.
 * - Relay links: a pair is eligible when its distance is at most the mean of
 *   the two ranges; each repeater links to 2–4 random eligible repeaters (hill
 *   sites 5–10), links are symmetric, and the closest cross-component pairs
 *   are linked until the relay graph is connected.
 * - Access links: every non-relay node links to its nearest 1–3 relays within
 *   15 km (always at least the nearest). Companion observers get 3–6 within 25 km.
 * - Hop sizes: each node originates with 1-byte hops (85 %), 2 (12 %) or 3 (3 %).
 * - Observers: a share are repeaters (co-located, relaying), the rest
 *   companion uplinks; both spread out geographically.
 *
 * @module
 */

import { Prng } from "./prng.ts";
import { type Identity, identityFromSeed } from "./keys.ts";
import { CITIES, distanceKm, HILLS, iataFor, nearestCity, positionNear } from "./geo.ts";
import { companionName, repeaterName, roomName, sensorName } from "./names.ts";
import { shapeByName, type ShapeParams } from "./shapes.ts";

/** Node roles the simulator uses (advert type nibble 1–4). */
export type SimRole = "companion" | "repeater" | "room" | "sensor";

/** One simulated node. */
export interface SimNode extends Identity {
  readonly index: number;
  readonly role: SimRole;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** Bytes per hop in the packets this node originates (1–3). */
  readonly hashSize: 1 | 2 | 3;
  /** Whether it forwards floods (repeaters). */
  readonly relay: boolean;
  /** Index into {@linkcode Mesh.relays}, or -1. */
  readonly relayIndex: number;
  /** Radio neighbours (node indexes): relay links plus access links. */
  readonly neighbors: readonly number[];
  /** Observer index, or -1. */
  readonly observer: number;
  /** Town tag (`SF`, `OAK`, …). */
  readonly town: string;
  /** Sensor telemetry (sensors only). */
  readonly telemetry?: { batteryMv: number; temperatureC: number };
}

/** One observer (MQTT uplink). `rowid` is what `observations.observer_idx` holds. */
export interface SimObserver {
  readonly index: number;
  readonly rowid: number;
  /** Node index of the observer's radio. */
  readonly node: number;
  /** Observer id: the node key in uppercase hex. */
  readonly id: string;
  readonly name: string;
  readonly iata: string;
  readonly model: string;
  readonly firmware: string;
  readonly clientVersion: string;
  readonly radio: string;
  /** The `repeat` status flag: co-located relaying repeaters. */
  readonly canRelay: boolean;
}

/** A built mesh. */
export interface Mesh {
  readonly seed: number;
  readonly shape: ShapeParams;
  readonly nodes: readonly SimNode[];
  readonly observers: readonly SimObserver[];
  /** Relay index → node index. */
  readonly relays: Int32Array;
  /** CSR adjacency of the relay graph (relay indexes): neighbours of r are `adj[start[r]..start[r+1])`. */
  readonly relayAdjStart: Int32Array;
  readonly relayAdj: Int32Array;
  /** Number of undirected radio links (relay and access). */
  readonly linkCount: number;
  /** Whether nodes `a` and `b` share a radio link. */
  isLink(a: number, b: number): boolean;
  /** Uppercase hex of the first `size` bytes of node `n`'s key. */
  hopHex(n: number, size: number): string;
}

const MODELS = ["Heltec V3", "RAK4631", "Station G2", "T-Beam", "Xiao S3", "Heltec T114"];
const FIRMWARE = ["v1.9.1", "v1.10.0", "v1.11.2", "v1.12.0"];
const CLIENTS = [
  "meshcoretomqtt/1.0.6.3-6415650",
  "pyMC_repeater/1.0.6.dev140+gdd7f3b21f",
  "meshcore-packet-capture/1.2-1bd909c",
];

/** Builds the mesh of a shape (`"S"` … `"XL"` or parameters) from a seed. */
export async function buildMesh(shape: ShapeParams | string, seed = 1): Promise<Mesh> {
  const params = typeof shape === "string" ? shapeByName(shape) : shape;
  const root = new Prng(seed, "mesh");
  const rng = root.fork("layout");
  const n = params.nodes;
  const nRpt = Math.round(n * 0.6);
  const nRoom = Math.max(1, Math.round(n * 0.05));
  const nSensor = Math.max(1, Math.round(n * 0.03));
  const roles: SimRole[] = [];
  for (let i = 0; i < n; i++) {
    roles.push(
      i < nRpt
        ? "repeater"
        : i < nRpt + nRoom
        ? "room"
        : i < nRpt + nRoom + nSensor
        ? "sensor"
        : "companion",
    );
  }
  rng.shuffle(roles);

  const cityWeights = CITIES.map((c) => c.weight);
  const hillWeights = HILLS.map((h) => h.weight);
  const lat = new Float64Array(n), lon = new Float64Array(n), range = new Float64Array(n);
  const hill = new Uint8Array(n);
  let rptSeen = 0;
  for (let i = 0; i < n; i++) {
    let p;
    if (roles[i] === "repeater" && rptSeen++ % 12 === 0) {
      hill[i] = 1;
      p = positionNear(rng, HILLS[rng.weighted(hillWeights)]);
      range[i] = rng.uniform(38, 50);
    } else {
      p = positionNear(rng, CITIES[rng.weighted(cityWeights)], roles[i] === "repeater" ? 1.6 : 1.3);
      range[i] = roles[i] === "repeater" ? rng.uniform(8, 25) : rng.uniform(6, 15);
    }
    lat[i] = p.lat;
    lon[i] = p.lon;
  }

  // Hop sizes.
  const hashSize = new Uint8Array(n);
  for (let i = 0; i < n; i++) hashSize[i] = [1, 2, 3][rng.weighted([85, 12, 3])];

  // Relay graph.
  const relayNodes: number[] = [];
  for (let i = 0; i < n; i++) if (roles[i] === "repeater") relayNodes.push(i);
  const R = relayNodes.length;
  const relayIndex = new Int32Array(n).fill(-1);
  relayNodes.forEach((node, r) => (relayIndex[node] = r));
  const links = new Set<number>();
  const adj: number[][] = Array.from({ length: n }, () => []);
  const link = (a: number, b: number) => {
    if (a === b) return;
    const key = a < b ? a * n + b : b * n + a;
    if (links.has(key)) return;
    links.add(key);
    adj[a].push(b);
    adj[b].push(a);
  };
  for (let ri = 0; ri < R; ri++) {
    const a = relayNodes[ri];
    const eligible: number[] = [];
    for (let rj = 0; rj < R; rj++) {
      const b = relayNodes[rj];
      if (b !== a && distanceKm(lat[a], lon[a], lat[b], lon[b]) <= (range[a] + range[b]) / 2) {
        eligible.push(b);
      }
    }
    const k = hill[a] ? rng.range(5, 10) : rng.range(2, 4);
    rng.shuffle(eligible);
    for (let j = 0; j < Math.min(k, eligible.length); j++) link(a, eligible[j]);
  }
  connectRelays(relayNodes, adj, lat, lon, link);

  // Access links for non-relays (observers chosen first so companion uplinks get more).
  const observerOf = new Int32Array(n).fill(-1);
  const nRelayObs = Math.min(R, Math.round(params.observers * params.relayObserverShare));
  const companions: number[] = [];
  for (let i = 0; i < n; i++) if (roles[i] === "companion") companions.push(i);
  const nCompObs = Math.min(companions.length, params.observers - nRelayObs);
  const chosen = [
    ...spreadPick(rng, relayNodes, nRelayObs, lat, lon),
    ...spreadPick(rng, companions, nCompObs, lat, lon),
  ];
  chosen.forEach((node, k) => (observerOf[node] = k));
  // Observers sit high with good antennas: relay observers get 2–5 extra relay links.
  for (const a of chosen) {
    if (roles[a] !== "repeater") continue;
    const extra = relayNodes.filter((b) =>
      b !== a && distanceKm(lat[a], lon[a], lat[b], lon[b]) <= Math.max(range[a], 20)
    );
    rng.shuffle(extra);
    for (const b of extra.slice(0, rng.range(2, 5))) link(a, b);
  }
  for (let i = 0; i < n; i++) {
    if (roles[i] === "repeater") continue;
    const uplink = observerOf[i] >= 0;
    const byDist = relayNodes
      .map((b) => ({ b, d: distanceKm(lat[i], lon[i], lat[b], lon[b]) }))
      .sort((x, y) => x.d - y.d || x.b - y.b);
    const m = uplink ? rng.range(4, 8) : rng.range(1, 3);
    const maxKm = uplink ? 25 : 15;
    for (let j = 0; j < Math.min(m, byDist.length); j++) {
      if (j > 0 && byDist[j].d > maxKm) break;
      link(i, byDist[j].b);
    }
  }

  // Identities (sequential: deterministic).
  const keyRng = root.fork("keys");
  const ids: Identity[] = [];
  for (let i = 0; i < n; i++) ids.push(await identityFromSeed(keyRng.bytes(32)));

  const nameRng = root.fork("names");
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) {
    const town = nearestCity(lat[i], lon[i]).tag;
    const hillTag = hill[i]
      ? HILLS.reduce((b, h) =>
        distanceKm(lat[i], lon[i], h.lat, h.lon) < distanceKm(lat[i], lon[i], b.lat, b.lon) ? h : b
      ).tag
      : town;
    const role = roles[i];
    const name = role === "repeater"
      ? repeaterName(nameRng, hillTag, ids[i].keyHex)
      : role === "room"
      ? roomName(nameRng, town)
      : role === "sensor"
      ? sensorName(nameRng, town)
      : companionName(nameRng);
    nodes.push({
      ...ids[i],
      index: i,
      role,
      name,
      lat: lat[i],
      lon: lon[i],
      hashSize: hashSize[i] as 1 | 2 | 3,
      relay: role === "repeater",
      relayIndex: relayIndex[i],
      neighbors: adj[i].slice().sort((x, y) => x - y),
      observer: observerOf[i],
      town,
      telemetry: role === "sensor"
        ? { batteryMv: nameRng.range(3300, 4200), temperatureC: nameRng.range(500, 3200) / 100 }
        : undefined,
    });
  }

  const obsRng = root.fork("observers");
  const observers: SimObserver[] = chosen.map((node, k) => {
    const nd = nodes[node];
    return {
      index: k,
      rowid: k + 1,
      node,
      id: nd.keyHex.toUpperCase(),
      name: nd.relay ? nd.name : `${nd.town} Observer ${k + 1}`,
      iata: iataFor(nd.lat, nd.lon),
      model: obsRng.pick(MODELS),
      firmware: obsRng.pick(FIRMWARE),
      clientVersion: obsRng.pick(CLIENTS),
      radio: obsRng.chance(0.7) ? "910.525,62.5,7,5" : "910.5250244,62.5,7,5",
      canRelay: nd.relay,
    };
  });

  // CSR relay adjacency.
  const start = new Int32Array(R + 1);
  for (let r = 0; r < R; r++) {
    start[r + 1] = start[r] + adj[relayNodes[r]].filter((b) => relayIndex[b] >= 0).length;
  }
  const radj = new Int32Array(start[R]);
  for (let r = 0; r < R; r++) {
    let o = start[r];
    for (const b of nodes[relayNodes[r]].neighbors) {
      if (relayIndex[b] >= 0) radj[o++] = relayIndex[b];
    }
  }
  const hex: string[][] = [[], [], [], []];
  for (const nd of nodes) {
    for (let s = 1; s <= 3; s++) hex[s].push(nd.keyHex.slice(0, 2 * s).toUpperCase());
  }
  return {
    seed,
    shape: params,
    nodes,
    observers,
    relays: Int32Array.from(relayNodes),
    relayAdjStart: start,
    relayAdj: radj,
    linkCount: links.size,
    isLink: (a, b) => links.has(a < b ? a * n + b : b * n + a),
    hopHex: (node, size) => hex[size][node],
  };
}

/** Links the closest pair across components until the relay graph is connected. */
function connectRelays(
  relayNodes: number[],
  adj: number[][],
  lat: Float64Array,
  lon: Float64Array,
  link: (a: number, b: number) => void,
): void {
  const isRelay = new Uint8Array(adj.length);
  for (const r of relayNodes) isRelay[r] = 1;
  for (;;) {
    const comp = new Int32Array(adj.length).fill(-1);
    const sizes: number[] = [];
    for (const s of relayNodes) {
      if (comp[s] >= 0) continue;
      const c = sizes.length;
      sizes.push(1);
      const stack = [s];
      comp[s] = c;
      while (stack.length) {
        const x = stack.pop()!;
        for (const y of adj[x]) {
          if (isRelay[y] && comp[y] < 0) {
            comp[y] = c;
            sizes[c]++;
            stack.push(y);
          }
        }
      }
    }
    if (sizes.length <= 1) return;
    // The smallest component joins its nearest outside relay.
    const small = sizes.indexOf(Math.min(...sizes));
    let best = Infinity, ba = -1, bb = -1;
    for (const a of relayNodes) {
      if (comp[a] !== small) continue;
      for (const b of relayNodes) {
        if (comp[b] === small) continue;
        const d = distanceKm(lat[a], lon[a], lat[b], lon[b]);
        if (d < best) {
          best = d;
          ba = a;
          bb = b;
        }
      }
    }
    link(ba, bb);
  }
}

/** Picks `k` of `pool` spread out: each next pick maximises the distance to those already picked. */
function spreadPick(
  rng: Prng,
  pool: number[],
  k: number,
  lat: Float64Array,
  lon: Float64Array,
): number[] {
  if (k <= 0) return [];
  const cand = rng.shuffle(pool.slice()).slice(0, Math.min(pool.length, 400));
  const picked: number[] = [cand[0]];
  const minD = cand.map((b) => distanceKm(lat[cand[0]], lon[cand[0]], lat[b], lon[b]));
  while (picked.length < Math.min(k, cand.length)) {
    // Mostly spread, sometimes random, so observers cluster a little like real ones.
    let j: number;
    if (rng.chance(0.25)) j = rng.int(cand.length);
    else j = minD.indexOf(Math.max(...minD));
    if (minD[j] === 0) j = minD.findIndex((d) => d > 0);
    if (j < 0) break;
    const p = cand[j];
    picked.push(p);
    for (let i = 0; i < cand.length; i++) {
      minD[i] = Math.min(minD[i], distanceKm(lat[p], lon[p], lat[cand[i]], lon[cand[i]]));
    }
  }
  return picked;
}
