/**
 * The hopwatch version, read from `deno.json` at build time.
 *
 * @module
 */

import denoJson from "../../deno.json" with { type: "json" };

/** The release version, e.g. `0.1.0`. */
export const VERSION: string = denoJson.version;
