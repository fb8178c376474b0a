/**
 * Byte-level hex breakdown of a raw packet: coloured byte ranges with a
 * legend. Ranges come from `POST /api/decode` (`breakdown`), or are derived
 * here from the wire layout when the server sends none.
 *
 * @module
 */

import { h } from "./dom.ts";

/** A labelled byte range, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
  label: string;
}

/** Strips whitespace; returns uppercase hex or "" when not valid hex. */
export function cleanHex(s: string): string {
  const x = s.replace(/[\s:]/g, "");
  return /^([0-9a-fA-F]{2})+$/.test(x) ? x.toUpperCase() : "";
}

/**
 * Normalises server ranges (an array, or `{ranges}`), detecting whether `end`
 * is inclusive (legacy captures) or exclusive, to exclusive ends.
 */
export function normalizeRanges(input: unknown): ByteRange[] {
  const arr = Array.isArray(input)
    ? input
    : input && typeof input === "object" && Array.isArray((input as { ranges?: unknown }).ranges)
    ? (input as { ranges: unknown[] }).ranges
    : [];
  const rs = arr.filter((r): r is ByteRange =>
    !!r && typeof r === "object" && Number.isInteger((r as ByteRange).start) &&
    Number.isInteger((r as ByteRange).end)
  ).map((r) => ({ start: r.start, end: r.end, label: String(r.label ?? "") }))
    .sort((a, b) => a.start - b.start);
  if (!rs.length) return [];
  let inclusive = rs.some((r) => r.end === r.start);
  for (let i = 1; i < rs.length && !inclusive; i++) {
    if (rs[i].start === rs[i - 1].end + 1) inclusive = true;
  }
  return inclusive ? rs.map((r) => ({ ...r, end: r.end + 1 })) : rs;
}

const PAYLOAD_LAYOUTS: Record<number, [string, number][]> = {
  0: [["Dest hash", 1], ["Src hash", 1], ["MAC", 2], ["Ciphertext", -1]],
  3: [["ACK CRC", 4], ["ACK extra", -1]],
  4: [["Public key", 32], ["Timestamp", 4], ["Signature", 64], ["App data", -1]],
  5: [["Channel hash", 1], ["MAC", 2], ["Ciphertext", -1]],
  7: [["Dest hash", 1], ["Ephemeral key", 32], ["MAC", 2], ["Ciphertext", -1]],
  9: [["Tag", 4], ["Auth code", 4], ["Flags", 1], ["Trace hops", -1]],
};
PAYLOAD_LAYOUTS[1] = PAYLOAD_LAYOUTS[2] = PAYLOAD_LAYOUTS[8] = PAYLOAD_LAYOUTS[0];
PAYLOAD_LAYOUTS[6] = PAYLOAD_LAYOUTS[5];

/** Derives ranges from the MeshCore envelope (header, transport, path, payload fields). */
export function fallbackRanges(hex: string): ByteRange[] {
  const n = hex.length / 2;
  if (n < 2) return [];
  const byte = (i: number) => parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  const out: ByteRange[] = [{ start: 0, end: 1, label: "Header" }];
  const hdr = byte(0);
  const route = hdr & 3;
  const ptype = (hdr >> 2) & 15;
  let o = 1;
  if (route === 0 || route === 3) {
    out.push({ start: 1, end: Math.min(n, 5), label: "Transport codes" });
    o = 5;
  }
  if (o >= n) return out;
  const pb = byte(o);
  out.push({ start: o, end: o + 1, label: "Path length" });
  o++;
  const count = pb & 0x3f;
  const size = (pb >> 6) + 1;
  for (let k = 0; k < count && o < n; k++) {
    out.push({ start: o, end: Math.min(n, o + size), label: `Hop ${k + 1}` });
    o += size;
  }
  const layout = PAYLOAD_LAYOUTS[ptype] ?? [["Payload", -1]];
  for (const [label, len] of layout) {
    if (o >= n) break;
    const end = len < 0 ? n : Math.min(n, o + len);
    out.push({ start: o, end, label });
    o = end;
  }
  if (o < n) out.push({ start: o, end: n, label: "Payload" });
  return out;
}

/** Renders the hex grid and legend for `hex` with `ranges`. */
export function hexView(hex: string, ranges: ByteRange[]): HTMLElement {
  const clean = cleanHex(hex);
  const n = clean.length / 2;
  const owner = new Int16Array(n).fill(-1);
  ranges.forEach((r, k) => {
    for (let i = Math.max(0, r.start); i < Math.min(n, r.end); i++) owner[i] = k;
  });
  const grid = h("div", { class: "hex-grid" });
  const bytes: HTMLElement[] = [];
  for (let i = 0; i < n; i++) {
    const k = owner[i];
    const b = h("span", {
      class: k < 0 ? "hb" : `hb c${k % 8}`,
      title: `${i}: ${k < 0 ? "" : ranges[k].label}`,
    }, clean.slice(i * 2, i * 2 + 2));
    bytes.push(b);
    grid.appendChild(b);
  }
  const mark = (k: number, on: boolean) => {
    const r = ranges[k];
    for (let i = Math.max(0, r.start); i < Math.min(n, r.end); i++) {
      bytes[i].classList.toggle("hl", on);
    }
  };
  const legend = h(
    "ol",
    { class: "hex-legend" },
    ranges.map((r, k) => {
      const val = clean.slice(r.start * 2, Math.min(n, r.end) * 2);
      const li = h(
        "li",
        { class: `c${k % 8}` },
        h("span", { class: "sw" }),
        h("b", null, r.label),
        h("span", { class: "mut" }, ` [${r.start}–${r.end - 1}] `),
        h("code", null, val.length > 48 ? val.slice(0, 48) + "…" : val),
      );
      li.addEventListener("mouseenter", () => mark(k, true));
      li.addEventListener("mouseleave", () => mark(k, false));
      return li;
    }),
  );
  return h("div", { class: "hex" }, grid, legend);
}

/** Renders decoded fields (nested objects flattened with dotted keys) as a table. */
export function fieldsTable(obj: unknown): HTMLElement {
  const rows: [string, string][] = [];
  const walk = (v: unknown, key: string, depth: number) => {
    if (v && typeof v === "object" && !Array.isArray(v) && depth < 3) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        walk(x, key ? `${key}.${k}` : k, depth + 1);
      }
    } else rows.push([key, typeof v === "string" ? v : JSON.stringify(v) ?? "null"]);
  };
  walk(obj, "", 0);
  return h(
    "table",
    { class: "tbl fields" },
    h("tbody", null, rows.map(([k, v]) => h("tr", null, h("th", null, k), h("td", null, v)))),
  );
}
