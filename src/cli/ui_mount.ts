/**
 * Mounts the embedded web UI after the API routes. When the UI bundle was not
 * built, `/` explains how to build it instead of failing silently.
 *
 * @module
 */

import type { Hono } from "hono";
import type { HopwatchConfig } from "./config.ts";
import type { Logger } from "../log/logger.ts";
import { loadUiAssets, tileOrigin, uiHandler } from "../api/ui_assets.ts";
import { mapConfig } from "../api/config_routes.ts";

/** Loads the embedded assets and returns the `mountUi` dependency of the API. */
export async function mountUi(config: HopwatchConfig, log: Logger): Promise<(app: Hono) => void> {
  const assets = await loadUiAssets();
  if (!assets) {
    log.warn('web UI not built: run "deno task build:ui" (the API works without it)');
    return (app) => {
      app.get(
        "/",
        (c) =>
          c.text(
            'hopwatch: the web UI was not built. Run "deno task build:ui", then restart.',
            503,
          ),
      );
    };
  }
  // The same tile settings the UI receives from /api/config/map (built-in defaults included),
  // so the Content-Security-Policy admits exactly the tile hosts the map will ask for.
  const tiles = mapConfig(config.raw).tiles;
  const origins = [
    tiles.url,
    tiles.darkUrl,
    (config.raw.map as { tiles?: unknown } | undefined)?.tiles,
  ]
    .filter((t): t is string => typeof t === "string" && t !== "")
    .map(tileOrigin)
    .filter((o): o is string => o !== null);
  const handler = uiHandler(assets, { imgOrigins: [...new Set(origins)] });
  log.info("web UI embedded", { files: assets.files.size, builtAt: assets.builtAt });
  return (app) => {
    app.all("*", (c) => handler(c.req.raw) ?? c.json({ error: "Not found" }, 404));
  };
}
