/**
 * XSS gate: scans every UI source file under `static/` for HTML sinks
 * (innerHTML, outerHTML, insertAdjacentHTML, document.write, srcdoc, eval,
 * string-built Leaflet popups/tooltips, dangerous setAttribute calls,
 * `javascript:` URLs) and index.html for inline script or style.
 */

import assert from "node:assert/strict";

const STATIC = new URL("../../static/", import.meta.url);

/** A forbidden pattern and why. */
const SINKS: [RegExp, string][] = [
  [/\.\s*innerHTML\b/, "innerHTML"],
  [/\.\s*outerHTML\b/, "outerHTML"],
  [/insertAdjacentHTML\s*\(/, "insertAdjacentHTML"],
  [/document\s*\.\s*write(ln)?\s*\(/, "document.write"],
  [/\bsrcdoc\b/, "srcdoc"],
  [/createContextualFragment\s*\(/, "createContextualFragment"],
  [/new\s+DOMParser\b/, "DOMParser"],
  [/\beval\s*\(/, "eval"],
  [/new\s+Function\s*\(/, "new Function"],
  [
    /setAttribute\s*\(\s*["'`](on\w+|href|src|srcdoc|style|formaction|xlink:href)["'`]/i,
    "dangerous setAttribute",
  ],
  [
    /\.\s*(bindPopup|bindTooltip|setContent|setPopupContent|setTooltipContent)\s*\(\s*["'`]/,
    "Leaflet HTML string",
  ],
  [
    /\.\s*(bindPopup|bindTooltip|setContent|setPopupContent|setTooltipContent)\s*\([^)]*\+/,
    "Leaflet string concatenation",
  ],
  [/javascript:/i, "javascript: URL"],
  [/\.\s*href\s*=(?!=)/, "direct href assignment (use h(..., { href }) which validates routes)"],
];

/**
 * Exceptions, each an exact trimmed line: the validated href setter of the DOM
 * builder, and the vendor stylesheet links (constant `/assets/...` paths).
 */
const ALLOW = new Set<string>([
  "lib/dom.ts|if (p.href !== undefined && el instanceof HTMLAnchorElement) el.href = safeHref(p.href);",
  "lib/vendor.ts|l.href = href;",
]);

/** Returns findings `file:line: kind` for `source`. */
export function scan(file: string, source: string): string[] {
  const out: string[] = [];
  source.split("\n").forEach((line, i) => {
    const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, "");
    for (const [re, kind] of SINKS) {
      if (!re.test(code)) continue;
      const key = `${file}:${i + 1}`;
      if (ALLOW.has(`${file}|${line.trim()}`)) continue;
      out.push(`${key}: ${kind}: ${line.trim()}`);
    }
  });
  return out;
}

async function sources(dir: URL, rel = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) files.push(...await sources(new URL(`${e.name}/`, dir), `${rel}${e.name}/`));
    else if (/\.(ts|js|html)$/.test(e.name)) files.push(`${rel}${e.name}`);
  }
  return files;
}

Deno.test("static/ sources contain no HTML sinks", async () => {
  const files = await sources(STATIC);
  assert.ok(files.length >= 10, `expected the UI sources, found ${files.length}`);
  const findings: string[] = [];
  for (const f of files) findings.push(...scan(f, await Deno.readTextFile(new URL(f, STATIC))));
  assert.deepEqual(findings, []);
});

Deno.test("the sink scanner catches every forbidden form", () => {
  const bad = [
    `el.innerHTML = name;`,
    `el.outerHTML = "<b>" + x + "</b>";`,
    `el.insertAdjacentHTML("beforeend", s);`,
    `document.write(s);`,
    `frame.srcdoc = s;`,
    `marker.bindPopup("<b>" + node.name + "</b>");`,
    "marker.bindTooltip(`${node.name}`);",
    `marker.bindPopup(prefix + name);`,
    `a.setAttribute("href", url);`,
    `a.setAttribute('onclick', code);`,
    `a.href = "javascript:alert(1)";`,
    `a.href = userUrl;`,
    `eval(code);`,
  ];
  for (const line of bad) assert.notDeepEqual(scan("x.ts", line), [], `not caught: ${line}`);
  const good = [
    `el.textContent = name;`,
    `marker.bindPopup(() => popup(n));`,
    `marker.bindTooltip(h("b", null, String(n)));`,
    `h("a", { href: "#/nodes/" + encodeURIComponent(pk) }, name);`,
  ];
  for (const line of good) assert.deepEqual(scan("x.ts", line), [], `false positive: ${line}`);
});

Deno.test("index.html has no inline script or style", async () => {
  const html = await Deno.readTextFile(new URL("index.html", STATIC));
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    assert.match(m[1], /\bsrc=/, "every script must be external");
    assert.equal(m[2].trim(), "", "scripts must be empty");
  }
  assert.doesNotMatch(html, /<style\b/i);
  assert.doesNotMatch(html, /\sstyle=/i);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
});

Deno.test("safeHref only lets in-app hash routes through", async () => {
  const { safeHref } = await import("../../static/lib/dom.ts");
  assert.equal(safeHref("#/nodes/abc"), "#/nodes/abc");
  assert.equal(safeHref("#/packets?sel=0011223344556677"), "#/packets?sel=0011223344556677");
  for (
    const bad of [
      "javascript:alert(1)",
      "data:text/html,x",
      "https://evil.example/",
      "#javascript:x",
      " #/x",
      '#/x"><img',
      "//evil",
    ]
  ) {
    assert.equal(safeHref(bad), "#/", bad);
  }
});
