/**
 * The current hopwatch SQLite schema (data-model §2), described as data so that a new file can be
 * created in one go, older CoreScope files can be upgraded column by column, and tests can assert
 * that both paths end up with the same tables, columns, indexes and view.
 *
 * Table and column names follow the CoreScope reference so a CoreScope database opens in place.
 * hopwatch additions: `nodes.last_relayed` / `nodes.relay_count` (relay last-seen persistence, see
 * {@link RELAY_COLUMNS_DOC}) and `_migrations.applied_at`.
 *
 * @module
 */

/** One column: its name and the declaration used by CREATE TABLE. */
export interface ColumnDef {
  /** Column name. */
  name: string;
  /** Declaration after the name in CREATE TABLE, e.g. `INTEGER NOT NULL DEFAULT 0`. */
  decl: string;
  /**
   * Declaration used by `ALTER TABLE ... ADD COLUMN` when it must differ from {@link decl}
   * (SQLite forbids PRIMARY KEY, UNIQUE and non-constant defaults there). `null` means the column
   * can only come with the table (primary keys, `created_at`).
   */
  addDecl?: string | null;
}

/** One table: its columns in order and any table-level constraints. */
export interface TableDef {
  /** Table name. */
  name: string;
  /** Columns, in CREATE TABLE order. */
  columns: ColumnDef[];
  /** Table constraints appended after the columns, e.g. `PRIMARY KEY (node_a, node_b)`. */
  constraints?: string[];
}

/** One index, with the exact CREATE statement (always `IF NOT EXISTS`). */
export interface IndexDef {
  /** Index name. */
  name: string;
  /** Table the index belongs to. */
  table: string;
  /** Full `CREATE [UNIQUE] INDEX IF NOT EXISTS ...` statement. */
  sql: string;
}

/**
 * Documentation of the relay last-seen columns (the reference's `touchRelayLastSeen` never
 * committed). Kept as a constant so the report and the schema cannot drift apart.
 */
export const RELAY_COLUMNS_DOC =
  "nodes.last_relayed TEXT (RFC3339 ingest time of the newest packet this node was credited with " +
  "relaying; only moves forward, a future value is clamped to now) and nodes.relay_count INTEGER " +
  "NOT NULL DEFAULT 0 (lifetime number of relay credits). Same columns on inactive_nodes.";

const NODE_COLUMNS: ColumnDef[] = [
  { name: "public_key", decl: "TEXT PRIMARY KEY", addDecl: null },
  { name: "name", decl: "TEXT" },
  { name: "role", decl: "TEXT" },
  { name: "lat", decl: "REAL" },
  { name: "lon", decl: "REAL" },
  { name: "last_seen", decl: "TEXT" },
  { name: "first_seen", decl: "TEXT" },
  { name: "advert_count", decl: "INTEGER DEFAULT 0" },
  { name: "battery_mv", decl: "INTEGER" },
  { name: "temperature_c", decl: "REAL" },
  { name: "foreign_advert", decl: "INTEGER DEFAULT 0" },
  { name: "default_scope", decl: "TEXT" },
  { name: "multibyte_sup", decl: "INTEGER NOT NULL DEFAULT 0" },
  { name: "multibyte_evidence", decl: "TEXT" },
  { name: "last_relayed", decl: "TEXT" },
  { name: "relay_count", decl: "INTEGER NOT NULL DEFAULT 0" },
];

