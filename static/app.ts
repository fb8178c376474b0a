/**
 * hopwatch web UI entry: the shell (navigation, global search, connection
 * state, store-loading banner) and the route table.
 *
 * @module
 */

import { getJson, onLoadStatus, setLoadStatus, tryJson } from "./lib/api.ts";
import { setHealth } from "./lib/format.ts";
import { debounce, h, replace } from "./lib/dom.ts";
import { Router } from "./lib/router.ts";
import { onWsState, reconnectNow, startLive } from "./lib/ws.ts";
import { applyTheme, type ThemeConfig } from "./lib/theme.ts";
import { packetsPage } from "./pages/packets.ts";
import { livePage } from "./pages/live.ts";
import { nodesPage } from "./pages/nodes.ts";
import { nodeDetailPage } from "./pages/node_detail.ts";
import { mapPage } from "./pages/map.ts";
import { channelsPage } from "./pages/channels.ts";
import { observerDetailPage, observersPage } from "./pages/observers.ts";
import { analyticsPage } from "./pages/analytics.ts";
import { toolsPage } from "./pages/tools.ts";
import { tracesPage } from "./pages/traces.ts";
import { comparePage } from "./pages/compare.ts";
import { pathInspectorPage } from "./pages/path_inspector.ts";
import { perfPage } from "./pages/perf.ts";
import { homePage } from "./pages/home.ts";
import { rxCoveragePage } from "./pages/rx_coverage.ts";
import { nodeReachPage } from "./pages/node_reach.ts";

const NAV: [string, string][] = [
  ["home", "Overview"],
  ["packets", "Packets"],
  ["live", "Live"],
  ["nodes", "Nodes"],
  ["map", "Map"],
  ["channels", "Channels"],
  ["observers", "Observers"],
  ["analytics", "Analytics"],
  ["tools", "Tools"],
  ["rx-coverage", "Coverage"],
];

function shell() {
  const navLinks = NAV.map(([k, label]) => h("a", { href: `#/${k}`, data: { nav: k } }, label));
  const conn = h("button", { class: "conn", type: "button", title: "Live connection" }, "");
  const search = h("input", {
    type: "search",
    placeholder: "Search nodes, packet hash…",
    ariaLabel: "Search",
    class: "gsearch",
  });
  const results = h("div", { class: "gresults", hidden: true, role: "listbox" });
  const banner = h("div", { class: "banner", hidden: true, role: "status" });
  const outlet = h("main", { id: "outlet" });
  document.body.append(
    h(
      "header",
      { class: "top" },
      h(
        "a",
        { class: "brand", href: "#/packets" },
        h("span", { class: "logo" }),
        h("span", { class: "brand-name" }, "hopwatch"),
      ),
      h("nav", { class: "nav" }, navLinks),
      h("div", { class: "search" }, search, results),
      conn,
    ),
    banner,
    outlet,
  );
  return { navLinks, conn, search, results, banner, outlet };
}

function wireSearch(search: HTMLInputElement, results: HTMLElement) {
  let seq = 0;
  const close = () => (results.hidden = true);
  const run = debounce(async () => {
    const q = search.value.trim();
    const my = ++seq;
    if (q.length < 2) {
      close();
      return;
    }
    const items: HTMLElement[] = [];
    if (/^[0-9a-f]{16}$/i.test(q)) {
      items.push(
        h(
          "a",
          { href: `#/packets?sel=${q.toLowerCase()}` },
          "Packet ",
          h("code", null, q.toLowerCase()),
        ),
      );
    }
    try {
      const r = await getJson<
        { nodes: { public_key: string; name: string | null; role: string }[] }
      >(
        `/api/nodes/search?q=${encodeURIComponent(q)}`,
      );
      for (const n of r.nodes ?? []) {
        items.push(h(
          "a",
          { href: `#/nodes/${encodeURIComponent(n.public_key)}` },
          n.name || n.public_key.slice(0, 8),
          h("span", { class: "mut" }, ` ${n.role ?? ""} ${n.public_key.slice(0, 8)}`),
        ));
      }
    } catch { /* search is best effort */ }
    if (my !== seq) return;
    replace(results, items.length ? items : h("div", { class: "mut pad" }, "No match"));
    results.hidden = false;
  }, 250);
  search.addEventListener("input", run);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
    if (e.key === "Enter") results.querySelector<HTMLAnchorElement>("a")?.click();
  });
  results.addEventListener("click", () => {
    close();
    search.value = "";
  });
  document.addEventListener("click", (e) => {
    if (!(e.target as HTMLElement).closest(".search")) close();
  });
}

