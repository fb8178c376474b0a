/**
 * Prepared statements cached per connection and SQL text, for helpers that
 * run the same SQL many times (the writer's operations, the read queries).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** Statements of one connection, each prepared on first use. */
export class StatementCache {
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, StatementSync>();

  /** A cache over `db`; nothing is prepared up front. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** The statement for `sql`, prepared the first time it is asked for. */
  get(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }
}