/** Every table of the current schema, in creation order. */
export const TABLES: readonly TableDef[] = [
  {
    name: "transmissions",
    columns: [
      { name: "id", decl: "INTEGER PRIMARY KEY AUTOINCREMENT", addDecl: null },
      { name: "raw_hex", decl: "TEXT NOT NULL", addDecl: null },
      { name: "hash", decl: "TEXT NOT NULL UNIQUE", addDecl: null },
      { name: "first_seen", decl: "TEXT NOT NULL", addDecl: null },
      { name: "route_type", decl: "INTEGER" },
      { name: "payload_type", decl: "INTEGER" },
      { name: "payload_version", decl: "INTEGER" },
      { name: "decoded_json", decl: "TEXT" },
      { name: "created_at", decl: "TEXT DEFAULT (datetime('now'))", addDecl: "TEXT" },
      { name: "channel_hash", decl: "TEXT DEFAULT NULL" },
      { name: "from_pubkey", decl: "TEXT" },
      { name: "last_seen", decl: "INTEGER NOT NULL DEFAULT 0" },
      { name: "scope_name", decl: "TEXT DEFAULT NULL" },
    ],
  },
  {
    name: "observations",
    columns: [
      { name: "id", decl: "INTEGER PRIMARY KEY AUTOINCREMENT", addDecl: null },
      {
        name: "transmission_id",
        decl: "INTEGER NOT NULL REFERENCES transmissions(id)",
        addDecl: null,
      },
      { name: "observer_idx", decl: "INTEGER" },
      { name: "direction", decl: "TEXT" },
      { name: "snr", decl: "REAL" },
      { name: "rssi", decl: "REAL" },
      { name: "score", decl: "INTEGER" },
      { name: "path_json", decl: "TEXT" },
      { name: "timestamp", decl: "INTEGER NOT NULL", addDecl: null },
      { name: "resolved_path", decl: "TEXT" },
      { name: "raw_hex", decl: "TEXT" },
    ],
  },
  { name: "nodes", columns: NODE_COLUMNS },
  { name: "inactive_nodes", columns: NODE_COLUMNS },
  {
    name: "observers",
    columns: [
      { name: "id", decl: "TEXT PRIMARY KEY", addDecl: null },
      { name: "name", decl: "TEXT" },
      { name: "iata", decl: "TEXT" },
      { name: "last_seen", decl: "TEXT" },
      { name: "first_seen", decl: "TEXT" },
      { name: "packet_count", decl: "INTEGER DEFAULT 0" },
      { name: "model", decl: "TEXT" },
      { name: "firmware", decl: "TEXT" },
      { name: "client_version", decl: "TEXT" },
      { name: "radio", decl: "TEXT" },
      { name: "battery_mv", decl: "INTEGER" },
      { name: "uptime_secs", decl: "INTEGER" },
      { name: "noise_floor", decl: "REAL" },
      { name: "inactive", decl: "INTEGER DEFAULT 0" },
      { name: "last_packet_at", decl: "TEXT DEFAULT NULL" },
      { name: "clock_skew_seconds", decl: "INTEGER DEFAULT NULL" },
      { name: "clock_skew_count_24h", decl: "INTEGER DEFAULT 0" },
      { name: "clock_last_naive_at", decl: "TEXT DEFAULT NULL" },
      { name: "can_relay", decl: "INTEGER DEFAULT 1" },
      { name: "can_relay_seen", decl: "INTEGER DEFAULT 0" },
    ],
  },
  {
    name: "neighbor_edges",
    columns: [
      { name: "node_a", decl: "TEXT NOT NULL", addDecl: null },
      { name: "node_b", decl: "TEXT NOT NULL", addDecl: null },
      { name: "count", decl: "INTEGER DEFAULT 1" },
      { name: "last_seen", decl: "TEXT" },
    ],
    constraints: ["PRIMARY KEY (node_a, node_b)"],
  },
  {
    name: "observer_metrics",
    columns: [
      { name: "observer_id", decl: "TEXT NOT NULL", addDecl: null },
      { name: "timestamp", decl: "TEXT NOT NULL", addDecl: null },
      { name: "noise_floor", decl: "REAL" },
      { name: "tx_air_secs", decl: "INTEGER" },
      { name: "rx_air_secs", decl: "INTEGER" },
      { name: "recv_errors", decl: "INTEGER" },
      { name: "battery_mv", decl: "INTEGER" },
      { name: "packets_sent", decl: "INTEGER" },
      { name: "packets_recv", decl: "INTEGER" },
    ],
    constraints: ["PRIMARY KEY (observer_id, timestamp)"],
  },
  {
    name: "dropped_packets",
    columns: [
      { name: "id", decl: "INTEGER PRIMARY KEY AUTOINCREMENT", addDecl: null },
      { name: "hash", decl: "TEXT" },
      { name: "raw_hex", decl: "TEXT" },
      { name: "reason", decl: "TEXT NOT NULL", addDecl: null },
      { name: "observer_id", decl: "TEXT" },
      { name: "observer_name", decl: "TEXT" },
      { name: "node_pubkey", decl: "TEXT" },
      { name: "node_name", decl: "TEXT" },
      { name: "dropped_at", decl: "DATETIME DEFAULT CURRENT_TIMESTAMP", addDecl: "DATETIME" },
    ],
  },
  {
    name: "client_receptions",
    columns: [
      { name: "id", decl: "INTEGER PRIMARY KEY AUTOINCREMENT", addDecl: null },
      { name: "rx_pubkey", decl: "TEXT NOT NULL", addDecl: null },
      { name: "heard_key", decl: "TEXT NOT NULL", addDecl: null },
      { name: "heard_keylen", decl: "INTEGER NOT NULL", addDecl: null },
      { name: "rssi", decl: "INTEGER" },
      { name: "snr", decl: "REAL" },
      { name: "lat", decl: "REAL NOT NULL", addDecl: null },
      { name: "lon", decl: "REAL NOT NULL", addDecl: null },
      { name: "pos_acc_m", decl: "REAL" },
      { name: "rx_at", decl: "TEXT NOT NULL", addDecl: null },
      { name: "ingested_at", decl: "TEXT NOT NULL", addDecl: null },
      { name: "src", decl: "TEXT NOT NULL", addDecl: null },
    ],
    constraints: ["UNIQUE (rx_pubkey, heard_key, rx_at)"],
  },
  {
    name: "client_observers",
    columns: [
      { name: "pubkey", decl: "TEXT PRIMARY KEY", addDecl: null },
      { name: "name", decl: "TEXT" },
      { name: "last_seen", decl: "TEXT" },
    ],
  },
  {
    name: "_migrations",
    columns: [
      { name: "name", decl: "TEXT PRIMARY KEY", addDecl: null },
      { name: "applied_at", decl: "TEXT" },
    ],
  },
];