async function pollHealth(banner: HTMLElement) {
  try {
    const res = await fetch("/api/healthz");
    const body = await res.json().catch(() => ({}));
    const hdr = res.headers.get("X-CoreScope-Load-Status");
    if (hdr) setLoadStatus(hdr);
    else setLoadStatus(body?.ready === false || res.status === 503 ? "loading" : "ready");
  } catch {
    /* the connection badge shows the outage */
  }
  if (!banner.hidden) setTimeout(() => pollHealth(banner), 10_000);
}

function main() {
  const ui = shell();
  tryJson<ThemeConfig>("/api/config/theme").then(applyTheme);
  wireSearch(ui.search, ui.results);
  onLoadStatus((s) => {
    const loadingNow = s.startsWith("loading");
    const m = /progress=(\d+)/.exec(s);
    ui.banner.textContent = loadingNow
      ? `The packet store is still loading${m ? ` (${m[1]} %)` : ""}; lists may be incomplete.`
      : "";
    const wasHidden = ui.banner.hidden;
    ui.banner.hidden = !loadingNow;
    if (loadingNow && wasHidden) setTimeout(() => pollHealth(ui.banner), 10_000);
  });
  onWsState((s, retry) => {
    ui.conn.className = "conn " + s;
    ui.conn.textContent = s === "open" ? "Live" : s === "connecting" ? "Connecting" : "Offline";
    ui.conn.title = s === "closed"
      ? `Disconnected; retrying in ${Math.round(retry / 1000)} s (click to retry now)`
      : `WebSocket ${s}`;
  });
  ui.conn.addEventListener("click", reconnectNow);
  const router = new Router(ui.outlet, (nav) => {
    for (const a of ui.navLinks) a.classList.toggle("on", a.dataset.nav === nav);
  });
  router
    .add(/^\/packets\/?$/, "packets", packetsPage)
    .add(/^\/packets\/([0-9a-fA-F]{16})$/, "packets", (_el, ctx) => {
      location.replace(`#/packets?sel=${ctx.params[0].toLowerCase()}`);
    })
    .add(/^\/live$/, "live", livePage)
    .add(/^\/nodes\/?$/, "nodes", nodesPage)
    .add(/^\/nodes\/([^/]+)$/, "nodes", nodeDetailPage)
    .add(/^\/nodes\/([^/]+)\/reach$/, "nodes", nodeReachPage)
    .add(/^\/rx-coverage$/, "rx-coverage", rxCoveragePage)
    .add(/^\/map$/, "map", mapPage)
    .add(/^\/channels$/, "channels", channelsPage)
    .add(/^\/observers\/?$/, "observers", observersPage)
    .add(/^\/observers\/([^/]+)$/, "observers", observerDetailPage)
    .add(/^\/analytics$/, "analytics", analyticsPage)
    .add(/^\/tools\/?$/, "tools", toolsPage)
    .add(/^\/(?:traces|tools\/trace)(?:\/([^/]*))?$/, "tools", tracesPage)
    .add(/^\/compare$/, "tools", comparePage)
    .add(/^\/(?:tools\/)?path-inspector$/, "tools", pathInspectorPage)
    .add(/^\/perf$/, "tools", perfPage)
    .add(/^\/home$/, "home", homePage);
  router.start("#/packets");
  startLive();
  // Secondary requests wait until the first page has had its data.
  setTimeout(() => {
    tryJson<{ healthThresholds?: unknown }>("/api/config/client").then((c) =>
      setHealth(c?.healthThresholds)
    );
    pollHealth(ui.banner);
  }, 300);
}

main();
