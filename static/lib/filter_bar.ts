/**
 * The filter-expression bar of the packets page: an input that compiles the
 * expression as you type, shows an error with a caret under the offending
 * position, a saved-filters menu (localStorage) and a help panel listing the
 * fields and operators. Everything is rendered as text.
 *
 * @module
 */

import { h, replace } from "./dom.ts";
import { compileFilter, type FilterError } from "./filter_lang.ts";
import { FILTER_FIELDS, FILTER_OPERATORS } from "./filter_fields.ts";
import { suggest, type Suggestions } from "./filter_suggest.ts";

/** A saved filter. */
export interface SavedFilter {
  name: string;
  expr: string;
}

const LS_KEY = "hopwatch.savedFilters.v1";

/** Filters offered before the user saves any. */
export const STARTER_FILTERS: SavedFilter[] = [
  { name: "Adverts heard well", expr: "type == ADVERT && snr > 5" },
  { name: "Channel messages", expr: "type == GRP_TXT" },
  { name: "Three hops or more", expr: "hops >= 3" },
  { name: "Last hour, weak signal", expr: "age < 1h && snr < 0" },
];

/** Saved filters from localStorage (the starters when none are stored). */
export function loadSavedFilters(): SavedFilter[] {
  try {
    const raw = localStorage.getItem(LS_KEY);
    if (raw === null) return STARTER_FILTERS.slice();
    const v = JSON.parse(raw);
    return Array.isArray(v)
      ? v.filter((x) => typeof x?.name === "string" && typeof x?.expr === "string")
      : [];
  } catch {
    return STARTER_FILTERS.slice();
  }
}

/** Stores `list` as the saved filters. */
export function storeSavedFilters(list: SavedFilter[]): void {
  try {
    localStorage.setItem(LS_KEY, JSON.stringify(list.slice(0, 100)));
  } catch { /* storage full or disabled */ }
}

/** The caret lines for an error: a window of the source and `^` under `pos`. */
export function caretLines(src: string, pos: number, width = 80): [string, string] {
  const start = Math.max(0, Math.min(pos - Math.floor(width / 2), src.length - width));
  const s = Math.max(0, start);
  const shown = (s > 0 ? "…" : "") + src.slice(s, s + width) + (s + width < src.length ? "…" : "");
  const at = pos - s + (s > 0 ? 1 : 0);
  return [shown, " ".repeat(Math.max(0, at)) + "^"];
}

/** The bar's handle. */
export interface FilterBar {
  el: HTMLElement;
  /** Shows `expr` (from the URL) unless the input has focus. */
  set(expr: string | undefined): void;
}

