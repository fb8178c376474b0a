/**
 * Analytics "Prefix tool": which hop prefixes a new repeater key would share
 * with existing repeaters at 1, 2 and 3 bytes, which 1-byte prefixes are free
 * or colliding, and a hash-size recommendation for the network's size.
 *
 * @module
 */

import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { empty, h, kv, link, replace, table } from "../lib/dom.ts";
import { int } from "../lib/format.ts";
import { allNodes, nodeLabel, type NodeLite } from "../lib/node_names.ts";

/** Groups `nodes` by the first `bytes` bytes of their key (upper-case hex). */
export function prefixIndex(nodes: NodeLite[], bytes: number): Map<string, NodeLite[]> {
  const m = new Map<string, NodeLite[]>();
  for (const n of nodes) {
    const p = n.public_key.slice(0, bytes * 2).toUpperCase();
    if (p.length !== bytes * 2) continue;
    const list = m.get(p);
    if (list) list.push(n);
    else m.set(p, [n]);
  }
  return m;
}

/** The hash size recommended for `repeaters` repeaters. */
export function recommendedBytes(repeaters: number): 1 | 2 | 3 {
  return repeaters <= 20 ? 1 : repeaters <= 2000 ? 2 : 3;
}

/** Free 1-byte prefixes (upper-case hex) given the index. */
export function freeOneByte(idx: Map<string, NodeLite[]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < 256; i++) {
    const p = i.toString(16).padStart(2, "0").toUpperCase();
    if (!idx.has(p)) out.push(p);
  }
  return out;
}

const nodeLinks = (list: NodeLite[]) =>
  list.map((
    n,
    i,
  ) => [i ? ", " : "", link(`#/nodes/${encodeURIComponent(n.public_key)}`, nodeLabel(n))]);

/** The tab. */
export const prefixToolTab: AnalyticsTab = {
  key: "prefix",
  label: "Prefix tool",
  async render(body) {
    const reps = (await allNodes()).filter((n) => n.role === "repeater");
    const idx = [1, 2, 3].map((b) => prefixIndex(reps, b));
    const free = freeOneByte(idx[0]);
    const rec = recommendedBytes(reps.length);
    const input = h("input", {
      class: "txt wide",
      type: "search",
      placeholder: "A new key or prefix (hex), e.g. 7A3F or the full public key",
      ariaLabel: "Key or prefix to check",
    });
    const out = h("div");
    const check = () => {
      const v = input.value.trim().toUpperCase();
      if (!v) return replace(out);
      if (!/^[0-9A-F]{2,64}$/.test(v)) {
        return replace(
          out,
          h(
            "div",
            { class: "state state-error", role: "alert" },
            `Cannot check "${v}": expected 2 to 64 hex characters`,
          ),
        );
      }
      replace(
        out,
        table(
          ["Hash size", "Prefix", "Shared with"],
          [1, 2, 3].filter((b) => v.length >= b * 2).map((b) => {
            const p = v.slice(0, b * 2);
            const hit = idx[b - 1].get(p) ?? [];
            return [
              `${b} byte${b > 1 ? "s" : ""}`,
              h("code", null, p),
              hit.length
                ? h("span", { class: "bad" }, nodeLinks(hit))
                : h("span", { class: "ok" }, "free"),
            ];
          }),
        ),
      );
    };
    input.addEventListener("input", check);
    const grid = h(
      "div",
      { class: "prefix-grid", role: "list" },
      Array.from({ length: 256 }, (_, i) => {
        const p = i.toString(16).padStart(2, "0").toUpperCase();
        const list = idx[0].get(p) ?? [];
        const cls = list.length === 0 ? "free" : list.length === 1 ? "used" : "clash";
        return h("span", {
          class: "pcell " + cls,
          role: "listitem",
          title: list.length ? `${p}: ${list.map(nodeLabel).join(", ")}` : `${p}: free`,
        }, p);
      }),
    );
    body.replaceChildren(
      panel(
        "Network overview",
        kv([
          ["Repeaters", int(reps.length)],
          ...[1, 2, 3].map((b): [string, string] => {
            const m = idx[b - 1];
            const clashes = [...m.values()].filter((l) => l.length > 1).length;
            return [
              `${b}-byte prefixes`,
              `${int(m.size)} used of ${int(256 ** b)}, ${int(clashes)} colliding`,
            ];
          }),
          ["Recommended hash size", `${rec} byte${rec > 1 ? "s" : ""}`],
        ]),
      ),
      panel("Check a key", input, out),
      panel(
        `1-byte prefixes: ${free.length} free`,
        h("p", { class: "mut" }, "Green: free · grey: one repeater · red: shared by several."),
        reps.length ? grid : empty("No repeaters yet: every prefix is free."),
      ),
    );
  },
};
