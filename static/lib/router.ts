/**
 * Hash router: `#/path/segments?query`. Pages are mounted into one outlet; a
 * query-only change on the same route is handed to the page's `update`
 * (when it has one) so filters can change without a full re-render.
 *
 * @module
 */

/** What a page receives: decoded path params and the query. */
export interface RouteCtx {
  path: string;
  params: string[];
  query: URLSearchParams;
}

/** A mounted page. */
export interface PageHandle {
  destroy?(): void;
  update?(ctx: RouteCtx): void;
}

/** A page factory. */
export type Page = (el: HTMLElement, ctx: RouteCtx) => PageHandle | void;

interface Route {
  re: RegExp;
  page: Page;
  nav: string;
}

/** Parses a location hash into path and query. */
export function parseHash(hash: string): { path: string; query: URLSearchParams } {
  const s = hash.replace(/^#/, "") || "/";
  const i = s.indexOf("?");
  const path = (i < 0 ? s : s.slice(0, i)) || "/";
  return { path, query: new URLSearchParams(i < 0 ? "" : s.slice(i + 1)) };
}

/** Builds `#/path?query`, dropping empty query values. */
export function buildHash(path: string, query?: Record<string, string | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) q.set(k, v);
  const s = q.toString();
  return "#" + path + (s ? "?" + s : "");
}

/** Current query as a plain object. */
export function queryObject(q: URLSearchParams): Record<string, string> {
  return Object.fromEntries(q.entries());
}

/** The router. */
export class Router {
  #routes: Route[] = [];
  #outlet: HTMLElement;
  #current: { route: Route; path: string; handle: PageHandle | void } | null = null;
  #onNav: (nav: string) => void;

  /** Creates a router rendering into `outlet`; `onNav` is told the nav key. */
  constructor(outlet: HTMLElement, onNav: (nav: string) => void) {
    this.#outlet = outlet;
    this.#onNav = onNav;
  }

  /** Registers `page` for paths matching `re` (capture groups become params). */
  add(re: RegExp, nav: string, page: Page): this {
    this.#routes.push({ re, page, nav });
    return this;
  }

  /** Starts listening to `hashchange` and renders the current hash. */
  start(fallback: string): void {
    addEventListener("hashchange", () => this.render(fallback));
    this.render(fallback);
  }

  /** Renders the route for the current hash. */
  render(fallback: string): void {
    const { path, query } = parseHash(location.hash);
    let m: RegExpMatchArray | null = null;
    const route = this.#routes.find((r) => (m = path.match(r.re)) !== null);
    if (!route || !m) {
      location.replace(fallback);
      return;
    }
    const params = (m as RegExpMatchArray).slice(1).map((x) => decodeURIComponent(x ?? ""));
    const ctx: RouteCtx = { path, params, query };
    const cur = this.#current;
    if (cur && cur.route === route && cur.path === path && cur.handle && cur.handle.update) {
      cur.handle.update(ctx);
      return;
    }
    if (cur?.handle && cur.handle.destroy) {
      try {
        cur.handle.destroy();
      } catch (e) {
        console.warn("page destroy failed", e);
      }
    }
    const el = document.createElement("div");
    el.className = "page";
    this.#outlet.replaceChildren(el);
    this.#onNav(route.nav);
    this.#current = { route, path, handle: route.page(el, ctx) };
  }
}

/** Navigates to `hash`; `replace` avoids a history entry. */
export function go(hash: string, replace = false): void {
  if (location.hash === hash) return;
  if (replace) {
    history.replaceState(null, "", hash);
    dispatchEvent(new HashChangeEvent("hashchange"));
  } else location.hash = hash;
}
