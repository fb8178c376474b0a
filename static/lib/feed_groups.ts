/**
 * The Live feed grouped by transmission: a packet heard by several observers
 * is one row with an observation count (as the Packets table groups them),
 * moved to the top when heard again.
 *
 * @module
 */

import { h } from "./dom.ts";
import { typeClass, typeName } from "./format.ts";
import { type PacketRow, summary } from "./packet_source.ts";
import { stamp } from "./time_label.ts";

interface Group {
  li: HTMLElement;
  countEl: HTMLElement;
  count: number;
}

/** Feed rows keyed by transmission hash, newest first, at most `max` rows. */
export class FeedGroups {
  #list: HTMLElement;
  #max: number;
  #groups = new Map<string, Group>();

  constructor(list: HTMLElement, max = 200) {
    this.#list = list;
    this.#max = max;
  }

  /** Number of transmissions shown. */
  get size(): number {
    return this.#groups.size;
  }

  /** Forgets every row (the list is emptied by the caller or here). */
  clear(): void {
    this.#groups.clear();
    this.#list.replaceChildren();
  }

  /**
   * Adds an observation (or a grouped row carrying `count`); returns true when
   * it started a new row, false when it joined its transmission's row.
   */
  add(r: PacketRow, fresh = true): boolean {
    const seen = Math.max(1, Number(r.count ?? r.observation_count ?? 1) || 1);
    const g = this.#groups.get(r.hash);
    if (g && g.li.isConnected) {
      g.count += seen;
      g.countEl.textContent = `×${g.count}`;
      g.countEl.title = `${g.count} observations of this transmission`;
      g.li.classList.toggle("fresh", fresh);
      this.#list.prepend(g.li);
      return false;
    }
    const countEl = h("span", {
      class: "obs-count",
      title: `${seen} observation${seen === 1 ? "" : "s"} of this transmission`,
    }, `×${seen}`);
    const li = h(
      "li",
      { class: fresh ? "fresh" : "", data: { hash: r.hash } },
      h("span", { class: "mut", title: "first heard" }, stamp(r.first_seen ?? r.timestamp)),
      h("span", { class: "tcell " + typeClass(r.payload_type) }, typeName(r.payload_type)),
      h(
        "a",
        { href: `#/packets?sel=${encodeURIComponent(r.hash)}`, title: summary(r) },
        summary(r),
      ),
      countEl,
    );
    this.#groups.set(r.hash, { li, countEl, count: seen });
    this.#list.prepend(li);
    while (this.#list.childElementCount > this.#max) {
      const last = this.#list.lastElementChild as HTMLElement | null;
      if (!last) break;
      last.remove();
      if (last.dataset.hash) this.#groups.delete(last.dataset.hash);
    }
    return true;
  }
}
