/**
 * A "Columns" chooser for a virtual table: checkboxes that hide columns by
 * dropping their grid tracks and hiding their cells (`vt-hide-N` classes), the
 * choice kept in localStorage.
 *
 * @module
 */

import { h } from "./dom.ts";

/** The part of a column the chooser needs. */
export interface ChooserColumn {
  key: string;
  label: string;
  width: string;
}

/** Hidden column keys stored under `storageKey`. */
export function loadHidden(storageKey: string): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(storageKey) ?? "[]");
    return new Set(Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);
  } catch {
    return new Set();
  }
}

/** Applies `hidden` to the table element `vt` whose columns are `cols`. */
export function applyHidden(vt: HTMLElement, cols: ChooserColumn[], hidden: Set<string>): void {
  const tracks: string[] = [];
  cols.forEach((c, i) => {
    const off = hidden.has(c.key);
    vt.classList.toggle(`vt-hide-${i + 1}`, off);
    if (!off) tracks.push(c.width);
  });
  vt.style.setProperty("--vt-cols", tracks.join(" ") || "1fr");
}

/** Builds the chooser (a `<details>` menu) for table element `vt`. */
export function columnChooser(
  vt: HTMLElement,
  cols: ChooserColumn[],
  storageKey: string,
  onChange?: () => void,
): HTMLElement {
  const hidden = loadHidden(storageKey);
  for (const k of [...hidden]) if (!cols.some((c) => c.key === k)) hidden.delete(k);
  applyHidden(vt, cols, hidden);
  const boxes = cols.map((c) => {
    const box = h("input", { type: "checkbox", name: `col-${c.key}`, checked: !hidden.has(c.key) });
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(c.key);
      else if (hidden.size < cols.length - 1) hidden.add(c.key);
      else box.checked = true;
      try {
        localStorage.setItem(storageKey, JSON.stringify([...hidden]));
      } catch { /* storage disabled */ }
      applyHidden(vt, cols, hidden);
      onChange?.();
    });
    return h("label", { class: "menu-item" }, box, " ", c.label);
  });
  return h(
    "details",
    { class: "colchooser" },
    h("summary", { class: "btn", title: "Show or hide table columns" }, "Columns ▾"),
    h("div", { class: "menu" }, boxes),
  );
}
