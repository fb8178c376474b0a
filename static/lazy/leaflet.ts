/**
 * Lazy chunk: Leaflet, loaded only by the map pages.
 *
 * @module
 */
// @ts-types="npm:@types/leaflet@1.9"
import L from "leaflet";

/** The Leaflet namespace. */
export { L };
