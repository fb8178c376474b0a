/**
 * V8 flags hopwatch runs with, wherever it is started: the `deno task` lines
 * that run the server or measure it (`deno.json`), the compiled binary
 * (`deno compile --v8-flags`, baked in), and the benches that spawn a server
 * process (they pass {@link SERVER_V8_FLAGS_ARG}).
 *
 * Why: V8 grows the young generation (the semi-spaces where short-lived
 * objects are born) while allocation is heavy — the store load, a burst of
 * ingest, a WebSocket fan-out — up to 3 x 16 MiB on 64-bit, and keeps those
 * pages resident afterwards even when idle and after full collections. On
 * the L shape that was ~60 MB of an otherwise idle server's RSS (new space
 * 60.5 MB against 0.0 MB used; BENCHMARKS.md "Session 6: the young
 * generation"). Capping a semi-space at 8 MiB keeps new space at 16 MiB.
 *
 * A test (`tests/cli/v8_flags_test.ts`) checks that every task that runs or
 * measures the server carries these flags, so the figures in BENCHMARKS.md
 * are the shipped configuration's.
 *
 * @module
 */

/** The flags, comma-joined as `--v8-flags=` takes them. */
export const SERVER_V8_FLAGS = "--max-semi-space-size=8";

/** The command-line argument that applies {@link SERVER_V8_FLAGS}. */
export const SERVER_V8_FLAGS_ARG = `--v8-flags=${SERVER_V8_FLAGS}`;
