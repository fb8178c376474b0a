/**
 * `#/packets`: virtualised packet table with URL-backed filters, grouped or
 * per-observation rows, live rows (pause/resume), a detail pane and a decode box.
 *
 * @module
 */

import { debounce, errorBox, h, replace } from "../lib/dom.ts";
import { dateTime, num, ROUTE_TYPES, typeClass, typeName } from "../lib/format.ts";
import { decodeBox, renderPacketDetail } from "../lib/packet_detail.ts";
import {
  frameToRow,
  GroupedSource,
  hopCount,
  matchesFilters,
  ObservationSource,
  type PacketRow,
  type PacketSource,
  summary,
} from "../lib/packet_source.ts";
import { buildHash, go, queryObject, type RouteCtx } from "../lib/router.ts";
import { type Column, VirtualTable } from "../lib/virtual_table.ts";
import { onFrameBatch } from "../lib/frame_batcher.ts";
import { packetTime, packetTimeLabel, stamp } from "../lib/time_label.ts";
import { filterBar as expressionBar } from "../lib/filter_bar.ts";
import { compileFilter } from "../lib/filter_lang.ts";
import { columnChooser } from "../lib/column_chooser.ts";
import { FilteredSource, needsClientSort } from "../lib/filtered_source.ts";
import { headerSort } from "../lib/header_sort.ts";
import {
  apiFilters,
  FILTER_KEYS,
  type FilterData,
  filterFields,
  loadFilterData,
} from "../lib/packet_filters.ts";
import { advertInArea, type AreaScope, loadAreaScope } from "../lib/area_filter.ts";

