/**
 * A small synthetic database for the paths-through-node tests: two relays A
 * and B whose keys share their first 4 bytes (so 1- and 2-byte hops collide,
 * and an 8-hex prefix is ambiguous), plus a third relay C, and packets whose
 * stored `resolved_path` says exactly which relay carried them.
 *
 * @module
 */

import { openDatabase } from "../../src/db/database.ts";
import { contentHash, PAYLOAD_TYPE } from "../../src/meshcore/mod.ts";
import { bytesToHex, encodePacket } from "../../src/meshcore/encode.ts";

/** Relay A: `abcd1234 11...`. */
export const KEY_A = "abcd1234" + "11".repeat(28);
/** Relay B: `abcd1234 22...` (same 1-, 2-, 3- and 4-byte prefix as A). */
export const KEY_B = "abcd1234" + "22".repeat(28);
/** Relay C: unrelated prefix. */
export const KEY_C = "ef01" + "33".repeat(30);
/** Relay D: its 1-byte prefix `9a` is shared with nobody. */
export const KEY_D = "9a" + "44".repeat(31);
/** The observer (also a node). */
export const OBSERVER = "5E".repeat(32);

/** One synthetic transmission and what the test expects of it. */
export interface MeshPacket {
  name: string;
  hops: string[];
  resolved: (string | null)[] | null;
  /** Which relays really carried it (resolved), or may claim it by unique prefix. */
  throughA: boolean;
  throughB: boolean;
  throughD: boolean;
  /** Seconds before the base time. */
  ageSec: number;
}

/** The packets of the mesh. */
export const PACKETS: MeshPacket[] = [
  {
    name: "A 1-byte",
    hops: ["AB"],
    resolved: [KEY_A],
    throughA: true,
    throughB: false,
    throughD: false,
    ageSec: 60,
  },
  {
    name: "B 1-byte",
    hops: ["AB"],
    resolved: [KEY_B],
    throughA: false,
    throughB: true,
    throughD: false,
    ageSec: 120,
  },
  {
    name: "A 2-byte",
    hops: ["ABCD", "EF01"],
    resolved: [KEY_A, KEY_C],
    throughA: true,
    throughB: false,
    throughD: false,
    ageSec: 300,
  },
  {
    name: "B 2-byte",
    hops: ["EF01", "ABCD"],
    resolved: [KEY_C, KEY_B],
    throughA: false,
    throughB: true,
    throughD: false,
    ageSec: 400,
  },
  {
    name: "B old",
    hops: ["AB"],
    resolved: [KEY_B],
    throughA: false,
    throughB: true,
    throughD: false,
    ageSec: 7200,
  },
  {
    name: "ambiguous 1-byte",
    hops: ["AB"],
    resolved: null,
    throughA: false,
    throughB: false,
    throughD: false,
    ageSec: 30,
  },
  {
    name: "ambiguous 2-byte",
    hops: ["ABCD"],
    resolved: null,
    throughA: false,
    throughB: false,
    throughD: false,
    ageSec: 40,
  },
  {
    name: "C only",
    hops: ["EF"],
    resolved: [KEY_C],
    throughA: false,
    throughB: false,
    throughD: false,
    ageSec: 50,
  },
  {
    name: "D unique prefix, unresolved",
    hops: ["9A", "EF"],
    resolved: null,
    throughA: false,
    throughB: false,
    throughD: true,
    ageSec: 70,
  },
  {
    name: "A and D",
    hops: ["AB", "9A"],
    resolved: [KEY_A, KEY_D],
    throughA: true,
    throughB: false,
    throughD: true,
    ageSec: 80,
  },
];

/** Base time of the mesh (the newest packet is 30 s before it). */
export const MESH_NOW = Date.parse("2026-05-17T18:20:00Z");

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Writes the mesh database to `path` (a new file); returns the content hash per packet name. */
export function writeMeshDb(path: string): Map<string, string> {
  const hashes = new Map<string, string>();
  const hdb = openDatabase(path, { log: () => {} });
  const db = hdb.db;
  const node = db.prepare(
    `INSERT INTO nodes (public_key, name, role, lat, lon, last_seen, first_seen, advert_count)
     VALUES (?, ?, 'repeater', ?, ?, ?, ?, 1)`,
  );
  const seen = iso(MESH_NOW - 86_400_000);
  node.run(KEY_A, "Relay A", 37.70, -122.40, seen, seen);
  node.run(KEY_B, "Relay B", 37.72, -122.38, seen, seen);
  node.run(KEY_C, "Relay C", 37.75, -122.35, seen, seen);
  node.run(KEY_D, "Relay D", 37.78, -122.30, seen, seen);
  db.prepare(
    `INSERT INTO observers (id, name, iata, last_seen, first_seen, packet_count) VALUES (?, 'Obs', 'SFO', ?, ?, 0)`,
  ).run(OBSERVER, iso(MESH_NOW), seen);
  const obsIdx = Number(
    db.prepare(`SELECT rowid AS r FROM observers WHERE id = ?`).get(OBSERVER)!.r,
  );
  const tx = db.prepare(
    `INSERT INTO transmissions (raw_hex, hash, first_seen, route_type, payload_type, decoded_json)
     VALUES (?, ?, ?, 1, ?, NULL)`,
  );
  const ob = db.prepare(
    `INSERT INTO observations (transmission_id, observer_idx, snr, rssi, path_json, timestamp, resolved_path)
     VALUES (?, ?, 5.5, -90, ?, ?, ?)`,
  );
  PACKETS.forEach((p, i) => {
    const size = p.hops[0].length / 2;
    const raw = encodePacket({
      routeType: 1,
      payloadType: PAYLOAD_TYPE.TXT_MSG,
      hashSize: size,
      hops: p.hops,
      payload: Uint8Array.of(
        0x10,
        0x20,
        i,
        0x55,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        16,
      ),
    });
    const hex = bytesToHex(raw).toUpperCase();
    const ms = MESH_NOW - p.ageSec * 1000;
    const hash = contentHash(raw);
    hashes.set(p.name, hash);
    const r = tx.run(hex, hash, iso(ms), PAYLOAD_TYPE.TXT_MSG);
    ob.run(
      Number(r.lastInsertRowid),
      obsIdx,
      JSON.stringify(p.hops),
      Math.floor(ms / 1000),
      p.resolved ? JSON.stringify(p.resolved) : null,
    );
  });
  hdb.close();
  return hashes;
}
