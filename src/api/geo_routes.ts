/**
 * Geography read-outs: `/api/config/areas` (`[{key, label}]`),
 * `/api/config/areas/polygons` (with polygon or bounding box),
 * `/api/config/geo-filter` (`{polygon, bufferKm, writeEnabled}`) and
 * `/api/iata-coords` (`{coords: {IATA: {lat, lon}}}`), in CoreScope's shapes.
 *
 * @module
 */

import type { ApiContext } from "./deps.ts";
import { type AnyRoute, route } from "./route_def.ts";
import { geoSettingsOf } from "../cli/config_geo.ts";
import { IATA_COORDS } from "./iata_coords.ts";
import { checkApiKey } from "./security.ts";

/** The geography configuration routes. */
export function geoRoutes(ctx: ApiContext): AnyRoute[] {
  const settings = () => geoSettingsOf(ctx.config.raw ?? {});
  return [
    route({
      method: "GET",
      path: "/api/config/areas",
      tag: "config",
      summary: "Configured areas (key and label) for the area selector",
      params: {},
      returns: "[{key, label}]",
      handler: (c) =>
        c.json(
          settings().areas.filter((a) => a.label !== "").map((a) => ({
            key: a.key,
            label: a.label,
          })),
        ),
    }),
    route({
      method: "GET",
      path: "/api/config/areas/polygons",
      tag: "config",
      summary: "Configured areas with their polygon ([lat, lon] pairs) or bounding box",
      params: {},
      returns: "[{key, label, polygon?, latMin?, latMax?, lonMin?, lonMax?}]",
      handler: (c) =>
        c.json(
          settings().areas.map((a) => {
            const out: Record<string, unknown> = { key: a.key, label: a.label };
            if (a.polygon) out.polygon = a.polygon;
            for (const k of ["latMin", "latMax", "lonMin", "lonMax"] as const) {
              if (a[k] !== null) out[k] = a[k];
            }
            return out;
          }),
        ),
    }),
    route({
      method: "GET",
      path: "/api/config/geo-filter",
      tag: "config",
      summary: "The ingest geofilter polygon and buffer (null polygon when none)",
      params: {},
      returns: "{polygon: [[lat, lon]] | null, bufferKm, writeEnabled}",
      handler(c) {
        const gf = settings().geoFilter;
        const writeEnabled = !!ctx.config.apiKey && checkApiKey(ctx.config.apiKey) === null;
        if (!gf?.polygon) return c.json({ polygon: null, bufferKm: 0, writeEnabled });
        return c.json({ polygon: gf.polygon, bufferKm: gf.bufferKm, writeEnabled });
      },
    }),
    route({
      method: "GET",
      path: "/api/iata-coords",
      tag: "config",
      summary: "Airport coordinates of IATA region codes",
      params: {},
      returns: "{coords: {IATA: {lat, lon}}}",
      handler: (c) => c.json({ coords: IATA_COORDS }),
    }),
  ];
}
