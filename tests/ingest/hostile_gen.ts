/**
 * Seeded generators of hostile input for the hostile suite: mutated packets,
 * HTTP bodies and MQTT messages with hostile figures, ids, names and text.
 *
 * @module
 */

/** The seeded PRNG of the fixture tests (mulberry32), re-exported for the hostile suite. */
export { prng } from "../meshcore/fixture_util.ts";

const HEX = (b: number) => b.toString(16).padStart(2, "0");

/** Hostile observer ids: valid, long, control characters, separators, markup, unicode. */
const IDS = [
  "1E598D0F11783A33C04D701FF3151FD8D8C0A96686D88267DF70993F59EF760C",
  "my observer #1",
  "<img src=x onerror=alert(1)>",
  "ÄÖ🚫 relay",
  "x".repeat(128),
  "x".repeat(129),
  "a,b",
  "a/b",
  " padded ",
  "tab\there",
  "nul\u0000id",
  "%2e%2e",
  "'; DROP TABLE observers; --",
];
const NAMES = [
  "Repeater",
  "N".repeat(14_000),
  "<script>alert(1)</script>",
  "bell\u0007",
  "\u202eevil",
  "🚫 hidden",
  "",
];
/** Raw JSON number texts: valid, edge, out of range, non-finite when parsed. */
const FIGURES = [
  "5.5",
  "-92",
  "50",
  "-200",
  "50.5",
  "1e300",
  "-1e300",
  "1e999",
  "null",
  '"-110dBm"',
  '"NaN"',
];

/** One mutated packet hex from a valid one. */
export function mutatePacket(rand: () => number, base: string[]): string {
  const pick = base[Math.floor(rand() * base.length)];
  const bytes = Array.from(
    { length: pick.length / 2 },
    (_, i) => parseInt(pick.slice(i * 2, i * 2 + 2), 16),
  );
  const op = Math.floor(rand() * 8);
  const at = () => Math.floor(rand() * bytes.length);
  switch (op) {
    case 0: // truncate
      bytes.length = Math.max(1, at());
      break;
    case 1: // flip bits
      for (let i = 0; i < 1 + rand() * 4; i++) bytes[at()] ^= 1 << Math.floor(rand() * 8);
      break;
    case 2: // random header and path byte
      bytes[0] = Math.floor(rand() * 256);
      if (bytes.length > 1) bytes[1] = Math.floor(rand() * 256);
      break;
    case 3: // append garbage
      for (let i = 0; i < rand() * 80; i++) bytes.push(Math.floor(rand() * 256));
      break;
    case 4: { // entirely random
      const n = 1 + Math.floor(rand() * 260);
      bytes.length = 0;
      for (let i = 0; i < n; i++) bytes.push(Math.floor(rand() * 256));
      break;
    }
    case 5: { // TRACE with a long route
      const hops = 55 + Math.floor(rand() * 20);
      bytes.length = 0;
      bytes.push(0x26, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, Math.floor(rand() * 4));
      for (let i = 0; i < hops; i++) bytes.push(Math.floor(rand() * 256));
      break;
    }
    case 6: // delete a byte
      if (bytes.length > 2) bytes.splice(at(), 1);
      break;
    default: // untouched (a valid packet: duplicates and new observers)
      break;
  }
  return bytes.map(HEX).join("");
}

function one<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

/** One HTTP body (raw JSON text). */
export function httpBody(rand: () => number, base: string[]): string {
  const parts = [`"hex":${JSON.stringify(mutatePacket(rand, base))}`];
  if (rand() < 0.8) parts.push(`"observer":${JSON.stringify(one(rand, IDS))}`);
  if (rand() < 0.6) parts.push(`"snr":${one(rand, FIGURES)}`);
  if (rand() < 0.6) parts.push(`"rssi":${one(rand, FIGURES)}`);
  return `{${parts.join(",")}}`;
}

/** One MQTT message: packet, status, companion text, client RX or garbage. */
export function mqttMessage(
  rand: () => number,
  base: string[],
): { topic: string; payload: string } {
  const r = rand();
  // A topic segment cannot hold "/", "+", "#" or control characters: brokers refuse those.
  // deno-lint-ignore no-control-regex
  const id = one(rand, IDS).replace(/[/+#\u0000-\u001f]/g, "_");
  const iata = one(rand, ["SJC", "SFO", "", "X".repeat(40)]);
  if (r < 0.7) {
    const fields = [`"raw":${JSON.stringify(mutatePacket(rand, base))}`];
    if (rand() < 0.7) fields.push(`"SNR":${one(rand, FIGURES)}`, `"RSSI":${one(rand, FIGURES)}`);
    if (rand() < 0.5) fields.push(`"origin":${JSON.stringify(one(rand, NAMES))}`);
    if (rand() < 0.2) {
      fields.push(`"region":${JSON.stringify(one(rand, ["SJC", "<b>", "R".repeat(99)]))}`);
    }
    return { topic: `meshcore/${iata || "SJC"}/${id}/packets`, payload: `{${fields.join(",")}}` };
  }
  if (r < 0.82) {
    const stat = () => one(rand, FIGURES);
    return {
      topic: `meshcore/SJC/${id}/status`,
      payload: `{"origin":${JSON.stringify(one(rand, NAMES))},"model":${
        JSON.stringify(one(rand, ["Heltec V3", "M".repeat(500)]))
      },"firmware_version":"1.16.0","stats":{"battery_mv":${stat()},"uptime_secs":${
        one(rand, ["3600", "-1e308", "1e308", '"abc"'])
      },"noise_floor":${stat()},"packets_recv":${one(rand, ["12", "-5", "1e20"])}},"repeat":${
        one(rand, ["true", '"on"', "7"])
      }}`,
    };
  }
  if (r < 0.88) {
    return {
      topic: `meshcore/message/channel/${Math.floor(rand() * 8)}`,
      payload: JSON.stringify({
        text: one(rand, NAMES) + ": " + one(rand, ["hi", "<svg onload=alert(1)>", "\u0000"]),
        channel_idx: one(rand, [0, 1, -1, 1e300, "x"]),
      }),
    };
  }
  if (r < 0.94) {
    return {
      topic: `meshcore/client/${id}/packets`,
      payload: `{"raw":${JSON.stringify(mutatePacket(rand, base))},"SNR":${
        one(rand, FIGURES)
      },"gps":{"lat":${one(rand, ["37.4", "91", "1e999"])},"lon":-122}}`,
    };
  }
  return {
    topic: `meshcore/SJC/${id}/packets`,
    payload: one(rand, [
      "not json",
      "[1,2]",
      "null",
      '{"raw":7}',
      '{"raw":"abc"}',
      "{",
      '"\uFFFF"',
    ]),
  };
}
