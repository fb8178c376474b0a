/**
 * The packet detail pane (summary, hops with resolved names and confidence,
 * hex breakdown, decoded fields, every observation) and the "decode your own
 * packet" box.
 *
 * @module
 */

import { getJson, postJson, qs, supports, tryJson } from "./api.ts";
import { type Child, errorBox, h, kv, link, loading, replace, table } from "./dom.ts";
import { cleanHex, fallbackRanges, fieldsTable, hexView, normalizeRanges } from "./hex_view.ts";
import { dateTime, hopsOf, num, parseJson, routeName, typeClass, typeName } from "./format.ts";
import { nodeIndex, nodeLabel } from "./node_names.ts";

interface Observation {
  id?: number;
  observer_id?: string;
  observer_name?: string;
  snr?: number | null;
  rssi?: number | null;
  path_json?: string;
  timestamp?: string;
  resolved_path?: (string | null)[] | string | null;
}

interface PacketDetail {
  packet: Observation & {
    hash: string;
    raw_hex: string;
    first_seen: string;
    route_type: number;
    payload_type: number;
    decoded_json?: string;
    observation_count?: number;
  };
  observations?: Observation[];
  observation_count?: number;
  breakdown?: unknown;
}

interface DecodeResult {
  decoded?: { header?: unknown; path?: unknown; payload?: unknown; transportCodes?: unknown };
  breakdown?: unknown;
}

interface HopResolution {
  name?: string | null;
  pubkey?: string | null;
  ambiguous?: boolean;
  confidence?: unknown;
  candidates?: unknown[];
}

function section(title: string, ...body: Child[]): HTMLElement {
  return h("section", { class: "sec" }, h("h3", null, title), ...body);
}

/** Renders the hex + decoded view of `hex` into `out` using `POST /api/decode`. */
export async function renderDecode(out: HTMLElement, hex: string, signal?: AbortSignal) {
  const clean = cleanHex(hex);
  if (!clean || clean.length < 4) {
    replace(out, errorBox(new Error("Enter at least 2 bytes of hex")));
    return;
  }
  let res: DecodeResult | null = null;
  let err: unknown = null;
  try {
    res = await postJson<DecodeResult>("/api/decode", { hex: clean }, signal);
  } catch (e) {
    if ((e as Error).name === "AbortError") return;
    err = e;
  }
  const ranges = normalizeRanges(res?.breakdown);
  replace(
    out,
    section("Hex breakdown", hexView(clean, ranges.length ? ranges : fallbackRanges(clean))),
    err ? errorBox(err) : null,
    res?.decoded?.header ? section("Header", fieldsTable(res.decoded.header)) : null,
    res?.decoded?.transportCodes
      ? section("Transport", fieldsTable(res.decoded.transportCodes))
      : null,
    res?.decoded?.path ? section("Path", fieldsTable(res.decoded.path)) : null,
    res?.decoded?.payload ? section("Payload", fieldsTable(res.decoded.payload)) : null,
  );
}

/** The "decode your own packet" box. */
export function decodeBox(): HTMLElement {
  const ta = h("textarea", {
    class: "hexin",
    placeholder: "Paste a raw packet in hex, e.g. 11036D7D…",
    ariaLabel: "Packet hex",
  });
  const out = h("div", { class: "decode-out" });
  const run = () => {
    replace(out, loading("Decoding"));
    renderDecode(out, ta.value).catch((e) => replace(out, errorBox(e)));
  };
  return h(
    "div",
    { class: "decode-box" },
    h("h2", null, "Decode a packet"),
    ta,
    h("div", { class: "row" }, h("button", { class: "btn pri", on: { click: run } }, "Decode")),
    out,
  );
}

