/**
 * `#/tools/path-inspector?path=A3,7F,2B`: turns a path of hop prefixes into
 * the candidate full-key routes hopwatch's resolver proposes
 * (`POST /api/paths/inspect`), each with its score, whether it is speculative,
 * and the per-hop evidence.
 *
 * @module
 */

import { postJson, supports } from "../lib/api.ts";
import { empty, errorBox, h, link, loading, replace, table } from "../lib/dom.ts";
import { num, shortKey } from "../lib/format.ts";
import { buildHash, go, queryObject, type RouteCtx } from "../lib/router.ts";

interface HopEvidence {
  prefix: string;
  candidatesConsidered: number;
  chosen: string;
  edgeWeight: number;
  alternatives?: { publicKey: string; name: string; score: number }[];
}

interface Candidate {
  path: string[];
  names: (string | null)[];
  score: number;
  speculative: boolean;
  evidence?: { perHop?: HopEvidence[] };
}

/**
 * Parses user text into hop prefixes: separated by spaces, commas, `>` or
 * arrows, or one run of hex split into 1-byte hops. Throws a message naming
 * the problem when the prefixes are not hex, differ in length, exceed 3 bytes
 * or number more than 64.
 */
export function parsePrefixes(text: string): string[] {
  const t = text.trim();
  if (!t) return [];
  let parts = t.split(/[\s,>→›\-]+/).filter(Boolean);
  if (parts.length === 1 && parts[0].length > 6 && parts[0].length % 2 === 0) {
    parts = parts[0].match(/../g) ?? [];
  }
  const bad = parts.find((p) => !/^[0-9a-fA-F]+$/.test(p));
  if (bad !== undefined) throw new Error(`Cannot inspect "${bad}": prefixes are hex bytes`);
  const len = parts[0].length;
  if (len % 2 || len > 6) {
    throw new Error(`Cannot inspect "${parts[0]}": a prefix is 1 to 3 whole bytes`);
  }
  const odd = parts.find((p) => p.length !== len);
  if (odd !== undefined) {
    throw new Error(
      `Cannot inspect "${odd}": every prefix must have the same length as "${parts[0]}"`,
    );
  }
  if (parts.length > 64) throw new Error(`Cannot inspect ${parts.length} hops: at most 64`);
  return parts.map((p) => p.toUpperCase());
}

function candidateView(c: Candidate, i: number): HTMLElement {
  const hops = c.evidence?.perHop ?? [];
  return h(
    "div",
    { class: "panel" },
    h(
      "h3",
      null,
      `#${i + 1} · score ${num(c.score, 3)}`,
      c.speculative ? h("span", { class: "badge warn" }, "speculative") : null,
    ),
    h(
      "p",
      { class: "route-line" },
      c.path.map((k, j) => [
        j ? " › " : "",
        k
          ? link(`#/nodes/${encodeURIComponent(k)}`, c.names[j] || shortKey(k))
          : h("span", { class: "mut" }, "?"),
      ]),
    ),
    hops.length
      ? table(
        ["Prefix", "Candidates", "Chosen", "Edge weight", "Alternatives"],
        hops.map((e) => [
          h("code", null, e.prefix),
          String(e.candidatesConsidered),
          e.chosen ? h("code", null, shortKey(e.chosen)) : "—",
          num(e.edgeWeight, 3),
          (e.alternatives ?? []).map((a, k) => [
            k ? ", " : "",
            `${a.name || shortKey(a.publicKey)} (${num(a.score, 2)})`,
          ]),
        ]),
      )
      : null,
  );
}

/** Mounts the path inspector. */
export function pathInspectorPage(el: HTMLElement, ctx: RouteCtx) {
  let q = queryObject(ctx.query);
  let ctl = new AbortController();
  const input = h("input", {
    class: "txt wide",
    type: "search",
    placeholder: "Hop prefixes, e.g. A3 7F 2B",
    value: q.path ?? "",
    ariaLabel: "Path prefixes",
  });
  const btn = h("button", { class: "btn pri", type: "button" }, "Inspect");
  const body = h("div");
  el.append(
    h("h2", null, "Path inspector"),
    h(
      "p",
      { class: "mut" },
      "Which full-key routes could a path of hop prefixes be? ",
      "Scores come from hopwatch's resolver; speculative candidates lack neighbour evidence.",
    ),
    h("div", { class: "toolbar" }, input, btn),
    body,
  );
  const submit = () => {
    try {
      const p = parsePrefixes(input.value);
      go(buildHash("/tools/path-inspector", { path: p.join(",") }));
    } catch (e) {
      replace(body, errorBox(e));
    }
  };
  btn.addEventListener("click", submit);
  input.addEventListener("keydown", (e) => e.key === "Enter" && submit());

  async function run() {
    ctl.abort();
    ctl = new AbortController();
    if (!q.path) return replace(body, empty("Enter a path of hop prefixes."));
    const prefixes = parsePrefixes(q.path);
    if (!(await supports("/api/paths/inspect"))) {
      return replace(body, empty("This server does not offer /api/paths/inspect yet."));
    }
    replace(body, loading("Inspecting"));
    const r = await postJson<{ candidates: Candidate[]; stale?: boolean }>(
      "/api/paths/inspect",
      { prefixes, limit: 10 },
      ctl.signal,
    );
    const list = r.candidates ?? [];
    replace(
      body,
      r.stale ? h("p", { class: "mut" }, "The neighbour graph is still warming up.") : null,
      list.length ? list.map(candidateView) : empty("No candidate route for these prefixes."),
    );
  }
  const go1 = () =>
    run().catch((e) => {
      if ((e as Error).name !== "AbortError") replace(body, errorBox(e));
    });
  go1();
  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      if (document.activeElement !== input) input.value = q.path ?? "";
      go1();
    },
    destroy: () => ctl.abort(),
  };
}
