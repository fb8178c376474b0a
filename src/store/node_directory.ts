/**
 * The node directory: every public key hopwatch has met, interned to a dense
 * integer id, plus the attributes of the nodes that have advertised.
 *
 * Ids are dense (0, 1, 2, ...) and never reused, so indexes elsewhere can be
 * plain arrays indexed by node id and compare keys exactly (no hashing, no
 * false positives). A key is interned the first time anything refers to it: a
 * node row, an ADVERT, a resolved hop, an observer that is also a node.
 *
 * Listeners are told about attribute changes so that derived structures (the
 * hop-prefix table of `src/resolve/`) are updated by events, never rebuilt.
 *
 * @module
 */

/** Attributes of one node, as known from its adverts and the `nodes` table. */
export interface NodeInfo {
  /** Dense interned id. */
  readonly id: number;
  /** Lowercase 64-hex public key. */
  readonly publicKey: string;
  name: string | null;
  /** `repeater`, `room`, `companion`, `sensor`, `none` or `type-N`. */
  role: string;
  lat: number | null;
  lon: number | null;
  /** RFC3339, ingest time. */
  firstSeen: string;
  /** RFC3339, ingest time. */
  lastSeen: string;
  /** Epoch milliseconds of `lastSeen`, for fast comparisons. */
  lastSeenMs: number;
  advertCount: number;
  batteryMv: number | null;
  temperatureC: number | null;
  foreign: boolean;
  /** Whether the node may relay packets (repeaters, rooms, relaying observers). */
  canRelay: boolean;
}

/** What a caller may set through {@linkcode NodeDirectory.upsert}. */
export type NodeUpdate =
  & Pick<NodeInfo, "publicKey">
  & Partial<Omit<NodeInfo, "id" | "publicKey" | "lastSeenMs">>;

/** A change to the directory's node attributes. */
export interface NodeEvent {
  kind: "added" | "updated" | "removed";
  node: NodeInfo;
  /** Role, relay flag and position before an update, so listeners can move entries. */
  before?: { role: string; canRelay: boolean; lat: number | null; lon: number | null };
}

/** Roles whose nodes relay packets and so can appear as hops. */
export const RELAY_ROLES: ReadonlySet<string> = new Set(["repeater", "room", "room_server"]);

/** Whether a role relays packets by default. */
export function roleCanRelay(role: string): boolean {
  return RELAY_ROLES.has(role);
}

/**
 * Interned public keys and node attributes.
 *
 * @example
 * ```ts
 * const dir = new NodeDirectory();
 * const id = dir.intern("ab".repeat(32));
 * dir.keyOf(id); // "abab..."
 * ```
 */
export class NodeDirectory {
  #ids = new Map<string, number>();
  #keys: string[] = [];
  #nodes: (NodeInfo | undefined)[] = [];
  #listeners: ((event: NodeEvent) => void)[] = [];
  #nodeCount = 0;

  /** Returns the id of `publicKey` (lowercased), creating it if new. */
  intern(publicKey: string): number {
    const key = publicKey.toLowerCase();
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#keys.length;
      this.#ids.set(key, id);
      this.#keys.push(key);
    }
    return id;
  }

  /** The id of `publicKey`, or `undefined` if it was never interned. */
  idOf(publicKey: string): number | undefined {
    return this.#ids.get(publicKey.toLowerCase());
  }

  /** The lowercase public key of an interned id. */
  keyOf(id: number): string {
    const key = this.#keys[id];
    if (key === undefined) throw new RangeError(`Cannot find node id ${id}: never interned`);
    return key;
  }

  /** Number of interned keys (ids are `0 .. internedCount - 1`). */
  get internedCount(): number {
    return this.#keys.length;
  }

  /** Number of keys with node attributes (nodes that advertised or are in `nodes`). */
  get size(): number {
    return this.#nodeCount;
  }

  /** Node attributes by id. */
  get(id: number): NodeInfo | undefined {
    return this.#nodes[id];
  }

  /** Node attributes by public key (case-insensitive). */
  byKey(publicKey: string): NodeInfo | undefined {
    const id = this.idOf(publicKey);
    return id === undefined ? undefined : this.#nodes[id];
  }

  /** Every node with attributes, in id order. */
  *values(): IterableIterator<NodeInfo> {
    for (const node of this.#nodes) if (node) yield node;
  }

  /**
   * Creates or updates a node. `null`/`undefined` fields keep the old value
   * (like the reference's COALESCE upsert); `lastSeen` only moves forward.
   */
  upsert(update: NodeUpdate): NodeInfo {
    const id = this.intern(update.publicKey);
    const existing = this.#nodes[id];
    if (!existing) {
      const now = new Date().toISOString();
      const role = update.role ?? "companion";
      const lastSeen = update.lastSeen ?? update.firstSeen ?? now;
      const node: NodeInfo = {
        id,
        publicKey: this.#keys[id],
        name: update.name ?? null,
        role,
        lat: update.lat ?? null,
        lon: update.lon ?? null,
        firstSeen: update.firstSeen ?? lastSeen,
        lastSeen,
        lastSeenMs: Date.parse(lastSeen) || 0,
        advertCount: update.advertCount ?? 0,
        batteryMv: update.batteryMv ?? null,
        temperatureC: update.temperatureC ?? null,
        foreign: update.foreign ?? false,
        canRelay: update.canRelay ?? roleCanRelay(role),
      };
      this.#nodes[id] = node;
      this.#nodeCount++;
      this.#emit({ kind: "added", node });
      return node;
    }
    const before = {
      role: existing.role,
      canRelay: existing.canRelay,
      lat: existing.lat,
      lon: existing.lon,
    };
    if (update.name != null) existing.name = update.name;
    if (update.role != null) {
      existing.role = update.role;
      if (update.canRelay == null) existing.canRelay = roleCanRelay(update.role);
    }
    if (update.canRelay != null) existing.canRelay = update.canRelay;
    if (update.lat != null) existing.lat = update.lat;
    if (update.lon != null) existing.lon = update.lon;
    if (update.advertCount != null) existing.advertCount = update.advertCount;
    if (update.batteryMv != null) existing.batteryMv = update.batteryMv;
    if (update.temperatureC != null) existing.temperatureC = update.temperatureC;
    if (update.foreign != null) existing.foreign = update.foreign;
    if (update.firstSeen != null && update.firstSeen < existing.firstSeen) {
      existing.firstSeen = update.firstSeen;
    }
    if (update.lastSeen != null) {
      const ms = Date.parse(update.lastSeen);
      if (ms > existing.lastSeenMs) {
        existing.lastSeen = update.lastSeen;
        existing.lastSeenMs = ms;
      }
    }
    this.#emit({ kind: "updated", node: existing, before });
    return existing;
  }

  /** Forgets a node's attributes (its id stays interned). Returns whether it existed. */
  remove(publicKey: string): boolean {
    const id = this.idOf(publicKey);
    const node = id === undefined ? undefined : this.#nodes[id];
    if (id === undefined || !node) return false;
    this.#nodes[id] = undefined;
    this.#nodeCount--;
    this.#emit({ kind: "removed", node });
    return true;
  }

  /** Subscribes to node events; returns an unsubscribe function. */
  onChange(listener: (event: NodeEvent) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  #emit(event: NodeEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
