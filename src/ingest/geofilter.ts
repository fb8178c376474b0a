/**
 * The geofilter at ingest: an ADVERT whose position lies outside the
 * configured `geo_filter` polygon (widened by `bufferKm`) is foreign. With
 * `foreignAdverts.mode` `drop` it is not stored (a `dropped_packets` row, reason
 * `outside geo_filter`); with `flag` it is stored and its node marked
 * `foreign_advert = 1`. Adverts without a position (none, or 0,0) are not
 * judged. Counts by outcome for `/metrics`.
 *
 * @module
 */

import { type GeoFilter, geoSettingsOf, shapeContains } from "../cli/config_geo.ts";
import type { DbWriter } from "../db/writer.ts";

type DroppedPacketRow = Parameters<DbWriter["insertDroppedPacket"]>[0];

/** What the gate decided for one advert. */
export type GeoVerdict = "inside" | "no-position" | "foreign";

/** See the module doc. */
export class GeoFilterGate {
  readonly filter: GeoFilter;
  readonly mode: "flag" | "drop";
  /** Verdicts so far: inside, no-position, flagged (foreign, stored), dropped (foreign). */
  readonly counts: { inside: number; noPosition: number; flagged: number; dropped: number } = {
    inside: 0,
    noPosition: 0,
    flagged: 0,
    dropped: 0,
  };

  constructor(filter: GeoFilter, mode: "flag" | "drop") {
    this.filter = filter;
    this.mode = mode;
  }

  /** The `dropped_packets` row of a dropped foreign advert. */
  dropRow(
    hash: string,
    msg: { raw: string; observerId?: string | null; observerName?: string | null },
    advert: Record<string, unknown>,
    droppedAt: string,
  ): DroppedPacketRow {
    return {
      hash,
      rawHex: msg.raw,
      reason: "outside geo_filter",
      observerId: msg.observerId ?? null,
      observerName: msg.observerName ?? null,
      nodePubkey: typeof advert.pubKey === "string" ? advert.pubKey.toLowerCase() : null,
      nodeName: typeof advert.name === "string" ? advert.name : null,
      droppedAt,
    };
  }

  /** Judges an advert position and counts the outcome (`foreign` counts as flagged or dropped). */
  judge(lat: unknown, lon: unknown): GeoVerdict {
    if (typeof lat !== "number" || typeof lon !== "number" || (lat === 0 && lon === 0)) {
      this.counts.noPosition++;
      return "no-position";
    }
    if (shapeContains(this.filter, lat, lon)) {
      this.counts.inside++;
      return "inside";
    }
    if (this.mode === "drop") this.counts.dropped++;
    else this.counts.flagged++;
    return "foreign";
  }
}

/** The gate of a config file, or undefined when no `geo_filter` is configured. */
export function geoFilterGate(
  raw: Record<string, unknown> | undefined,
  mode: "flag" | "drop",
): GeoFilterGate | undefined {
  const f = raw ? geoSettingsOf(raw).geoFilter : null;
  return f ? new GeoFilterGate(f, mode) : undefined;
}
