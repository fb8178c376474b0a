/**
 * `#/rx-coverage`: where roaming clients heard the mesh — hex cells of their
 * receptions coloured by best SNR over 1/7/14/30 days, optionally of one client
 * (click a leaderboard row), with the frontier-weighted client leaderboard.
 * Shows a notice when the server has client RX coverage off.
 *
 * @module
 */

import { getJson, qs, tryJson } from "../lib/api.ts";
import { debounce, empty, errorBox, h, replace, table } from "../lib/dom.ts";
import { int, num, shortKey } from "../lib/format.ts";
import { buildHash, queryObject, type RouteCtx } from "../lib/router.ts";
import { createMap, disposeMap } from "../lib/vendor.ts";
import { type CoverageFeature, drawCells, viewBbox } from "../lib/geo_ui.ts";

const DAYS = [1, 7, 14, 30];

interface Leader {
  pubkey: string;
  name: string;
  receptions: number;
  nodes: number;
  cells: number;
  score: number;
}

/** Whether the server serves RX coverage (`/api/config/client` clientRxCoverage). */
export async function coverageEnabled(): Promise<boolean> {
  const c = await tryJson<{ clientRxCoverage?: boolean }>("/api/config/client");
  return c?.clientRxCoverage === true;
}

/** Mounts the RX coverage page. */
export function rxCoveragePage(el: HTMLElement, ctx: RouteCtx) {
  el.classList.add("page-full");
  let q = queryObject(ctx.query);
  const days = () => (DAYS.includes(Number(q.days)) ? Number(q.days) : 7);
  const bar = h("div", { class: "toolbar cov-bar" });
  const mapEl = h("div", { class: "mapbox cov-map" });
  const status = h("div", { class: "map-overlay cov-status" });
  const board = h("div", { class: "cov-board" });
  el.append(
    h("h2", null, "RX coverage"),
    bar,
    h("div", { class: "cov-layout" }, h("div", { class: "cov-mapwrap" }, mapEl, status), board),
  );
  let alive = true;
  let refresh: () => void = () => {};
  let remove: () => void = () => {};

  function renderBar() {
    replace(
      bar,
      "Window: ",
      h(
        "span",
        { class: "seg" },
        DAYS.map((d) =>
          h("a", {
            href: buildHash("/rx-coverage", { ...q, days: String(d) }),
            class: d === days() ? "on" : "",
          }, d === 1 ? "24h" : `${d}d`)
        ),
      ),
      q.rx
        ? h("a", { href: buildHash("/rx-coverage", { ...q, rx: undefined }), class: "chip" }, [
          `client ${shortKey(q.rx)} ✕`,
        ])
        : null,
    );
  }

  async function renderBoard() {
    try {
      const lb = await getJson<{ observers: Leader[] }>(
        "/api/rx-leaderboard" + qs({ days: days(), limit: 25 }),
      );
      if (!alive) return;
      replace(
        board,
        h("h3", null, "Top roaming clients"),
        lb.observers.length
          ? table(
            ["#", "Client", "Score", "Cells", "Nodes", "Receptions"],
            lb.observers.map((o, i) => [
              String(i + 1),
              h("a", {
                href: buildHash("/rx-coverage", { ...q, rx: o.pubkey }),
                class: o.pubkey === q.rx ? "on" : "",
              }, o.name || shortKey(o.pubkey)),
              num(o.score, 2),
              int(o.cells),
              int(o.nodes),
              int(o.receptions),
            ]),
          )
          : empty("No roaming receptions in this window."),
      );
    } catch (e) {
      replace(board, errorBox(e));
    }
  }

  (async () => {
    if (!(await coverageEnabled())) {
      replace(
        board,
        empty("Client RX coverage is off on this server (config clientRxCoverage.enabled)."),
      );
      return;
    }
    const { L, map } = await createMap(mapEl);
    if (!alive) {
      disposeMap(map);
      return;
    }
    remove = () => disposeMap(map);
    const layer = L.layerGroup().addTo(map);
    const renderer = L.canvas({ padding: 0.2 });
    let seq = 0;
    refresh = debounce(async () => {
      const my = ++seq;
      try {
        const fc = await getJson<{ features: CoverageFeature[]; truncated?: boolean }>(
          "/api/rx-coverage" +
            qs({ bbox: viewBbox(map), z: map.getZoom(), days: days(), rx: q.rx || undefined }),
        );
        if (my !== seq || !alive) return;
        const n = drawCells(L, layer, fc.features, renderer);
        const total = fc.features.reduce((s, f) => s + f.properties.count, 0);
        replace(
          status,
          h("b", null, `${int(n)} cells`),
          ` · ${int(total)} receptions in view${fc.truncated ? " (densest 5,000 cells)" : ""}`,
        );
      } catch (e) {
        replace(status, errorBox(e));
      }
    }, 150);
    map.on("moveend", () => refresh());
    refresh();
    renderBoard();
  })().catch((e) => board.appendChild(errorBox(e)));

  renderBar();
  return {
    update(c: RouteCtx) {
      const before = days();
      q = queryObject(c.query);
      renderBar();
      refresh();
      if (days() !== before || q.rx !== undefined) renderBoard();
    },
    destroy() {
      alive = false;
      remove();
    },
  };
}
