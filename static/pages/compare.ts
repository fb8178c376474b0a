/**
 * `#/compare?a=<observer>&b=<observer>`: two observers side by side over the
 * chosen window (24 hours by default, `&window=`) — packets both heard, packets only one heard, and the SNR each
 * measured on the shared ones.
 *
 * @module
 */

import { cached, getJson, qs } from "../lib/api.ts";
import { empty, errorBox, h, kv, link, loading, replace, table } from "../lib/dom.ts";
import { clock, int, num, typeName, WINDOWS, windowSince } from "../lib/format.ts";
import { buildHash, go, queryObject, type RouteCtx } from "../lib/router.ts";

interface Observer {
  id: string;
  name: string | null;
  iata?: string | null;
}

/** One observer's sighting of a packet. */
export interface Seen {
  hash: string;
  type: number;
  time: string;
  snr: number | null;
}

/** The result of comparing two observers' sightings. */
export interface Comparison {
  shared: { a: Seen; b: Seen }[];
  onlyA: Seen[];
  onlyB: Seen[];
  /** Mean of (SNR at A − SNR at B) over shared packets with both SNRs, or null. */
  meanSnrDelta: number | null;
}

/** Compares two lists of sightings by packet hash. */
export function compareSightings(a: Seen[], b: Seen[]): Comparison {
  const bm = new Map(b.map((s) => [s.hash, s]));
  const am = new Map(a.map((s) => [s.hash, s]));
  const shared: { a: Seen; b: Seen }[] = [];
  let sum = 0;
  let n = 0;
  for (const s of am.values()) {
    const o = bm.get(s.hash);
    if (!o) continue;
    shared.push({ a: s, b: o });
    if (typeof s.snr === "number" && typeof o.snr === "number") {
      sum += s.snr - o.snr;
      n++;
    }
  }
  return {
    shared,
    onlyA: [...am.values()].filter((s) => !bm.has(s.hash)),
    onlyB: [...bm.values()].filter((s) => !am.has(s.hash)),
    meanSnrDelta: n ? sum / n : null,
  };
}

async function sightings(
  id: string,
  since: string | undefined,
  signal: AbortSignal,
): Promise<Seen[]> {
  const r = await getJson<{ packets: Record<string, unknown>[] }>(
    "/api/packets" + qs({ observer: id, since, limit: 3000, expand: "observations" }),
    signal,
  );
  return (r.packets ?? []).map((p) => {
    const obs = (p.observations as Record<string, unknown>[] | undefined) ?? [];
    const mine = obs.find((o) => o.observer_id === id);
    return {
      hash: String(p.hash),
      type: Number(p.payload_type),
      time: String(mine?.timestamp ?? p.first_seen ?? ""),
      snr: typeof mine?.snr === "number" ? mine.snr : typeof p.snr === "number" ? p.snr : null,
    };
  });
}

function seenTable(rows: Seen[]): HTMLElement {
  if (!rows.length) return empty("None.");
  return table(
    ["Time", "Type", "Hash", "SNR"],
    rows.slice(0, 100).map((s) => [
      clock(s.time),
      typeName(s.type),
      link(`#/packets?sel=${s.hash}`, h("code", null, s.hash)),
      num(s.snr, 1),
    ]),
  );
}

/** Mounts the compare page. */
export function comparePage(el: HTMLElement, ctx: RouteCtx) {
  let q = queryObject(ctx.query);
  let ctl = new AbortController();
  const pickers = h("div", { class: "toolbar" });
  const body = h("div");
  el.append(h("h2", null, "Compare observers"), pickers, body);

  const picker = (key: "a" | "b", obs: Observer[]) => {
    const sel = h(
      "select",
      { name: key, ariaLabel: `Observer ${key.toUpperCase()}` },
      h("option", { value: "" }, "Choose an observer"),
      obs.map((o) =>
        h("option", { value: o.id, selected: o.id === q[key] }, o.name || o.id.slice(0, 8))
      ),
    );
    sel.addEventListener("change", () => go(buildHash("/compare", { ...q, [key]: sel.value })));
    return h("label", { class: "fld" }, h("span", null, `Observer ${key.toUpperCase()}`), sel);
  };

  async function render() {
    ctl.abort();
    ctl = new AbortController();
    const signal = ctl.signal;
    const obs = (await cached<{ observers: Observer[] }>("/api/observers")).observers ?? [];
    const win = q.window ?? "24h";
    const winSel = h(
      "select",
      { name: "window", ariaLabel: "Time window" },
      WINDOWS.map(([k, label]) =>
        h("option", { value: k || "all", selected: (k || "all") === win }, label)
      ),
    );
    winSel.addEventListener(
      "change",
      () => go(buildHash("/compare", { ...q, window: winSel.value })),
    );
    replace(
      pickers,
      picker("a", obs),
      picker("b", obs),
      h("label", { class: "fld" }, h("span", null, "Window"), winSel),
    );
    if (!q.a || !q.b) {
      return replace(body, empty("Choose two observers to compare."));
    }
    if (q.a === q.b) return replace(body, empty("Choose two different observers."));
    replace(body, loading("Comparing"));
    const since = windowSince(win);
    const [a, b] = await Promise.all([
      sightings(q.a, since, signal),
      sightings(q.b, since, signal),
    ]);
    const c = compareSightings(a, b);
    const name = (id: string) => obs.find((o) => o.id === id)?.name || id.slice(0, 8);
    const [na, nb] = [name(q.a), name(q.b)];
    const better =
      c.shared.filter((s) =>
        typeof s.a.snr === "number" && typeof s.b.snr === "number" && s.a.snr > s.b.snr
      ).length;
    replace(
      body,
      kv([
        [`Heard by ${na}`, int(a.length)],
        [`Heard by ${nb}`, int(b.length)],
        ["Heard by both", int(c.shared.length)],
        [`Only ${na}`, int(c.onlyA.length)],
        [`Only ${nb}`, int(c.onlyB.length)],
        [
          `Mean SNR ${na} − ${nb}`,
          c.meanSnrDelta === null
            ? "—"
            : `${num(c.meanSnrDelta, 2)} dB (${na} better on ${int(better)} of ${
              int(c.shared.length)
            })`,
        ],
      ]),
      h(
        "div",
        { class: "panel" },
        h("h3", null, `Shared packets (${int(c.shared.length)}, newest 100)`),
        c.shared.length
          ? table(
            ["Time", "Type", "Hash", `SNR ${na}`, `SNR ${nb}`, "Δ"],
            c.shared.slice(0, 100).map(({ a: x, b: y }) => [
              clock(x.time),
              typeName(x.type),
              link(`#/packets?sel=${x.hash}`, h("code", null, x.hash)),
              num(x.snr, 1),
              num(y.snr, 1),
              typeof x.snr === "number" && typeof y.snr === "number" ? num(x.snr - y.snr, 1) : "—",
            ]),
          )
          : empty("No packet heard by both."),
      ),
      h(
        "div",
        { class: "grid2" },
        h("div", { class: "panel" }, h("h3", null, `Only ${na}`), seenTable(c.onlyA)),
        h("div", { class: "panel" }, h("h3", null, `Only ${nb}`), seenTable(c.onlyB)),
      ),
    );
  }
  const run = () =>
    render().catch((e) => {
      if ((e as Error).name !== "AbortError") replace(body, errorBox(e));
    });
  run();
  return {
    update(c: RouteCtx) {
      q = queryObject(c.query);
      run();
    },
    destroy: () => ctl.abort(),
  };
}
