/**
 * Minimal DOM builder. Every string child becomes a text node and every
 * property goes through a DOM property or a vetted attribute, so data from the
 * mesh can never be parsed as HTML. `href` only accepts `#/...` routes.
 *
 * @module
 */

/** Anything `h()` accepts as a child. Strings and numbers become text nodes. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Properties accepted by {@link h}. */
export interface Props {
  class?: string;
  id?: string;
  title?: string;
  /** Must be an in-app `#/...` route; anything else is dropped. */
  href?: string;
  type?: string;
  value?: string;
  placeholder?: string;
  name?: string;
  checked?: boolean;
  selected?: boolean;
  disabled?: boolean;
  hidden?: boolean;
  colSpan?: number;
  tabIndex?: number;
  role?: string;
  ariaLabel?: string;
  /** `data-*` attributes; keys must be simple identifiers. */
  data?: Record<string, string>;
  /** Event listeners. */
  on?: Record<string, (ev: Event) => void>;
}

/** Returns `href` when it is an in-app hash route, else `"#/"`. */
export function safeHref(href: string): string {
  return /^#\/[^\s"'<>`]*$/.test(href) ? href : "#/";
}

/** Builds an element of `tag` with `props` and text-only `children`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) applyProps(el, props);
  append(el, children);
  return el;
}

function applyProps(el: HTMLElement, p: Props): void {
  if (p.class) el.className = p.class;
  if (p.id) el.id = p.id;
  if (p.title !== undefined) el.title = p.title;
  if (p.href !== undefined && el instanceof HTMLAnchorElement) el.href = safeHref(p.href);
  if (p.type !== undefined) el.setAttribute("type", p.type);
  if (p.value !== undefined) (el as HTMLInputElement).value = p.value;
  if (p.placeholder !== undefined) (el as HTMLInputElement).placeholder = p.placeholder;
  if (p.name !== undefined) (el as HTMLInputElement).name = p.name;
  if (p.checked !== undefined) (el as HTMLInputElement).checked = p.checked;
  if (p.selected !== undefined) (el as HTMLOptionElement).selected = p.selected;
  if (p.disabled !== undefined) (el as HTMLButtonElement).disabled = p.disabled;
  if (p.hidden !== undefined) el.hidden = p.hidden;
  if (p.colSpan !== undefined) (el as HTMLTableCellElement).colSpan = p.colSpan;
  if (p.tabIndex !== undefined) el.tabIndex = p.tabIndex;
  if (p.role) el.setAttribute("role", p.role);
  if (p.ariaLabel !== undefined) el.setAttribute("aria-label", p.ariaLabel);
  if (p.data) {
    for (const [k, v] of Object.entries(p.data)) {
      if (/^[a-z][a-zA-Z0-9]*$/.test(k)) el.dataset[k] = v;
    }
  }
  if (p.on) { for (const [ev, fn] of Object.entries(p.on)) el.addEventListener(ev, fn); }
}

/** Appends children (flattened; strings as text nodes). */
export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === "string" || typeof c === "number") {
      el.appendChild(document.createTextNode(String(c)));
    } else el.appendChild(c);
  }
}

/** Removes every child of `el`, then appends `children`. */
export function replace(el: Node, ...children: Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

/** A link to an in-app route. */
export function link(route: string, ...children: Child[]): HTMLAnchorElement {
  return h("a", { href: route }, ...children);
}

/** Loading placeholder. */
export function loading(what = "Loading"): HTMLElement {
  return h(
    "div",
    { class: "state state-loading", role: "status" },
    h("span", { class: "spin" }),
    what + "…",
  );
}

/** Empty-state placeholder. */
export function empty(msg: string): HTMLElement {
  return h("div", { class: "state state-empty" }, msg);
}

/** Error-state placeholder (message as text). */
export function errorBox(err: unknown): HTMLElement {
  const msg = err instanceof Error ? err.message : String(err);
  return h("div", { class: "state state-error", role: "alert" }, "Error: ", msg);
}

/** A key/value definition list; values may be nodes or text. */
export function kv(rows: [string, Child][]): HTMLElement {
  return h(
    "dl",
    { class: "kv" },
    rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v ?? "—")]),
  );
}

/** A simple static table from headers and rows of children. */
export function table(headers: string[], rows: Child[][], cls = "tbl"): HTMLElement {
  return h(
    "table",
    { class: cls },
    h("thead", null, h("tr", null, headers.map((x) => h("th", null, x)))),
    h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => h("td", null, c))))),
  );
}

/** A tab bar; `current` is highlighted, each tab links to `route(tab)`. */
export function tabs(
  items: [string, string][],
  current: string,
  route: (key: string) => string,
): HTMLElement {
  return h(
    "nav",
    { class: "tabs", role: "tablist" },
    items.map(([key, label]) =>
      h("a", { href: route(key), class: key === current ? "tab on" : "tab", role: "tab" }, label)
    ),
  );
}

/** Debounces `fn` by `ms`. */
export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number) {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}
