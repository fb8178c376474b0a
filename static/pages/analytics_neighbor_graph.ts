/**
 * Analytics "Neighbor graph" tab: the neighbour graph
 * (`/api/analytics/neighbor-graph`) laid out by hopwatch's own force
 * simulation and drawn on a canvas; hover names a node, click opens it.
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { empty, h } from "../lib/dom.ts";
import { forceLayout } from "../lib/force_layout.ts";
import { int, shortKey } from "../lib/format.ts";
import { buildHash, go } from "../lib/router.ts";

interface Graph {
  nodes: { pubkey: string; name: string | null; role: string | null; neighbor_count?: number }[];
  edges: { source: string; target: string; score?: number; weight?: number; count?: number }[];
  stats?: Record<string, number>;
}

const ROLE_COLOR: Record<string, string> = {
  repeater: "#1a9b4b",
  room: "#8250df",
  companion: "#2f81f7",
  sensor: "#d4a72c",
};

const MIN_COUNTS = ["1", "3", "5", "10", "25"];

/** The tab. */
export const neighborGraphTab: AnalyticsTab = {
  key: "neighbors",
  label: "Neighbor graph",
  async render(body, ctx) {
    const min = MIN_COUNTS.includes(ctx.query.min ?? "") ? ctx.query.min! : "5";
    const g = await getJson<Graph>(
      "/api/analytics/neighbor-graph" + qs({ min_count: min, min_score: 0 }),
    );
    const nodes = (g.nodes ?? []).slice(0, 1500);
    const at = new Map(nodes.map((n, i) => [n.pubkey, i]));
    const edges = (g.edges ?? []).flatMap((e) => {
      const a = at.get(e.source);
      const b = at.get(e.target);
      return a === undefined || b === undefined
        ? []
        : [{ a, b, w: Math.min(1, Math.max(0.05, e.score ?? 0.5)) }];
    });
    const controls = h(
      "div",
      { class: "toolbar" },
      "Minimum sightings per edge: ",
      h(
        "span",
        { class: "seg" },
        MIN_COUNTS.map((m) =>
          h("a", {
            href: buildHash("/analytics", { ...ctx.query, min: m }),
            class: m === min ? "on" : "",
          }, m)
        ),
      ),
      h("span", { class: "mut" }, ` ${int(nodes.length)} nodes, ${int(edges.length)} edges`),
    );
    if (!nodes.length) {
      body.replaceChildren(controls, empty("No neighbour edges at this threshold yet."));
      return;
    }
    const W = Math.max(320, Math.min(1400, body.clientWidth || 900));
    const H = Math.round(Math.min(720, Math.max(360, W * 0.6)));
    const pos = forceLayout(nodes.length, edges, { width: W, height: H });
    const canvas = h("canvas", { class: "ngraph", ariaLabel: "Neighbour graph" });
    const tip = h("div", { class: "ngraph-tip", hidden: true });
    const dpr = globalThis.devicePixelRatio || 1;
    canvas.width = W * dpr;
    canvas.height = H * dpr;
    canvas.style.width = W + "px";
    canvas.style.height = H + "px";
    const deg = nodes.map((n) => n.neighbor_count ?? 0);
    const radius = (i: number) => 3 + Math.min(9, Math.sqrt(deg[i]) * 1.6);
    const labelled = new Set(
      deg.map((d, i) => [d, i]).sort((a, b) => b[0] - a[0]).slice(0, 25).map(([, i]) => i),
    );
    const draw = (hover: number) => {
      const c = canvas.getContext("2d");
      if (!c) return;
      c.setTransform(dpr, 0, 0, dpr, 0, 0);
      c.clearRect(0, 0, W, H);
      for (const e of edges) {
        const on = hover === e.a || hover === e.b;
        c.strokeStyle = on ? "rgba(47,129,247,0.9)" : `rgba(128,128,128,${0.15 + e.w * 0.5})`;
        c.lineWidth = on ? 2 : 0.5 + e.w * 1.5;
        c.beginPath();
        c.moveTo(pos[2 * e.a], pos[2 * e.a + 1]);
        c.lineTo(pos[2 * e.b], pos[2 * e.b + 1]);
        c.stroke();
      }
      c.font = "11px system-ui, sans-serif";
      nodes.forEach((n, i) => {
        c.fillStyle = ROLE_COLOR[n.role ?? ""] ?? "#888";
        c.beginPath();
        c.arc(pos[2 * i], pos[2 * i + 1], radius(i) + (i === hover ? 2 : 0), 0, Math.PI * 2);
        c.fill();
        if (labelled.has(i) || i === hover) {
          c.fillStyle = getComputedStyle(body).color || "#333";
          c.fillText(n.name || shortKey(n.pubkey), pos[2 * i] + radius(i) + 2, pos[2 * i + 1] + 4);
        }
      });
    };
    const nearest = (ev: MouseEvent): number => {
      const r = canvas.getBoundingClientRect();
      const x = ev.clientX - r.left;
      const y = ev.clientY - r.top;
      let best = -1;
      let bd = 14 * 14;
      for (let i = 0; i < nodes.length; i++) {
        const d = (pos[2 * i] - x) ** 2 + (pos[2 * i + 1] - y) ** 2;
        if (d < bd) [best, bd] = [i, d];
      }
      return best;
    };
    let hovered = -1;
    canvas.addEventListener("mousemove", (ev) => {
      const i = nearest(ev);
      if (i === hovered) return;
      hovered = i;
      draw(i);
      tip.hidden = i < 0;
      if (i >= 0) {
        const n = nodes[i];
        tip.textContent = `${n.name || shortKey(n.pubkey)} · ${n.role ?? "?"} · ${
          deg[i]
        } neighbours`;
      }
      canvas.style.cursor = i >= 0 ? "pointer" : "";
    });
    canvas.addEventListener("click", (ev) => {
      const i = nearest(ev);
      if (i >= 0) go(`#/nodes/${encodeURIComponent(nodes[i].pubkey)}`);
    });
    draw(-1);
    body.replaceChildren(
      controls,
      panel(
        "Neighbour graph",
        h("div", { class: "ngraph-wrap" }, canvas, tip),
        h(
          "p",
          { class: "mut" },
          Object.entries(ROLE_COLOR).map(([r, col]) => {
            const sw = h("span", { class: "legend-dot" });
            sw.style.background = col;
            return [sw, ` ${r}  `];
          }),
        ),
      ),
    );
  },
};
