/**
 * `GET /api/backup` (API key): a consistent copy of the live database, made
 * with SQLite's online backup API into a temporary file, checked, streamed to
 * the client and deleted. Ingest continues meanwhile.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { ApiError } from "./errors.ts";
import { type AnyRoute, route } from "./route_def.ts";

/** Route group: backup. */
export function backupRoutes(ctx: ApiContext): AnyRoute[] {
  let running = false;
  return [
    route({
      method: "GET",
      path: "/api/backup",
      tag: "admin",
      summary: "Stream a consistent backup of the database (SQLite file)",
      params: {},
      auth: true,
      produces: "application/vnd.sqlite3",
      returns: "the database file",
      async handler() {
        if (!ctx.backup) throw new ApiError(404, "backups are not available in this process");
        if (running) {
          throw new ApiError(409, "a backup is already running", { "Retry-After": "10" });
        }
        running = true;
        let copy;
        try {
          copy = await ctx.backup();
        } finally {
          running = false;
        }
        const file = await Deno.open(copy.path, { read: true });
        const size = (await file.stat()).size;
        const cleanup = copy.cleanup;
        const body = file.readable.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            flush: () => cleanup(),
          }),
        );
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        return new Response(body, {
          headers: {
            "Content-Type": "application/vnd.sqlite3",
            "Content-Length": String(size),
            "Content-Disposition": `attachment; filename="hopwatch-${stamp}.db"`,
          },
        });
      },
    }),
  ];
}
