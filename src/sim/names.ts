/**
 * Node names and message texts for the synthetic mesh. Everything is drawn
 * from a {@linkcode Prng}, so it is deterministic. Names stay within the
 * firmware's 32-byte limit and contain no control characters.
 *
 * @module
 */

import type { Prng } from "./prng.ts";

const FIRST = [
  "Alice",
  "Bob",
  "Carol",
  "Dave",
  "Erin",
  "Frank",
  "Grace",
  "Heidi",
  "Ivan",
  "Judy",
  "Mallory",
  "Niaj",
  "Olivia",
  "Peggy",
  "Rupert",
  "Sybil",
  "Trent",
  "Victor",
  "Walter",
  "Xena",
  "Yolanda",
  "Zach",
  "Maya",
  "Leo",
  "Nora",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sam",
  "Tariq",
  "Uma",
  "Vera",
  "Wes",
  "Kai",
  "Jun",
  "Ines",
  "Hugo",
  "Gus",
  "Fay",
];
const DEVICES = [
  "T-Deck",
  "T1000",
  "Heltec",
  "RAK",
  "WioT",
  "T-Echo",
  "SenseCap",
  "Mobile",
  "Base",
];
const EMOJI = ["📡", "🛰️", "🌉", "⛰️", "🐻", "🌲", "⚡", "🦜"];
const RPT_WORDS = [
  "Rpt",
  "Repeater",
  "RPT",
  "Relay",
  "Node",
  "Hub",
  "Rooftop",
  "Ridge",
  "Tower",
  "Hill",
  "Peak",
];
const ROOM_WORDS = ["Room", "BBS", "Chat Room", "Lounge", "Board"];
const SENSOR_WORDS = ["Weather", "Temp", "Garden", "Soil", "Air", "Creek"];

/** A 6-character amateur-radio-like callsign. */
export function callsign(rng: Prng): string {
  const L = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const prefix = rng.pick(["K", "W", "N", "KN", "KJ", "KK", "AG", "KI"]);
  let s = prefix + String(rng.int(10));
  while (s.length < 6) s += L[rng.int(26)];
  return s;
}

/** A repeater name such as `SF-Sutro Rpt 3F` or `KN6ABC-Berkeley`. */
export function repeaterName(rng: Prng, tag: string, keyHex: string): string {
  const style = rng.int(5);
  const short = keyHex.slice(0, 4).toUpperCase();
  let name: string;
  if (style === 0) name = `${callsign(rng)}-${tag}`;
  else if (style === 1) name = `${tag} ${rng.pick(RPT_WORDS)} ${short}`;
  else if (style === 2) name = `${tag}-${rng.pick(RPT_WORDS)}${rng.range(1, 9)}`;
  else if (style === 3) name = `${rng.pick(EMOJI)} ${tag} ${rng.pick(RPT_WORDS)}`;
  else name = `${rng.pick(FIRST)}'s ${tag} ${rng.pick(RPT_WORDS)}`;
  return fit(name);
}

/** A companion name such as `Alice T-Deck`. */
export function companionName(rng: Prng): string {
  const style = rng.int(4);
  const first = rng.pick(FIRST);
  if (style === 0) return fit(`${first} ${rng.pick(DEVICES)}`);
  if (style === 1) return fit(`${first}${rng.range(1, 99)}`);
  if (style === 2) return fit(`${callsign(rng)} ${first}`);
  return fit(`${first} ${rng.pick(EMOJI)}`);
}

/** A room-server name. */
export function roomName(rng: Prng, tag: string): string {
  return fit(`${tag} ${rng.pick(ROOM_WORDS)}`);
}

/** A sensor name. */
export function sensorName(rng: Prng, tag: string): string {
  return fit(`${tag} ${rng.pick(SENSOR_WORDS)} ${rng.range(1, 20)}`);
}

const CHAT = [
  "hello from {city}",
  "anyone on tonight?",
  "testing new antenna",
  "good signal here",
  "copy, 3 hops",
  "heading up to {hill}",
  "net check-in",
  "just flashed 1.9.1",
  "gm mesh",
  "who is the new repeater near {city}?",
  "path looks long today",
  "73",
  "nice, got you direct",
  "traffic is heavy on the bridge",
  "power is back",
  "solar node still up",
  "rain again lol",
  "can anyone hear me from {city}?",
  "ack",
  "thanks for the relay",
];
const TEST = ["test", "test {n}", "testing 1 2 3", "ping", "test from {city}", "radio check"];
const BOT = ["!ping", "!path", "!weather", "!hops", "!help", "!snr"];
const BOT_REPLY = [
  "@[{who}] pong, {n} hops",
  "@[{who}] path: {path}",
  "@[{who}] SNR {snr} dB",
  "@[{who}] weather in {city}: {t}F fog",
];

/** Expands `{city}`, `{hill}`, `{n}`, `{who}`, `{path}`, `{snr}`, `{t}` placeholders. */
function fill(rng: Prng, template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (vars[k] !== undefined) return vars[k];
    if (k === "n") return String(rng.range(1, 12));
    if (k === "snr") return (rng.range(-60, 48) / 4).toFixed(2);
    if (k === "t") return String(rng.range(48, 88));
    return k;
  });
}

/**
 * A channel message text (without the sender prefix) for a channel name.
 * `vars` supplies `city`, `hill`, `who` and `path` where relevant.
 */
export function channelText(
  rng: Prng,
  channel: string,
  vars: Record<string, string>,
  lat: number,
  lon: number,
): string {
  if (channel === "#wardriving") {
    const jLat = (lat + rng.normal(0, 0.01)).toFixed(5);
    const jLon = (lon + rng.normal(0, 0.01)).toFixed(5);
    return `@[MapperBot] ${jLat}, ${jLon} [${rng.pick(["0.3w", "1w", "0.1w"])}]`;
  }
  if (channel === "#test") return fill(rng, rng.pick(TEST), vars);
  if (channel === "#bot") return fill(rng, rng.pick(BOT), vars);
  return fill(rng, rng.pick(CHAT), vars);
}

/** A bot's reply on `#bot`. */
export function botReply(rng: Prng, vars: Record<string, string>): string {
  return fill(rng, rng.pick(BOT_REPLY), vars);
}

/** Cuts a name to at most 32 UTF-8 bytes at a character boundary. */
export function fit(name: string, maxBytes = 32): string {
  const enc = new TextEncoder();
  let out = "";
  for (const ch of name) {
    if (enc.encode(out + ch).length > maxBytes) break;
    out += ch;
  }
  return out.trim();
}
