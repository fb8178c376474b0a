/**
 * `deno task start:capture` helper: copies a database file to a destination
 * once (an existing copy is kept, with whatever it has ingested since). A
 * missing source exits 1 with one line saying where the capture comes from.
 *
 * @module
 */

/** The line printed when the captured database is not where the task expects it. */
export function missingCaptureMessage(from: string): string {
  return `Cannot copy the captured database "${from}": no such file. It is the CoreScope ` +
    `capture shipped in the shared/ folder beside the project (shared/fixtures/corescope-e2e.db), ` +
    `which a bare clone does not have: put any CoreScope meshcore.db at that path, or run ` +
    `"deno task demo" for a simulated live mesh.`;
}

/** Copies `from` to `to` unless `to` exists; resolves to the exit code. */
export function copyOnce(from: string, to: string, say: (line: string) => void): number {
  try {
    Deno.statSync(to);
    say(`using existing ${to}`);
    return 0;
  } catch { /* not copied yet */ }
  try {
    Deno.statSync(from);
  } catch {
    say(missingCaptureMessage(from));
    return 1;
  }
  const dir = to.includes("/") ? to.slice(0, to.lastIndexOf("/")) : ".";
  Deno.mkdirSync(dir, { recursive: true });
  Deno.copyFileSync(from, to);
  say(`copied ${from} to ${to}`);
  return 0;
}

if (import.meta.main) {
  const [from, to] = Deno.args;
  if (!from || !to) {
    console.error("usage: fixture_copy.ts SOURCE DEST");
    Deno.exit(2);
  }
  Deno.exit(copyOnce(from, to, (line) => console.error(line)));
}
