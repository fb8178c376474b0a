/**
 * Tokenizer of the packet filter language (`type == ADVERT && snr > 5`).
 * Every token keeps its character position so the parser and the UI can point
 * at the exact place of an error. Input size is bounded before any work.
 *
 * @module
 */

/** A filter-language error with the 0-based character position it refers to. */
export class FilterError extends Error {
  /** 0-based position in the expression. */
  pos: number;
  /** Creates an error at `pos`. */
  constructor(message: string, pos: number) {
    super(message);
    this.name = "FilterError";
    this.pos = pos;
  }
}

/** Token kinds. */
export type TokenKind =
  | "field"
  | "op"
  | "str"
  | "num"
  | "bool"
  | "dur"
  | "and"
  | "or"
  | "not"
  | "lp"
  | "rp"
  | "comma";

/** One token: kind, value, and its [pos, end) span in the source. */
export interface Token {
  k: TokenKind;
  v: string | number | boolean;
  pos: number;
  end: number;
}

/** Longest expression accepted (characters). */
export const MAX_FILTER_LENGTH = 2000;
/** Most tokens accepted. */
export const MAX_FILTER_TOKENS = 500;

/** Word operators. */
export const WORD_OPS = new Set([
  "contains",
  "starts_with",
  "ends_with",
  "after",
  "before",
  "between",
  "in",
]);

/** Duration units in seconds (`age < 1h`). */
export const DURATION_UNITS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

const isDigit = (c: string) => c >= "0" && c <= "9";
const isAlpha = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isWordStart = (c: string) => isAlpha(c) || c === "_";
const isWord = (c: string) => isWordStart(c) || isDigit(c) || c === ".";
const isHex = (c: string) => isDigit(c) || (c >= "a" && c <= "f") || (c >= "A" && c <= "F");

/** Kinds after which a `-` starts a negative number rather than being an error. */
const NEG_AFTER = new Set<TokenKind>(["op", "and", "or", "not", "lp", "comma"]);

/**
 * Splits `src` into tokens. Throws {@link FilterError} (with the position of
 * the offending character) on an unknown character, an unterminated string, a
 * bad duration unit, an unquoted hex value, or an over-long expression.
 */
export function tokenize(src: string): Token[] {
  if (src.length > MAX_FILTER_LENGTH) {
    throw new FilterError(
      `Filter too long: ${src.length.toLocaleString("en-US")} characters ` +
        `(at most ${MAX_FILTER_LENGTH.toLocaleString("en-US")})`,
      MAX_FILTER_LENGTH,
    );
  }
  const out: Token[] = [];
  const push = (k: TokenKind, v: string | number | boolean, pos: number, end: number) => {
    if (out.length >= MAX_FILTER_TOKENS) {
      throw new FilterError(`Filter too complex: more than ${MAX_FILTER_TOKENS} tokens`, pos);
    }
    out.push({ k, v, pos, end });
  };
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "&&" || two === "||") {
      push(two === "&&" ? "and" : "or", two, i, i + 2);
      i += 2;
      continue;
    }
    if (two === "==" || two === "!=" || two === ">=" || two === "<=") {
      push("op", two, i, i + 2);
      i += 2;
      continue;
    }
    if (c === ">" || c === "<") {
      push("op", c, i, i + 1);
      i++;
      continue;
    }
    if (c === "=") throw new FilterError(`Unexpected "=" at position ${i}: use "=="`, i);
    if (c === "&" || c === "|") {
      throw new FilterError(`Unexpected "${c}" at position ${i}: use "${c}${c}"`, i);
    }
    if (c === "!") {
      push("not", "!", i, i + 1);
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      push(c === "(" ? "lp" : c === ")" ? "rp" : "comma", c, i, i + 1);
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = "";
      while (j < n && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < n) j++;
        s += src[j];
        j++;
      }
      if (j >= n) throw new FilterError(`Unterminated string starting at position ${i}`, i);
      push("str", s, i, j + 1);
      i = j + 1;
      continue;
    }
    const prev = out[out.length - 1];
    const negative = c === "-" && i + 1 < n && isDigit(src[i + 1]) &&
      (!prev || NEG_AFTER.has(prev.k));
    if (isDigit(c) || negative) {
      i = number(src, i, push);
      continue;
    }
    if (isWordStart(c)) {
      const s = i;
      while (i < n && isWord(src[i])) i++;
      const w = src.slice(s, i);
      if (w === "true" || w === "false") push("bool", w === "true", s, i);
      else if (WORD_OPS.has(w)) push("op", w, s, i);
      else push("field", w, s, i);
      continue;
    }
    throw new FilterError(`Unexpected character "${c}" at position ${i}`, i);
  }
  return out;
}

function number(
  src: string,
  start: number,
  push: (k: TokenKind, v: string | number | boolean, pos: number, end: number) => void,
): number {
  let i = start;
  const n = src.length;
  if (src[i] === "-") i++;
  while (i < n && isDigit(src[i])) i++;
  if (i < n && src[i] === "." && i + 1 < n && isDigit(src[i + 1])) {
    i++;
    while (i < n && isDigit(src[i])) i++;
  }
  const numText = src.slice(start, i);
  if (i < n && (isAlpha(src[i]) || src[i] === "_")) {
    const unitStart = i;
    while (i < n && isWord(src[i])) i++;
    const unit = src.slice(unitStart, i);
    if (DURATION_UNITS[unit] !== undefined) {
      push("dur", Number(numText) * DURATION_UNITS[unit], start, i);
      return i;
    }
    const whole = src.slice(start, i);
    if (/^[0-9a-fA-F]+$/.test(whole) && [...whole].every(isHex)) {
      throw new FilterError(
        `Hex value ${whole} at position ${start} must be quoted: "${whole}"`,
        start,
      );
    }
    throw new FilterError(
      `Invalid duration unit "${unit}" at position ${unitStart} (expected s, m, h, d or w)`,
      unitStart,
    );
  }
  push("num", Number(numText), start, i);
  return i;
}
