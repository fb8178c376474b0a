/** The schema of data-model §2 written out independently of src/db/schema.ts, and its check. @module */

import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { columnsOf, scalar } from "./helpers.ts";

/** The schema of data-model §2, written out independently of src/db/schema.ts. */
export const SPEC_COLUMNS: Record<string, string[]> = {
  transmissions: [
    "id",
    "raw_hex",
    "hash",
    "first_seen",
    "route_type",
    "payload_type",
    "payload_version",
    "decoded_json",
    "created_at",
    "channel_hash",
    "from_pubkey",
    "last_seen",
    "scope_name",
  ],
  observations: [
    "id",
    "transmission_id",
    "observer_idx",
    "direction",
    "snr",
    "rssi",
    "score",
    "path_json",
    "timestamp",
    "resolved_path",
    "raw_hex",
  ],
  nodes: [
    "public_key",
    "name",
    "role",
    "lat",
    "lon",
    "last_seen",
    "first_seen",
    "advert_count",
    "battery_mv",
    "temperature_c",
    "foreign_advert",
    "default_scope",
    "multibyte_sup",
    "multibyte_evidence",
    "last_relayed",
    "relay_count",
  ],
  observers: [
    "id",
    "name",
    "iata",
    "last_seen",
    "first_seen",
    "packet_count",
    "model",
    "firmware",
    "client_version",
    "radio",
    "battery_mv",
    "uptime_secs",
    "noise_floor",
    "inactive",
    "last_packet_at",
    "clock_skew_seconds",
    "clock_skew_count_24h",
    "clock_last_naive_at",
    "can_relay",
    "can_relay_seen",
  ],
  neighbor_edges: ["node_a", "node_b", "count", "last_seen"],
  observer_metrics: [
    "observer_id",
    "timestamp",
    "noise_floor",
    "tx_air_secs",
    "rx_air_secs",
    "recv_errors",
    "battery_mv",
    "packets_sent",
    "packets_recv",
  ],
  dropped_packets: [
    "id",
    "hash",
    "raw_hex",
    "reason",
    "observer_id",
    "observer_name",
    "node_pubkey",
    "node_name",
    "dropped_at",
  ],
  client_receptions: ["id", "rx_pubkey", "heard_key", "rx_at"],
  client_observers: ["pubkey", "name", "last_seen"],
  _migrations: ["name", "applied_at"],
};
SPEC_COLUMNS.inactive_nodes = SPEC_COLUMNS.nodes;

/** Index name → a fragment its SQL must contain. */
export const SPEC_INDEXES: Record<string, string> = {
  idx_transmissions_hash: "(hash)",
  idx_transmissions_first_seen: "(first_seen)",
  idx_transmissions_payload_type: "(payload_type)",
  idx_transmissions_from_pubkey: "(from_pubkey)",
  idx_tx_channel_hash: "WHERE payload_type = 5",
  idx_tx_scope_name: "WHERE scope_name IS NOT NULL",
  idx_observations_transmission_id: "(transmission_id)",
  idx_observations_observer_idx: "(observer_idx)",
  idx_observations_timestamp: "(timestamp)",
  idx_observations_tx_ts: "(transmission_id, timestamp)",
  idx_observations_observer_idx_timestamp: "(observer_idx, timestamp)",
  idx_observations_dedup: "(transmission_id, observer_idx, COALESCE(path_json, ''))",
};

/** Asserts every spec table, column, index and the view exist. */
export function assertSpecSchema(db: DatabaseSync): void {
  for (const [table, cols] of Object.entries(SPEC_COLUMNS)) {
    const have = columnsOf(db, table);
    assert.ok(have.length > 0, `table ${table} missing`);
    for (const c of cols) assert.ok(have.includes(c), `column ${table}.${c} missing`);
  }
  for (const [name, fragment] of Object.entries(SPEC_INDEXES)) {
    const sql = scalar(db, `SELECT sql FROM sqlite_master WHERE type='index' AND name=?`, name);
    assert.equal(typeof sql, "string", `index ${name} missing`);
    assert.ok((sql as string).includes(fragment), `index ${name}: ${sql}`);
  }
  const dedup = String(
    scalar(db, `SELECT sql FROM sqlite_master WHERE name='idx_observations_dedup'`),
  );
  assert.match(dedup, /^CREATE UNIQUE INDEX/);
  const view = String(
    scalar(db, `SELECT sql FROM sqlite_master WHERE type='view' AND name='packets_v'`),
  );
  assert.match(view, /COALESCE\(o\.raw_hex, t\.raw_hex\)/);
  assert.match(view, /obs\.rowid = o\.observer_idx/);
  assert.match(view, /obs\.inactive/);
}
