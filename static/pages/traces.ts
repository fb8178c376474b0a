/**
 * `#/traces/<hash>` (also `#/tools/trace/<hash>`): one TRACE packet's hops
 * with the SNR each hop measured, and every observer's sighting of it. Without
 * a hash the page lists recent TRACE packets.
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { empty, errorBox, h, kv, link, loading, replace, table } from "../lib/dom.ts";
import { ago, dateTime, hopsOf, num, parseJson, routeName, shortKey } from "../lib/format.ts";
import { go, type RouteCtx } from "../lib/router.ts";
import { allNodes, byPrefix } from "../lib/node_names.ts";

interface Sighting {
  observer: string;
  observer_name: string | null;
  time: string;
  snr: number | null;
  rssi: number | null;
  path_json: string;
}

interface PathHop {
  prefix: string;
  pubkey: string | null;
  name: string | null;
}

interface Detail {
  packet: {
    hash: string;
    payload_type: number;
    route_type: number;
    decoded_json?: string;
    first_seen: string;
  };
  path: PathHop[];
  observations?: { observer_id?: string; observer_name?: string; raw_hex?: string }[];
}

/**
 * Per-hop SNR (dB) carried in a TRACE packet's header path bytes (int8 ÷ 4),
 * read from its raw hex; `[]` when the hex is not a readable TRACE.
 */
export function traceSnrFromRaw(raw: string | undefined): number[] {
  if (!raw || !/^[0-9a-fA-F]+$/.test(raw) || raw.length < 4) return [];
  const byte = (i: number) => parseInt(raw.slice(i * 2, i * 2 + 2), 16);
  const header = byte(0);
  if (((header >> 2) & 0x0f) !== 9) return [];
  const route = header & 3;
  const at = route === 0 || route === 3 ? 5 : 1;
  if (raw.length < (at + 1) * 2) return [];
  const count = byte(at) & 0x3f;
  const out: number[] = [];
  for (let i = 0; i < count && (at + 2 + i) * 2 <= raw.length; i++) {
    const v = byte(at + 1 + i);
    out.push((v > 127 ? v - 256 : v) / 4);
  }
  return out;
}

/** A TRACE's route hops (upper-case hex) from its decoded payload's `pathData` and flags. */
export function tracePayloadHops(dec: Record<string, unknown>): string[] {
  const data = typeof dec.pathData === "string" ? dec.pathData : "";
  if (!/^([0-9a-fA-F]{2})*$/.test(data)) return [];
  const size = 1 << (Number(dec.traceFlags ?? 0) & 3);
  return (data.match(new RegExp(`.{${size * 2}}`, "g")) ?? []).map((x) => x.toUpperCase());
}

/**
 * The hops to show: the payload's route hops when it has them (the server's
 * stored path of an old TRACE row may hold SNR bytes), each named from the
 * server's resolved path when the prefix agrees, else from a unique key match.
 */
async function traceHops(dec: Record<string, unknown>, path: PathHop[]): Promise<PathHop[]> {
  const fromPayload = tracePayloadHops(dec);
  if (!fromPayload.length) return path;
  const nodes = await allNodes().catch(() => []);
  return fromPayload.map((prefix, i) => {
    const p = path[i];
    if (p && p.prefix.toUpperCase() === prefix) return p;
    const hit = byPrefix(nodes, prefix);
    return hit.length === 1
      ? { prefix, pubkey: hit[0].public_key, name: hit[0].name }
      : { prefix, pubkey: null, name: hit.length ? `${hit.length} candidates` : null };
  });
}

function snrBar(v: number | null | undefined): HTMLElement {
  if (typeof v !== "number") return h("span", { class: "mut" }, "—");
  const pct = Math.max(2, Math.min(100, ((v + 20) / 35) * 100));
  const bar = h("span", { class: "snrbar" + (v < 0 ? " low" : v < 5 ? " mid" : "") });
  bar.style.width = pct.toFixed(0) + "%";
  return h("span", { class: "snrcell" }, bar, ` ${num(v, 2)} dB`);
}

async function list(body: HTMLElement) {
  const r = await getJson<{ packets: { hash: string; first_seen: string; path_json?: string }[] }>(
    "/api/packets" + qs({ type: 9, limit: 50, groupByHash: true }),
  );
  const rows = r.packets ?? [];
  replace(
    body,
    rows.length
      ? table(
        ["Hash", "Seen", "Hops"],
        rows.map((p) => [
          link(`#/traces/${p.hash}`, h("code", null, p.hash)),
          ago(p.first_seen),
          String(hopsOf(p.path_json).length),
        ]),
      )
      : empty("No TRACE packets yet."),
  );
}

