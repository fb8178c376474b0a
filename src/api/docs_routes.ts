/**
 * `GET /api/docs`: a self-contained HTML page describing every route of the
 * API from the same route definitions that build `/api/spec` (method, path,
 * summary, parameters with their types and limits, the response). No script,
 * no external assets; every string is HTML-escaped.
 *
 * @module
 */

import { type AnyRoute, type ParamMap, route } from "./route_def.ts";

const ESC: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** HTML-escapes `s`. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ESC[ch]);
}

/** The documentation page for `routes`. */
export function docsHtml(routes: readonly AnyRoute[], version: string): string {
  const rows = routes.filter((r) => r.path.startsWith("/api/")).map((r) => {
    const params = Object.entries(r.params as ParamMap).map(([name, p]) => {
      const s = p.schema;
      const range = [
        s.enum ? `one of ${s.enum.join(", ")}` : "",
        s.minimum !== undefined ? `min ${s.minimum}` : "",
        s.maximum !== undefined ? `max ${s.maximum}` : "",
        s.default !== undefined ? `default ${JSON.stringify(s.default)}` : "",
      ].filter((x) => x).join("; ");
      return `<li><code>${escapeHtml(name)}</code> (${p.in}, ${s.type}${
        p.required ? ", required" : ""
      }) ${escapeHtml(p.description)}${range ? ` <em>${escapeHtml(range)}</em>` : ""}</li>`;
    }).join("");
    return `<section><h2><span class="m">${r.method}</span> <code>${escapeHtml(r.path)}</code>${
      r.auth ? " <em>(API key)</em>" : ""
    }</h2><p>${escapeHtml(r.summary)}</p>${params ? `<ul>${params}</ul>` : ""}${
      r.body ? `<p>Body: ${escapeHtml(r.body.description)}</p>` : ""
    }<p>Returns: <code>${escapeHtml(r.returns)}</code></p></section>`;
  }).join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>hopwatch API ${escapeHtml(version)}</title>
<style>body{font:14px system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}
section{border-top:1px solid #ccc;padding:.3em 0}h2{font-size:15px}.m{color:#0a6}</style>
</head><body><h1>hopwatch API ${escapeHtml(version)}</h1>
<p>Machine-readable: <a href="/api/spec">/api/spec</a> (OpenAPI 3).</p>
${rows}
</body></html>`;
}

/** Route group: `/api/docs` over the app's route list. */
export function docsRoutes(getRoutes: () => readonly AnyRoute[], version: string): AnyRoute[] {
  let page: string | null = null;
  return [
    route({
      method: "GET",
      path: "/api/docs",
      tag: "health",
      summary: "Human-readable API documentation (generated from the route definitions)",
      params: {},
      produces: "text/html",
      returns: "HTML page",
      handler: (c) => c.html(page ??= docsHtml(getRoutes(), version)),
    }),
  ];
}
