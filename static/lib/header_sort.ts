/**
 * Click-to-sort on a virtual table's header for the packets page: a click on
 * a sortable column's header sets the sort token (`key:dir`), a second click
 * reverses it; the current column shows ▲ or ▼.
 *
 * @module
 */

import { sortComparator } from "./filtered_source.ts";

/** Text columns sort ascending first; the others (time, numbers) descending. */
const ASC_FIRST = new Set(["type", "hash", "observer"]);

/** The sort token after clicking column `key` while `current` is active. */
export function nextSort(key: string, current: string | undefined): string {
  const [k, dir] = (current || "time:desc").split(":");
  if (k === key) return `${key}:${dir === "asc" ? "desc" : "asc"}`;
  return `${key}:${ASC_FIRST.has(key) ? "asc" : "desc"}`;
}

/** Wires header clicks of table element `vt` (columns `keys`); returns `mark(sort)`. */
export function headerSort(
  vt: HTMLElement,
  cols: { key: string; label: string }[],
  onSort: (token: string | undefined) => void,
): (sort: string | undefined) => void {
  const head = vt.querySelector<HTMLElement>(".vt-head");
  let current: string | undefined;
  const sortable = (key: string) => sortComparator(`${key}:asc`) !== null;
  const mark = (sort: string | undefined) => {
    current = sort;
    const [k, dir] = (sort || "time:desc").split(":");
    cols.forEach((c, i) => {
      const cell = head?.children[i] as HTMLElement | undefined;
      if (!cell) return;
      cell.textContent = c.label + (c.key === k ? (dir === "asc" ? " ▲" : " ▼") : "");
      if (sortable(c.key)) {
        cell.classList.add("vt-sortable");
        cell.title = `Sort by ${c.label}`;
      }
    });
  };
  head?.addEventListener("click", (e) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>(".vt-head > *");
    const i = cell ? [...head.children].indexOf(cell) : -1;
    const key = cols[i]?.key;
    if (!key || !sortable(key)) return;
    const next = nextSort(key, current);
    onSort(next === "time:desc" ? undefined : next);
  });
  return mark;
}