function idx(name: string, table: string, body: string, unique = false): IndexDef {
  const kind = unique ? "UNIQUE INDEX" : "INDEX";
  return { name, table, sql: `CREATE ${kind} IF NOT EXISTS ${name} ON ${table}${body}` };
}

/** The observation uniqueness key (data-model §2), also the upsert conflict target. */
export const OBSERVATION_DEDUP_INDEX: IndexDef = idx(
  "idx_observations_dedup",
  "observations",
  "(transmission_id, observer_idx, COALESCE(path_json, ''))",
  true,
);

/** Every index of the current schema (the dedup index included). */
export const INDEXES: readonly IndexDef[] = [
  idx("idx_transmissions_hash", "transmissions", "(hash)"),
  idx("idx_transmissions_first_seen", "transmissions", "(first_seen)"),
  idx("idx_transmissions_payload_type", "transmissions", "(payload_type)"),
  idx("idx_transmissions_from_pubkey", "transmissions", "(from_pubkey)"),
  idx("idx_tx_channel_hash", "transmissions", "(channel_hash) WHERE payload_type = 5"),
  idx("idx_tx_scope_name", "transmissions", "(scope_name) WHERE scope_name IS NOT NULL"),
  idx("idx_observations_transmission_id", "observations", "(transmission_id)"),
  idx("idx_observations_observer_idx", "observations", "(observer_idx)"),
  idx("idx_observations_timestamp", "observations", "(timestamp)"),
  idx("idx_observations_tx_ts", "observations", "(transmission_id, timestamp)"),
  idx("idx_observations_observer_idx_timestamp", "observations", "(observer_idx, timestamp)"),
  OBSERVATION_DEDUP_INDEX,
  idx("idx_nodes_last_seen", "nodes", "(last_seen)"),
  idx("idx_inactive_nodes_last_seen", "inactive_nodes", "(last_seen)"),
  idx("idx_observers_last_seen", "observers", "(last_seen)"),
  idx("idx_observer_metrics_timestamp", "observer_metrics", "(timestamp)"),
  idx("idx_dropped_observer", "dropped_packets", "(observer_id)"),
  idx("idx_dropped_node", "dropped_packets", "(node_pubkey)"),
  idx("idx_client_recept_rxat", "client_receptions", "(rx_at)"),
];

/** Name of the compatibility view (one row per observation, active observers joined). */
export const PACKETS_VIEW_NAME = "packets_v";

/**
 * `packets_v`: one row per observation with the observer's own raw copy when present. Column set
 * and `timestamp` format (`YYYY-MM-DD HH:MM:SS`) match the reference so its server can read it.
 */
export const PACKETS_VIEW_SQL = `CREATE VIEW IF NOT EXISTS ${PACKETS_VIEW_NAME} AS
  SELECT o.id, COALESCE(o.raw_hex, t.raw_hex) AS raw_hex,
         datetime(o.timestamp, 'unixepoch') AS timestamp,
         obs.id AS observer_id, obs.name AS observer_name,
         o.direction, o.snr, o.rssi, o.score, t.hash, t.route_type,
         t.payload_type, t.payload_version, o.path_json, t.decoded_json, t.created_at
  FROM observations o
  JOIN transmissions t ON t.id = o.transmission_id
  LEFT JOIN observers obs ON obs.rowid = o.observer_idx
    AND (obs.inactive IS NULL OR obs.inactive = 0)`;

/** Looks a table definition up by name; throws for an unknown table. */
export function tableDef(name: string): TableDef {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`Cannot find table "${name}": not part of the hopwatch schema`);
  return t;
}

/** `CREATE TABLE IF NOT EXISTS` statement for one table definition. */
export function createTableSql(t: TableDef): string {
  const parts = t.columns.map((c) => `  ${c.name} ${c.decl}`);
  for (const c of t.constraints ?? []) parts.push(`  ${c}`);
  return `CREATE TABLE IF NOT EXISTS ${t.name} (\n${parts.join(",\n")}\n)`;
}

/** The whole current schema as one SQL script (tables, indexes, view). */
export function currentSchemaSql(): string {
  const stmts = [
    ...TABLES.map(createTableSql),
    ...INDEXES.map((i) => i.sql),
    PACKETS_VIEW_SQL,
  ];
  return stmts.join(";\n") + ";\n";
}
