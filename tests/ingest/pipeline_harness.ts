/**
 * A real ingest stack for tests: a fresh SQLite file, the batched writer, the
 * store, the resolver and the pipeline, with broadcasts captured.
 *
 * @module
 */

import { localPacketMessage, type PacketMessage } from "../../src/ingest/messages.ts";
import type { LiveEvent } from "../../src/api/ws_frame.ts";
import { Logger } from "../../src/log/logger.ts";
import { createStack } from "../../src/cli/stack.ts";
import { DEFAULTS } from "../../src/cli/config.ts";

/** URL of a file in shared/fixtures. */
export function fixturePath(name: string): string {
  return new URL(`../../../shared/fixtures/${name}`, import.meta.url).pathname;
}

/** A packet message as the MQTT parser would produce it. */
export function packetMsg(
  raw: string,
  observerId: string,
  extra: Parameters<typeof localPacketMessage>[2] = {},
): PacketMessage {
  return localPacketMessage(raw, observerId, {
    source: "test",
    topic: `meshcore/SJC/${observerId}/packets`,
    observerName: `obs ${observerId.slice(0, 4)}`,
    iata: "SJC",
    snr: 5.5,
    rssi: -92,
    direction: "rx",
    ...extra,
  });
}

/** Builds the server's own stack on a new temp database, capturing broadcasts and log lines. */
export function createTestStack(
  opts: { validateSignatures?: boolean; hashChannels?: string[] } = {},
) {
  const dir = Deno.makeTempDirSync({ prefix: "hw-pipeline-" });
  const lines: string[] = [];
  const log = new Logger("debug", (l) => lines.push(l));
  const events: LiveEvent[] = [];
  const stack = createStack({
    ...DEFAULTS,
    dbPath: `${dir}/hw.db`,
    validateSignatures: opts.validateSignatures ?? true,
    hashChannels: opts.hashChannels ?? [],
  }, { log, broadcast: (e) => events.push(e) });
  return {
    ...stack,
    dir,
    events,
    lines,
    async close() {
      await stack.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