async function show(body: HTMLElement, hash: string, signal: AbortSignal) {
  const [d, t] = await Promise.all([
    getJson<Detail>(`/api/packets/${hash}`, signal),
    getJson<{ traces: Sighting[] }>(`/api/traces/${hash}`, signal),
  ]);
  const p = d.packet;
  const dec = parseJson<Record<string, unknown>>(p.decoded_json, {});
  const snrs = Array.isArray(dec.snrValues) ? dec.snrValues as number[] : [];
  const hops = await traceHops(dec, d.path ?? []);
  const perObserver = (d.observations ?? []).map((o) => ({
    name: o.observer_name ?? shortKey(o.observer_id),
    snr: traceSnrFromRaw(o.raw_hex),
  })).filter((o) => o.snr.length);
  const n = Math.max(hops.length, snrs.length);
  const hopRows = Array.from({ length: n }, (_, i) => {
    const hop = hops[i];
    return [
      String(i + 1),
      h("code", null, hop?.prefix ?? "?"),
      hop?.pubkey
        ? link(`#/nodes/${encodeURIComponent(hop.pubkey)}`, hop.name ?? shortKey(hop.pubkey))
        : h("span", { class: "mut" }, hop?.name ?? "unresolved"),
      i < snrs.length ? snrBar(snrs[i]) : h("span", { class: "mut" }, "not reached"),
    ];
  });
  replace(
    body,
    kv([
      ["Hash", h("code", null, p.hash)],
      ["Type", p.payload_type === 9 ? "TRACE" : `not a TRACE (type ${p.payload_type})`],
      ["Route", routeName(p.route_type)],
      ["First seen", dateTime(p.first_seen)],
      ["Hops completed", `${snrs.length} of ${hops.length}`],
      ["Packet", link(`#/packets?sel=${p.hash}`, "open in Packets")],
    ]),
    h(
      "div",
      { class: "panel" },
      h("h3", null, "Hops and SNR per hop"),
      n ? table(["#", "Prefix", "Node", "SNR at this hop"], hopRows) : empty("No hops."),
    ),
    perObserver.length > 1
      ? h(
        "div",
        { class: "panel" },
        h("h3", null, "Per-hop SNR as each observer received it"),
        table(
          ["Observer", ...Array.from({ length: n }, (_, i) => `Hop ${i + 1}`)],
          perObserver.map((
            o,
          ) => [o.name, ...Array.from({ length: n }, (_, i) => num(o.snr[i], 2))]),
        ),
      )
      : null,
    h(
      "div",
      { class: "panel" },
      h("h3", null, `Sightings (${t.traces?.length ?? 0})`),
      t.traces?.length
        ? table(
          ["Observer", "Time", "SNR", "RSSI", "Path"],
          t.traces.map((s) => [
            link(
              `#/observers/${encodeURIComponent(s.observer)}`,
              s.observer_name ?? shortKey(s.observer),
            ),
            dateTime(s.time),
            num(s.snr, 2),
            num(s.rssi, 0),
            h("code", null, hopsOf(s.path_json).join(" › ")),
          ]),
        )
        : empty("No sightings."),
    ),
  );
}

/** Mounts the traces page. */
export function tracesPage(el: HTMLElement, ctx: RouteCtx) {
  const input = h("input", {
    class: "txt",
    type: "search",
    placeholder: "Packet hash (16 hex)",
    value: ctx.params[0] ?? "",
    ariaLabel: "Trace hash",
  });
  const body = h("div");
  const ctl = new AbortController();
  input.addEventListener("keydown", (e) => {
    const v = input.value.trim().toLowerCase();
    if (e.key === "Enter" && /^[0-9a-f]{16}$/.test(v)) go(`#/traces/${v}`);
  });
  el.append(h("div", { class: "toolbar" }, h("h2", null, "Traces"), input), body);
  const hash = (ctx.params[0] ?? "").toLowerCase();
  replace(body, loading());
  const job = /^[0-9a-f]{16}$/.test(hash)
    ? show(body, hash, ctl.signal)
    : hash
    ? Promise.reject(new Error(`Cannot show trace "${hash}": expected 16 hex characters`))
    : list(body);
  job.catch((e) => {
    if ((e as Error).name !== "AbortError") replace(body, errorBox(e));
  });
  return { destroy: () => ctl.abort() };
}