function hopCell(
  prefix: string,
  res: HopResolution | undefined,
  key: string | null | undefined,
  names: Map<string, { name: string | null; public_key: string }>,
): HTMLElement {
  const pk = res?.pubkey ?? key ?? null;
  const node = pk ? names.get(pk.toLowerCase()) : undefined;
  const label = res?.name ?? (node ? nodeLabel(node) : null);
  const conf = res?.confidence;
  return h(
    "li",
    null,
    h("code", null, prefix),
    " ",
    pk && label
      ? link(`#/nodes/${encodeURIComponent(pk)}`, label)
      : h("span", { class: "mut" }, "unresolved"),
    res?.ambiguous
      ? h("span", { class: "badge warn" }, `ambiguous (${res.candidates?.length ?? "?"})`)
      : null,
    conf !== undefined && conf !== null
      ? h(
        "span",
        { class: "badge" },
        `conf ${typeof conf === "number" ? conf.toFixed(2) : String(conf)}`,
      )
      : pk && !res
      ? h("span", { class: "badge" }, "resolved path")
      : null,
  );
}

/** Renders the detail of packet `hash` into `el`. */
export async function renderPacketDetail(el: HTMLElement, hash: string, signal: AbortSignal) {
  replace(el, loading("Loading packet"));
  let d: PacketDetail;
  try {
    d = await getJson<PacketDetail>(`/api/packets/${encodeURIComponent(hash)}`, signal);
  } catch (e) {
    if ((e as Error).name !== "AbortError") replace(el, errorBox(e));
    return;
  }
  const p = d.packet;
  const obs = d.observations ?? (p as { observations?: Observation[] }).observations ?? [];
  const hops = hopsOf(p.path_json);
  const [resolved, names] = await Promise.all([
    hops.length && await supports("/api/resolve-hops")
      ? tryJson<{ resolved?: Record<string, HopResolution> }>(
        "/api/resolve-hops" + qs({
          hops: hops.join(","),
          observer: /^[0-9a-f]{8,64}$/i.test(p.observer_id ?? "") ? p.observer_id : undefined,
        }),
        signal,
      )
      : null,
    nodeIndex().catch(() => new Map()),
  ]);
  const rp = parseJson<(string | null)[]>(p.resolved_path, []);
  const decodeOut = h("div", null, loading("Decoding"));
  const size = cleanHex(p.raw_hex ?? "").length / 2;
  replace(
    el,
    h(
      "div",
      { class: "detail-head" },
      h("span", { class: "tbadge " + typeClass(p.payload_type) }, typeName(p.payload_type)),
      h("code", { class: "big" }, p.hash),
    ),
    kv([
      ["Route", routeName(p.route_type)],
      ["First seen", dateTime(p.first_seen)],
      ["Observations", String(d.observation_count ?? obs.length)],
      ["Size", `${size} bytes`],
      ["Best observer", p.observer_name ?? p.observer_id ?? "—"],
    ]),
    section(
      `Path (${hops.length} hop${hops.length === 1 ? "" : "s"})`,
      hops.length
        ? h(
          "ol",
          { class: "hops" },
          hops.map((x, i) => hopCell(x, resolved?.resolved?.[x], rp[i], names)),
        )
        : h("p", { class: "mut" }, "Direct from the source (no hops)."),
    ),
    decodeOut,
    section(
      `Observations (${obs.length})`,
      table(
        ["Time", "Observer", "SNR", "RSSI", "Path"],
        obs.map((o) => [
          dateTime(o.timestamp),
          o.observer_id
            ? link(
              `#/observers/${encodeURIComponent(o.observer_id)}`,
              o.observer_name || o.observer_id.slice(0, 8),
            )
            : "—",
          num(o.snr, 1),
          num(o.rssi, 0),
          h("code", null, hopsOf(o.path_json).join(" › ") || "direct"),
        ]),
      ),
    ),
    section("Decoded (stored)", fieldsTable(parseJson(p.decoded_json, {}))),
  );
  await renderDecode(decodeOut, p.raw_hex ?? "", signal);
  const legacy = normalizeRanges(d.breakdown);
  if (legacy.length && !decodeOut.querySelector(".hex")) {
    decodeOut.prepend(section("Hex breakdown", hexView(p.raw_hex, legacy)));
  }
}
