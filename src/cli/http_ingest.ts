/**
 * `POST /api/packets`: the HTTP entry into the same pipeline MQTT uses. The
 * request is acknowledged only once its rows are committed to SQLite, so a
 * 2xx answer means the observation survives a crash.
 *
 * @module
 */

import type { DbWriter } from "../db/writer.ts";
import type { IngestPipeline } from "../ingest/pipeline.ts";
import type { IngestPacketRequest, IngestPacketResult } from "../api/deps.ts";
import { ApiError } from "../api/errors.ts";
import { localPacketMessage } from "../ingest/messages.ts";

/** Observer id recorded for packets posted over HTTP without one. */
export const HTTP_OBSERVER_ID = "api";

/** Builds the `ingestPacket` dependency of the API. */
export function httpIngestHandler(
  pipeline: IngestPipeline,
  writer: DbWriter,
  loaded: Promise<void>,
): (body: IngestPacketRequest) => Promise<IngestPacketResult> {
  return async (body) => {
    await loaded;
    const observer = body.observer ?? HTTP_OBSERVER_ID;
    const outcome = await pipeline.ingestPacket(
      localPacketMessage(body.hex, observer, {
        source: "http",
        snr: body.snr ?? null,
        rssi: body.rssi ?? null,
      }),
    );
    if (outcome.status === "dropped") {
      // A field the validation boundary refused is the client's error: 400 naming the field.
      if (outcome.field) {
        throw new ApiError(400, `Invalid body field "${outcome.field}": ${outcome.detail}`);
      }
      throw new ApiError(422, `packet dropped: ${outcome.reason}: ${outcome.detail}`);
    }
    await writer.flush();
    return { id: outcome.txId, decoded: outcome.decoded };
  };
}
