/**
 * Favourite ("mine") nodes, kept in localStorage by public key, with a star
 * toggle button and change notifications.
 *
 * @module
 */

import { h } from "./dom.ts";

const LS_KEY = "hopwatch.myNodes.v1";
const listeners = new Set<() => void>();

/** The lower-case public keys marked as mine. */
export function myNodes(): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(LS_KEY) ?? "[]");
    return new Set(
      Array.isArray(v) ? v.filter((x) => typeof x === "string").map((x) => x.toLowerCase()) : [],
    );
  } catch {
    return new Set();
  }
}

/** Whether `pk` is marked as mine. */
export function isMine(pk: string): boolean {
  return myNodes().has(pk.toLowerCase());
}

/** Marks or unmarks `pk` as mine. */
export function setMine(pk: string, mine: boolean): void {
  const s = myNodes();
  if (mine) s.add(pk.toLowerCase());
  else s.delete(pk.toLowerCase());
  try {
    localStorage.setItem(LS_KEY, JSON.stringify([...s].slice(0, 1000)));
  } catch { /* storage disabled */ }
  for (const fn of listeners) fn();
}

/** Calls `fn` when the set changes; returns the unsubscribe function. */
export function onMyNodes(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** A ☆/★ button toggling whether `pk` is mine. */
export function starButton(pk: string): HTMLButtonElement {
  const b = h("button", { class: "btn star", type: "button" });
  const paint = () => {
    const on = isMine(pk);
    b.textContent = on ? "★ Mine" : "☆ Mark as mine";
    b.classList.toggle("on", on);
    b.setAttribute("aria-pressed", String(on));
  };
  b.addEventListener("click", () => {
    setMine(pk, !isMine(pk));
    paint();
  });
  paint();
  return b;
}
