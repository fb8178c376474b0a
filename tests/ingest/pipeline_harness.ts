/**
 * A real ingest stack for tests: a fresh SQLite file, the batched writer, the
 * store, the resolver and the pipeline, with broadcasts captured.
 *
 * @module
 */

import { openDatabase } from "../../src/db/database.ts";
import { DbWriter } from "../../src/db/writer.ts";
import { DbQueries } from "../../src/db/queries.ts";
import { NodeDirectory } from "../../src/store/node_directory.ts";
import { PacketStore } from "../../src/store/packet_store.ts";
import { HopResolver } from "../../src/resolve/resolver.ts";
import { createKeyRing } from "../../src/meshcore/mod.ts";
import { IngestPipeline } from "../../src/ingest/pipeline.ts";
import type { PacketMessage } from "../../src/ingest/messages.ts";
import type { LiveEvent } from "../../src/api/ws_frame.ts";
import { Logger } from "../../src/log/logger.ts";

/** URL of a file in shared/fixtures. */
export function fixturePath(name: string): string {
  return new URL(`../../../shared/fixtures/${name}`, import.meta.url).pathname;
}

/** A packet message as the MQTT parser would produce it. */
export function packetMsg(raw: string, observerId: string, extra: Partial<PacketMessage> = {}): PacketMessage {
  return {
    kind: "packet",
    source: "test",
    topic: `meshcore/SJC/${observerId}/packets`,
    receivedAtMs: Date.now(),
    raw,
    observerId,
    observerName: `obs ${observerId.slice(0, 4)}`,
    iata: "SJC",
    snr: 5.5,
    rssi: -92,
    score: null,
    direction: "rx",
    observerTimestamp: null,
    observerTimestampNaive: false,
    ...extra,
  };
}

/** Builds the stack on a new temp database. */
export function createStack(opts: { validateSignatures?: boolean; hashChannels?: string[] } = {}) {
  const dir = Deno.makeTempDirSync({ prefix: "hw-pipeline-" });
  const path = `${dir}/hw.db`;
  const lines: string[] = [];
  const log = new Logger("debug", (l) => lines.push(l));
  const hdb = openDatabase(path, { log: () => {} });
  const writer = new DbWriter(hdb, { log: () => {} });
  const queries = new DbQueries(hdb.db);
  const nodes = new NodeDirectory();
  const store = new PacketStore(nodes, { fetchResolvedPaths: (ids) => queries.fetchResolvedPaths(ids) });
  const resolver = new HopResolver(nodes);
  const events: LiveEvent[] = [];
  const pipeline = new IngestPipeline({
    store,
    nodes,
    resolver,
    writer,
    queries,
    decodeOptions: { keyRing: createKeyRing({ hashChannels: opts.hashChannels ?? [] }) },
    validateSignatures: opts.validateSignatures ?? true,
    broadcast: (e) => events.push(e),
    log,
  });
  return {
    dir,
    path,
    hdb,
    writer,
    queries,
    nodes,
    store,
    resolver,
    pipeline,
    events,
    lines,
    async close() {
      await writer.close();
      hdb.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
