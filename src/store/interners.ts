/**
 * Interned strings of the store: channel names, scope names, directions, and
 * the observer table (observer id -> dense index with its name and IATA).
 *
 * @module
 */

/** Interns strings to small dense ids; id 0 is reserved for null. */
export class StringInterner {
  values: (string | null)[] = [null];
  ids: Map<string, number> = new Map();
  /** Lowercased value -> ids with that spelling (case-insensitive lookups). */
  lower: Map<string, number[]> = new Map();
  private readonly max: number;

  constructor(max = 0xffff) {
    this.max = max;
  }

  /** Id of `s` (0 for null), creating it if new. */
  intern(s: string | null): number {
    if (s === null) return 0;
    let id = this.ids.get(s);
    if (id !== undefined) return id;
    id = this.values.length;
    if (id > this.max) throw new RangeError(`Cannot intern "${s}": more than ${this.max} values`);
    this.values.push(s);
    this.ids.set(s, id);
    const k = s.toLowerCase();
    const list = this.lower.get(k);
    if (list) list.push(id);
    else this.lower.set(k, [id]);
    return id;
  }

  /** The string of an id (null for 0). */
  get(id: number): string | null {
    return this.values[id] ?? null;
  }

  /** Ids whose value equals `s` case-insensitively. */
  findAll(s: string): readonly number[] {
    return this.lower.get(s.toLowerCase()) ?? [];
  }

  /** Rough bytes held (strings at 2 B/char plus map overhead). */
  get byteLength(): number {
    let b = 0;
    for (let i = 1; i < this.values.length; i++) b += 120 + 2 * (this.values[i] as string).length;
    return b;
  }
}

/** Observers met by the store: dense index (0 = unknown observer). */
export class ObserverTable {
  /** Lowercased observer id -> index. */
  byLower: Map<string, number> = new Map();
  /** Observer id as received -> index (the fast path: no lowercasing per packet). */
  byExact: Map<string, number> = new Map();
  ids: (string | null)[] = [null];
  names: (string | null)[] = [null];
  iatas: (string | null)[] = [null];
  /** Live observations per observer index. */
  obsCount: number[] = [0];

  /** Number of observer indexes (including the unknown one at 0). */
  get length(): number {
    return this.ids.length;
  }

  /**
   * Index of an observer, creating it if new. A non-null name/IATA replaces
   * the stored one (the newest value wins).
   */
  intern(id: string | null, name: string | null, iata: string | null): number {
    if (id === null) return 0;
    let i = this.byExact.get(id);
    if (i === undefined) {
      i = this.byLower.get(id.toLowerCase());
      if (i !== undefined) this.byExact.set(id, i);
    }
    if (i === undefined) {
      const k = id.toLowerCase();
      i = this.ids.length;
      if (i > 0xffff) throw new RangeError(`Cannot intern observer "${id}": more than 65535`);
      this.byLower.set(k, i);
      this.byExact.set(id, i);
      this.ids.push(id);
      this.names.push(name);
      this.iatas.push(iata);
      this.obsCount.push(0);
      return i;
    }
    if (name !== null && name !== this.names[i]) this.names[i] = name;
    if (iata !== null && iata !== this.iatas[i]) this.iatas[i] = iata;
    return i;
  }

  /** Index of an observer id (case-insensitive), or -1. */
  find(id: string): number {
    return this.byLower.get(id.toLowerCase()) ?? -1;
  }

  /** Indexes of observers whose IATA is in `iatas` (case-insensitive). */
  withIata(iatas: readonly string[]): number[] {
    const want = new Set(iatas.map((s) => s.toUpperCase()));
    const out: number[] = [];
    for (let i = 1; i < this.iatas.length; i++) {
      const v = this.iatas[i];
      if (v !== null && want.has(v.toUpperCase())) out.push(i);
    }
    return out;
  }

  /** Rough bytes held. */
  get byteLength(): number {
    let b = 0;
    for (let i = 1; i < this.ids.length; i++) {
      b += 200 + 2 * ((this.ids[i]?.length ?? 0) + (this.names[i]?.length ?? 0) + 4);
    }
    return b;
  }
}
