/**
 * `#/tools`: the index of hopwatch's tools (traces, observer comparison, path
 * inspector, performance, and the "bring your own packet" decoder).
 *
 * @module
 */

import { h, link } from "../lib/dom.ts";

/** The tools: route, title, description. */
export const TOOLS: [string, string, string][] = [
  [
    "#/packets?decode=1",
    "Decode a packet",
    "Paste raw hex; see every field and the byte breakdown.",
  ],
  ["#/traces", "Traces", "A TRACE packet's hops with the SNR measured at each hop."],
  ["#/compare", "Compare observers", "Two observers side by side: shared and unique packets, SNR."],
  [
    "#/tools/path-inspector",
    "Path inspector",
    "Candidate full-key routes for a path of hop prefixes, with confidence.",
  ],
  ["#/perf", "Performance", "Server timings per endpoint, I/O, SQLite and write sources."],
];

/** Mounts the tools index. */
export function toolsPage(el: HTMLElement) {
  el.append(
    h("h2", null, "Tools"),
    h(
      "div",
      { class: "tool-grid" },
      TOOLS.map(([href, title, text]) =>
        h(
          "div",
          { class: "panel" },
          h("h3", null, link(href, title)),
          h("p", { class: "mut" }, text),
        )
      ),
    ),
  );
}
