/**
 * `#/nodes`: node directory with search, role tabs, sorting and an area
 * selector (all in the URL), virtualised for thousands of nodes.
 *
 * @module
 */

import { debounce, h, replace, tabs } from "../lib/dom.ts";
import {
  ago,
  dateTime,
  hasLoc,
  HEALTH,
  int,
  liveness,
  roleClass,
  ROLES,
  shortKey,
  toMs,
} from "../lib/format.ts";
import { allNodes, type NodeLite } from "../lib/node_names.ts";
import { buildHash, go, queryObject, type RouteCtx } from "../lib/router.ts";
import { type Column, VirtualTable } from "../lib/virtual_table.ts";
import { myNodes, onMyNodes } from "../lib/favourites.ts";
import { areaField, areaNodes } from "../lib/area_filter.ts";

/** Liveness thresholds (ms) for a role (infrastructure vs other nodes, from {@link HEALTH}). */
export function thresholds(role: string): [number, number] {
  return role === "repeater" || role === "room"
    ? [HEALTH.infraDegradedMs, HEALTH.infraSilentMs]
    : [HEALTH.nodeDegradedMs, HEALTH.nodeSilentMs];
}

/** Last time a node was heard (last_heard, else last_seen). */
export function lastHeard(n: NodeLite): string | undefined {
  return (n.last_heard as string | undefined) ?? n.last_seen;
}

const SORTS: Record<string, (a: NodeLite, b: NodeLite) => number> = {
  name: (a, b) => (a.name ?? "").localeCompare(b.name ?? ""),
  role: (a, b) => a.role.localeCompare(b.role),
  lastSeen: (a, b) => (toMs(lastHeard(a)) || 0) - (toMs(lastHeard(b)) || 0),
  firstSeen: (a, b) => (toMs(a.first_seen) || 0) - (toMs(b.first_seen) || 0),
  adverts: (a, b) => (a.advert_count ?? 0) - (b.advert_count ?? 0),
  key: (a, b) => a.public_key.localeCompare(b.public_key),
};

/** Columns kept on a phone and their widths; Name takes the rest. */
const PHONE_COLUMNS: Record<string, string> = {
  name: "minmax(0,1fr)",
  role: "84px",
  status: "62px",
  lastSeen: "80px",
};

function nodeColumns(phone: boolean, cols: Column<NodeLite>[]): Column<NodeLite>[] {
  if (!phone) return cols;
  return cols.filter((c) => c.key in PHONE_COLUMNS).map((c) => ({
    ...c,
    width: PHONE_COLUMNS[c.key],
  }));
}

