/**
 * `deno task start:fixture` helper: copies a database file to a destination
 * once (an existing copy is kept, with whatever it has ingested since).
 *
 * @module
 */

if (import.meta.main) {
  const [from, to] = Deno.args;
  if (!from || !to) {
    console.error("usage: fixture_copy.ts SOURCE DEST");
    Deno.exit(2);
  }
  try {
    Deno.statSync(to);
    console.error(`using existing ${to}`);
  } catch {
    const dir = to.includes("/") ? to.slice(0, to.lastIndexOf("/")) : ".";
    Deno.mkdirSync(dir, { recursive: true });
    Deno.copyFileSync(from, to);
    console.error(`copied ${from} to ${to}`);
  }
}