/** Builds the bar; `onApply` receives a valid expression (or `undefined` to clear). */
export function filterBar(
  initial: string | undefined,
  onApply: (expr?: string) => void,
): FilterBar {
  const input = h("input", {
    class: "txt fexpr",
    type: "search",
    name: "filterExpr",
    value: initial ?? "",
    placeholder: "Filter expression, e.g. type == ADVERT && snr > 5",
    ariaLabel: "Filter expression",
  });
  input.spellcheck = false;
  input.autocomplete = "off";
  const err = h("div", { class: "fexpr-err", role: "alert", hidden: true });
  const savedMenu = h("div", { class: "menu", hidden: true, role: "menu" });
  const help = h("div", { class: "fexpr-help", hidden: true });
  let applied = initial ?? "";
  let timer: ReturnType<typeof setTimeout> | undefined;

  const showError = (src: string, e: FilterError | null) => {
    if (!e) {
      err.hidden = true;
      replace(err);
      input.classList.remove("bad");
      return;
    }
    const [line, caret] = caretLines(src, e.pos);
    input.classList.add("bad");
    replace(err, h("pre", { class: "caret" }, line, "\n", caret), h("div", null, e.message));
    err.hidden = false;
  };

  const check = (applyNow: boolean) => {
    clearTimeout(timer);
    const src = input.value.trim();
    const r = compileFilter(src);
    showError(input.value, r.error);
    if (r.error || src === applied) return;
    const go = () => {
      applied = src;
      onApply(src || undefined);
    };
    if (applyNow) go();
    else timer = setTimeout(go, 700);
  };
  const sugBox = h("div", { class: "fexpr-sug", hidden: true, role: "listbox" });
  let sug: Suggestions = { items: [], start: 0, end: 0 };
  const accept = (item: string) => {
    const v = input.value;
    const text = v.slice(0, sug.start) + item + " ";
    input.value = text + v.slice(sug.end).trimStart();
    input.focus();
    input.setSelectionRange(text.length, text.length);
    check(false);
    showSuggestions();
  };
  const showSuggestions = () => {
    sug = suggest(input.value, input.selectionStart ?? input.value.length);
    sugBox.hidden = !sug.items.length || document.activeElement !== input;
    replace(
      sugBox,
      sug.items.map((it) =>
        h("button", {
          class: "btn sm",
          type: "button",
          role: "option",
          on: { mousedown: (e) => e.preventDefault(), click: () => accept(it) },
        }, it)
      ),
    );
  };
  input.addEventListener("input", () => {
    check(false);
    showSuggestions();
  });
  input.addEventListener("focus", showSuggestions);
  input.addEventListener("click", showSuggestions);
  input.addEventListener("blur", () => (sugBox.hidden = true));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && !sugBox.hidden && sug.items.length) {
      e.preventDefault();
      accept(sug.items[0]);
    }
    if (e.key === "Enter") check(true);
    if (e.key === "Escape") {
      input.value = "";
      check(true);
    }
  });

  const renderSaved = () => {
    const list = loadSavedFilters();
    const nameIn = h("input", {
      class: "txt",
      type: "text",
      placeholder: "Name for the current expression",
      ariaLabel: "Saved filter name",
    });
    const save = () => {
      const expr = input.value.trim();
      const name = nameIn.value.trim() || expr.slice(0, 40);
      if (!expr || compileFilter(expr).error) return;
      storeSavedFilters([...list.filter((f) => f.name !== name), { name, expr }]);
      renderSaved();
    };
    nameIn.addEventListener("keydown", (e) => e.key === "Enter" && save());
    replace(
      savedMenu,
      list.length ? null : h("div", { class: "mut pad" }, "No saved filters."),
      list.map((f, i) =>
        h(
          "div",
          { class: "menu-item" },
          h(
            "button",
            {
              class: "linkish",
              type: "button",
              title: f.expr,
              on: {
                click: () => {
                  input.value = f.expr;
                  savedMenu.hidden = true;
                  check(true);
                },
              },
            },
            h("b", null, f.name),
            " ",
            h("code", null, f.expr),
          ),
          h("button", {
            class: "btn sm",
            type: "button",
            ariaLabel: `Delete ${f.name}`,
            on: {
              click: () => {
                storeSavedFilters(list.filter((_, j) => j !== i));
                renderSaved();
              },
            },
          }, "✕"),
        )
      ),
      h(
        "div",
        { class: "menu-item" },
        nameIn,
        h("button", { class: "btn sm", type: "button", on: { click: save } }, "Save current"),
      ),
    );
  };

  const savedBtn = h(
    "button",
    { class: "btn", type: "button", ariaLabel: "Saved filters" },
    "Saved ▾",
  );
  savedBtn.addEventListener("click", () => {
    savedMenu.hidden = !savedMenu.hidden;
    if (!savedMenu.hidden) renderSaved();
  });
  const helpBtn = h("button", { class: "btn", type: "button", title: "Filter syntax" }, "?");
  helpBtn.addEventListener("click", () => {
    help.hidden = !help.hidden;
    if (!help.hidden && !help.firstChild) {
      replace(
        help,
        h(
          "p",
          null,
          "Combine comparisons with && (and), || (or), ! (not) and parentheses. ",
          "Strings compare case-insensitively; quote values with spaces. The filter is kept in the URL.",
        ),
        h(
          "div",
          { class: "grid2" },
          h(
            "dl",
            { class: "kv" },
            FILTER_FIELDS.map(([f, d]) => [h("dt", null, h("code", null, f)), h("dd", null, d)]),
          ),
          h(
            "dl",
            { class: "kv" },
            FILTER_OPERATORS.map(([o, d, ex]) => [
              h("dt", null, h("code", null, o)),
              h("dd", null, d, " — ", h("code", null, ex)),
            ]),
          ),
        ),
      );
    }
  });
  if (initial) check(false);
  const closeOutside = (e: Event) => {
    if (!el.isConnected) return document.removeEventListener("pointerdown", closeOutside);
    if (!savedMenu.hidden && !el.contains(e.target as Node)) savedMenu.hidden = true;
  };
  document.addEventListener("pointerdown", closeOutside);

  const el = h(
    "div",
    { class: "fexpr-bar" },
    h("div", { class: "fexpr-row" }, input, savedBtn, helpBtn),
    sugBox,
    err,
    savedMenu,
    help,
  );
  return {
    el,
    set(expr) {
      if (document.activeElement === input) return;
      input.value = expr ?? "";
      applied = expr ?? "";
      showError(input.value, compileFilter(input.value).error);
    },
  };
}