/** Mounts the nodes directory. */
export function nodesPage(el: HTMLElement, ctx: RouteCtx) {
  let q = queryObject(ctx.query);
  let all: NodeLite[] = [];
  let rows: NodeLite[] = [];
  let mineSet = myNodes();
  el.classList.add("page-full");
  const search = h("input", {
    class: "txt nodes-filter",
    type: "search",
    placeholder: "Filter by name or key prefix",
    value: q.q ?? "",
    ariaLabel: "Filter nodes",
  });
  const tabBar = h("div");
  const countEl = h("span", { class: "mut" });
  const host = h("div", { class: "table-host" });
  const area = areaField(q.area ?? "", (key) => {
    go(buildHash("/nodes", { ...q, area: key || undefined }), true);
  });
  el.append(
    h("div", { class: "toolbar" }, h("h2", null, "Nodes"), search, area, countEl),
    h("div", { class: "pad0" }, tabBar),
    host,
  );
  // Phone: the columns that matter fit the screen; desktop: spare width is shared, Name does
  // not take half of it.
  const phone = matchMedia("(max-width: 760px)").matches;
  const table = new VirtualTable<NodeLite>(host, {
    minWidth: phone ? 0 : 860,
    rowHeight: 28,
    columns: nodeColumns(phone, [
      {
        key: "name",
        label: "Name",
        width: "minmax(160px,2fr)",
        sortable: true,
        text: (n) =>
          (mineSet.has(n.public_key.toLowerCase()) ? "★ " : "") + (n.name ?? "(unnamed)"),
        title: (n) => n.name ?? "(unnamed)",
      },
      {
        key: "role",
        label: "Role",
        width: "minmax(90px,1fr)",
        sortable: true,
        text: (n) => n.role,
        cls: (n) => roleClass(n.role),
      },
      {
        key: "key",
        label: "Key",
        width: "minmax(90px,1fr)",
        sortable: true,
        text: (n) => shortKey(n.public_key),
        cls: () => "mono",
      },
      {
        key: "status",
        label: "State",
        width: "minmax(70px,1fr)",
        text: (n) =>
          ({ ok: "active", warn: "degraded", dead: "silent" })[
            liveness(lastHeard(n), ...thresholds(n.role))
          ],
        cls: (n) => "st-" + liveness(lastHeard(n), ...thresholds(n.role)),
      },
      {
        key: "lastSeen",
        label: "Last heard",
        width: "minmax(96px,1fr)",
        sortable: true,
        text: (n) => ago(lastHeard(n)),
        title: (n) => dateTime(lastHeard(n)),
      },
      {
        key: "firstSeen",
        label: "First seen",
        width: "minmax(164px,1.5fr)",
        sortable: true,
        text: (n) => dateTime(n.first_seen),
      },
      {
        key: "adverts",
        label: "Adverts",
        width: "minmax(70px,1fr)",
        sortable: true,
        text: (n) => int(n.advert_count),
        cls: () => "num",
      },
      {
        key: "hs",
        label: "Hash",
        width: "50px",
        text: (n) => (n.hash_size ? `${n.hash_size} B` : "—"),
        cls: () => "num",
      },
      { key: "loc", label: "Loc", width: "40px", text: (n) => (hasLoc(n.lat, n.lon) ? "✓" : "") },
    ]),
    getRow: (i) => rows[i],
    onSelect: (_i, n) => go(`#/nodes/${encodeURIComponent(n.public_key)}`),
    onSort: (key) => {
      const desc = q.sort === key ? q.dir !== "desc" : key === "lastSeen" || key === "adverts";
      go(buildHash("/nodes", { ...q, sort: key, dir: desc ? "desc" : "asc" }), true);
    },
    emptyText: "Loading nodes…",
  });

  function apply() {
    const role = q.role ?? "";
    const needle = (q.q ?? "").toLowerCase();
    const mine = mineSet = myNodes();
    const counts: Record<string, number> = {};
    for (const n of all) counts[n.role] = (counts[n.role] ?? 0) + 1;
    rows = all.filter((n) =>
      (!role || n.role === role || (role === "mine" && mine.has(n.public_key.toLowerCase()))) &&
      (!needle || (n.name ?? "").toLowerCase().includes(needle) ||
        n.public_key.toLowerCase().startsWith(needle))
    );
    const sortKey = q.sort && SORTS[q.sort] ? q.sort : "lastSeen";
    const desc = q.sort ? q.dir === "desc" : true;
    const cmp = SORTS[sortKey];
    rows.sort((a, b) => (desc ? -cmp(a, b) : cmp(a, b)));
    table.setSort(sortKey, desc);
    const items: [string, string][] = [["", `All (${all.length})`]];
    for (const r of ROLES) {
      items.push([r, `${r[0].toUpperCase()}${r.slice(1)}s (${counts[r] ?? 0})`]);
    }
    items.push([
      "mine",
      `★ My nodes (${all.filter((n) => mine.has(n.public_key.toLowerCase())).length})`,
    ]);
    replace(tabBar, tabs(items, role, (k) => buildHash("/nodes", { ...q, role: k || undefined })));
    countEl.textContent = `${rows.length.toLocaleString("en-US")} shown`;
    table.setEmptyText(all.length ? "No node matches." : "No nodes yet.");
    table.setCount(rows.length);
    table.render();
  }

  search.addEventListener(
    "input",
    debounce(() => {
      go(buildHash("/nodes", { ...q, q: search.value.trim() || undefined }), true);
    }, 200),
  );

  // All nodes, or the nodes of the selected area (`/api/nodes?area=`).
  let loadedArea: string | undefined;
  let loadCtl: AbortController | null = null;
  function load() {
    const key = q.area ?? "";
    if (key === loadedArea) return apply();
    loadedArea = key;
    loadCtl?.abort();
    const ctl = loadCtl = new AbortController();
    all = [];
    table.setEmptyText("Loading nodes…");
    table.setCount(0);
    (key ? areaNodes(key, ctl.signal) : allNodes(15_000)).then((n) => {
      if (ctl !== loadCtl) return;
      all = n;
      apply();
    }, (e) => {
      if (ctl === loadCtl && (e as Error).name !== "AbortError") {
        table.setEmptyText(`Error: ${(e as Error).message}`);
      }
    });
  }
  load();

  const offMine = onMyNodes(() => all.length && apply());
  return {
    destroy() {
      offMine();
      loadCtl?.abort();
    },
    update(c: RouteCtx) {
      q = queryObject(c.query);
      if (document.activeElement !== search) search.value = q.q ?? "";
      const sel = area.querySelector("select");
      if (sel && sel.options.length) sel.value = q.area ?? "";
      load();
    },
  };
}