/** Mounts the packets page. */
export function packetsPage(el: HTMLElement, ctx: RouteCtx) {
  let q = queryObject(ctx.query);
  let data: FilterData = { observers: [], regions: [], iata: new Map() };
  // The selected area's shape and nodes, for live rows (null: no area, or still loading).
  let areaScope: AreaScope | null = null;
  let areaKey = "";
  let areaCtl: AbortController | null = null;
  let paused = false;
  let pending: PacketRow[] = [];
  let source: PacketSource | null = null;
  let detailCtl: AbortController | null = null;
  let liveQueue: PacketRow[] = [];

  const filterBar = h("form", { class: "filters", on: { submit: (e) => e.preventDefault() } });
  const countEl = h("span", { class: "count mut" });
  const pauseBtn = h("button", { class: "btn", type: "button" }, "Pause");
  const viewSel = h("div", { class: "seg" });
  const decodeBtn = h("button", { class: "btn", type: "button" }, "Decode…");
  const toolbar = h(
    "div",
    { class: "toolbar" },
    viewSel,
    pauseBtn,
    countEl,
    h("span", { class: "grow" }),
    decodeBtn,
  );
  const tableHost = h("div", { class: "table-host" });
  const exprBar = expressionBar(q.filter, (filter) => setQuery({ filter, sel: undefined }));
  const detail = h("aside", { class: "detail", hidden: true });
  el.append(
    h(
      "div",
      { class: "packets" },
      filterBar,
      exprBar.el,
      toolbar,
      h("div", { class: "split" }, tableHost, detail),
    ),
  );
  el.classList.add("page-full");

  const phone = matchMedia("(max-width: 760px)").matches;
  const filterToggle = h("button", { class: "btn ftoggle", type: "button" }, "Filters");
  filterToggle.addEventListener("click", () => filterBar.classList.toggle("open"));
  toolbar.prepend(filterToggle);
  const columns: Column<PacketRow>[] = [
    {
      key: "time",
      label: packetTimeLabel(q.view),
      width: "132px",
      text: (r) => stamp(packetTime(r, q.view)),
      title: (r) => `${packetTimeLabel(q.view)} ${dateTime(packetTime(r, q.view))}`,
    },
    {
      key: "type",
      label: "Type",
      width: "92px",
      text: (r) => typeName(r.payload_type),
      cls: (r) => "tcell " + typeClass(r.payload_type),
    },
    {
      key: "route",
      label: "Route",
      width: "64px",
      text: (r) => (ROUTE_TYPES[r.route_type] ?? "?").replace("TRANSPORT_", "T_"),
    },
    { key: "hash", label: "Hash", width: "136px", text: (r) => r.hash, cls: () => "mono" },
    {
      key: "obs",
      label: "Obs",
      width: "44px",
      text: (r) => String(r.count ?? r.observation_count ?? 1),
      cls: () => "num",
    },
    {
      key: "observer",
      label: "Observer",
      width: "minmax(110px,1fr)",
      text: (r) => r.observer_name ?? r.observer_id?.slice(0, 8) ?? "",
    },
    { key: "snr", label: "SNR", width: "48px", text: (r) => num(r.snr, 1), cls: () => "num" },
    { key: "rssi", label: "RSSI", width: "48px", text: (r) => num(r.rssi, 0), cls: () => "num" },
    {
      key: "hops",
      label: "Hops",
      width: "44px",
      text: (r) => String(hopCount(r)),
      cls: () => "num",
    },
    { key: "sum", label: "Summary", width: "minmax(160px,2fr)", text: summary, title: summary },
  ];
  const phoneCols = ["time", "type", "obs", "sum"];
  const table = new VirtualTable<PacketRow>(tableHost, {
    minWidth: phone ? 0 : 900,
    columns: phone
      ? columns.filter((c) => phoneCols.includes(c.key)).map((
        c,
      ) => (c.key === "sum" ? { ...c, width: "minmax(0,1fr)" } : c))
      : columns,
    getRow: (i) => source?.get(i),
    onNeed: (s, e) => source?.need(s, e),
    onSelect: (_i, r) => go(buildHash("/packets", { ...q, sel: r.hash, decode: undefined })),
    isSelected: (r) => r.hash === q.sel,
    emptyText: "No packets match these filters.",
  });
  if (!phone) toolbar.append(columnChooser(table.el, columns, "hopwatch.packetColumns.v1"));
  const markSort = phone ? () => {} : headerSort(table.el, columns, (sort) => setQuery({ sort }));
  markSort(q.sort);

  const refreshCount = () => {
    if (!source) return;
    table.setCount(source.count);
    countEl.textContent =
      `${source.total.toLocaleString("en-US")} ${q.view === "obs" ? "observations" : "packets"}` +
      (paused && pending.length ? ` · ${pending.length} new while paused` : "") +
      (source instanceof FilteredSource
        ? ` · ${source.progress.scanned.toLocaleString("en-US")} scanned` +
          (source.progress.capped ? " (newest only)" : source.progress.done ? "" : "…")
        : "");
  };

  function setQuery(patch: Record<string, string | undefined>) {
    go(buildHash("/packets", { ...q, ...patch }));
  }

  function renderFilters() {
    replace(
      filterBar,
      ...filterFields(q, data),
      h("button", {
        class: "btn",
        type: "button",
        on: { click: () => go(buildHash("/packets", { view: q.view })) },
      }, "Clear"),
    );
    renderView();
  }

  function syncFilters() {
    for (const f of filterBar.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[name]")) {
      if (document.activeElement !== f) f.value = q[f.name] ?? "";
    }
    exprBar.set(q.filter);
    markSort(q.sort);
    renderView();
  }

  function renderView() {
    replace(
      viewSel,
      h("a", {
        href: buildHash("/packets", { ...q, view: undefined }),
        class: q.view !== "obs" ? "on" : "",
      }, "Grouped"),
      h("a", {
        href: buildHash("/packets", { ...q, view: "obs" }),
        class: q.view === "obs" ? "on" : "",
      }, "Per observation"),
    );
  }

  const onField = (ev: Event) => {
    const t = ev.target as HTMLInputElement | HTMLSelectElement;
    if (!t.name) return;
    setQuery({ [t.name]: t.value.trim() || undefined, sel: undefined });
  };
  filterBar.addEventListener("change", onField);
  filterBar.addEventListener(
    "input",
    debounce((ev: Event) => {
      if ((ev.target as HTMLElement).tagName === "INPUT") onField(ev);
    }, 500),
  );

  /** Loads the shape and nodes of `q.area` for live rows; until then they wait in the queue. */
  function loadArea() {
    const key = q.area ?? "";
    if (key === areaKey) return;
    areaKey = key;
    areaScope = null;
    areaCtl?.abort();
    if (!key) return;
    const ctl = areaCtl = new AbortController();
    loadAreaScope(key, ctl.signal).then((s) => {
      if (ctl !== areaCtl) return;
      // An unknown area (the list answers 400) matches no live row either.
      areaScope = s ?? { area: { key, label: key }, keys: new Set() };
      flush();
    }, () => {});
  }

  function loadSource() {
    loadArea();
    source?.destroy();
    pending = [];
    liveQueue = [];
    const f = apiFilters(q);
    const onErr = (e: unknown) => {
      if ((e as Error).name !== "AbortError") {
        replace(tableHost.querySelector(".state-empty") ?? tableHost, errorBox(e));
      }
    };
    const expr = q.filter ? compileFilter(q.filter).filter : null;
    source = expr || needsClientSort(q.sort)
      ? new FilteredSource(f, expr, q.sort, refreshCount, onErr, q.view === "obs")
      : q.view === "obs"
      ? new ObservationSource(f, refreshCount, onErr)
      : new GroupedSource(f, refreshCount, onErr);
    table.setEmptyText("Loading packets…");
    table.setCount(0);
    table.el.scrollTop = 0;
    // The previous source's rows and count go now, not at the next frame: until then they
    // would stand under this URL's view and filter as if they were its rows.
    table.render();
    countEl.textContent = "";
    const s = source;
    s.first().then(() => {
      if (s === source) {
        table.setEmptyText("No packets match these filters.");
        refreshCount();
      }
    }, (e) => {
      if ((e as Error).name !== "AbortError") table.setEmptyText(`Error: ${(e as Error).message}`);
    });
  }

  function renderDetail() {
    detailCtl?.abort();
    detailCtl = new AbortController();
    if (q.decode) {
      detail.hidden = false;
      replace(detail, closeBtn(), decodeBox());
    } else if (q.sel) {
      detail.hidden = false;
      const body = h("div");
      replace(detail, closeBtn(), body);
      renderPacketDetail(body, q.sel, detailCtl.signal);
    } else {
      detail.hidden = true;
      replace(detail);
    }
    table.schedule();
  }

  const closeBtn = () =>
    h("button", {
      class: "btn close",
      type: "button",
      ariaLabel: "Close",
      on: { click: () => setQuery({ sel: undefined, decode: undefined }) },
    }, "✕");

  pauseBtn.addEventListener("click", () => {
    paused = !paused;
    pauseBtn.textContent = paused ? "Resume" : "Pause";
    pauseBtn.classList.toggle("warn", paused);
    if (!paused) {
      liveQueue.push(...pending);
      pending = [];
      flush();
    }
    refreshCount();
  });
  decodeBtn.addEventListener("click", () => setQuery({ decode: "1", sel: undefined }));

  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  function flush() {
    flushTimer = undefined;
    if (!source || !liveQueue.length || (areaKey && !areaScope)) return;
    const f = apiFilters(q);
    let added = 0;
    for (const r of liveQueue) {
      if (!matchesFilters(r, f, data.iata)) continue;
      if (areaScope && !advertInArea(r, areaScope)) continue;
      if (source.addLive(r) === "new") added++;
    }
    liveQueue = [];
    if (added && table.el.scrollTop > 0) table.el.scrollTop += added * 26;
    refreshCount();
    table.schedule();
  }
  const off = onFrameBatch((frs) => {
    for (const fr of frs) {
      const row = frameToRow(fr);
      if (paused) {
        if (pending.length < 5000) pending.push(row);
        continue;
      }
      liveQueue.push(row);
    }
    if (paused) refreshCount();
    else if (!flushTimer) flushTimer = setTimeout(flush, 250);
  });

  const filterData = () =>
    loadFilterData().then((d) => {
      data = d;
      renderFilters();
    });

  renderFilters();
  loadSource();
  // Filter options (observers, regions) load once the first rows are in.
  (source as PacketSource | null)?.first().catch(() => {}).finally(() => filterData());
  renderDetail();

  return {
    update(c: RouteCtx) {
      const nq = queryObject(c.query);
      const filtersChanged = FILTER_KEYS.some((k) => (nq[k] ?? "") !== (q[k] ?? ""));
      const detailChanged = nq.sel !== q.sel || nq.decode !== q.decode;
      q = nq;
      if (filtersChanged) {
        const th = tableHost.querySelector(".vt-th");
        if (th) th.textContent = packetTimeLabel(q.view);
        syncFilters();
        loadSource();
      }
      if (detailChanged || filtersChanged) renderDetail();
    },
    destroy() {
      off();
      source?.destroy();
      detailCtl?.abort();
      areaCtl?.abort();
      clearTimeout(flushTimer);
    },
  };
}
