/**
 * `gen`: writes a synthetic database and its truth sidecar.
 *
 * ```
 * deno run -A src/cli/gen_command.ts --shape S|M|L|XL --out FILE [--seed N] [--now ISO|EPOCH] [--force]
 * ```
 *
 * Progress goes to stderr about once per second; the summary (JSON) to stdout.
 *
 * @module
 */

import { generate, type GenerateProgress } from "../sim/generate.ts";
import { shapeByName } from "../sim/shapes.ts";

const USAGE =
  "usage: gen --shape S|M|L|XL --out FILE [--seed N] [--now ISO|EPOCH] [--force] [--quiet]";

/** Parsed `gen` arguments. */
export interface GenArgs {
  shape: string;
  out: string;
  seed: number;
  now?: number;
  force: boolean;
  quiet: boolean;
}

/** Parses `gen` arguments; throws `Cannot parse gen arguments: …` on bad input. */
export function parseGenArgs(args: string[]): GenArgs {
  const fail = (why: string): never => {
    throw new Error(`Cannot parse gen arguments: ${why}\n${USAGE}`);
  };
  const out: Partial<GenArgs> = { seed: 1, force: false, quiet: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const value = () => inline ?? args[++i] ?? fail(`${flag} needs a value`);
    if (flag === "--shape") out.shape = value();
    else if (flag === "--out") out.out = value();
    else if (flag === "--seed") {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) {
        fail(`--seed "${v}" is not an integer 0-4294967295`);
      }
      out.seed = Number(v);
    } else if (flag === "--now") {
      const v = value();
      const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v) / 1000;
      if (!Number.isFinite(t)) fail(`--now "${v}" is not RFC3339 or epoch seconds`);
      out.now = Math.floor(t);
    } else if (flag === "--force") out.force = true;
    else if (flag === "--quiet") out.quiet = true;
    else fail(`unknown argument "${a}"`);
  }
  if (!out.shape) fail("--shape is required");
  if (!out.out) fail("--out is required");
  shapeByName(out.shape!);
  return out as GenArgs;
}

function progressLine(p: GenerateProgress): string {
  return `gen ${p.phase}: tx ${p.transmissions} (${p.percent.toFixed(1)}%) obs ${p.observations} ` +
    `rows/s ${Math.round(p.rowsPerSec)} t=${p.elapsedSec.toFixed(1)}s`;
}

/** Runs `gen`; returns the process exit code (0 ok, 2 bad arguments, 1 failure). */
export async function runGen(args: string[]): Promise<number> {
  let parsed: GenArgs;
  try {
    parsed = parseGenArgs(args);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  try {
    const result = await generate({
      shape: parsed.shape,
      out: parsed.out,
      seed: parsed.seed,
      now: parsed.now,
      force: parsed.force,
      onProgress: parsed.quiet ? undefined : (p) => console.error(progressLine(p)),
    });
    console.log(JSON.stringify(result));
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await runGen(Deno.args));
