/**
 * Worker for maintenance_test.ts: writes transmissions + observations through its OWN connection
 * in small transactions until told to stop, so a backup on the main thread runs while writes
 * really happen concurrently. Messages in: {path} to start, "stop". Out: {written} progress.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

declare const self: Worker & { onmessage: ((e: MessageEvent) => void) | null };

let stop = false;

self.onmessage = (e: MessageEvent) => {
  if (e.data === "stop") {
    stop = true;
    return;
  }
  const db = new DatabaseSync(e.data.path);
  db.exec("PRAGMA busy_timeout = 5000");
  const obsIdx = Number(db.prepare("SELECT rowid AS r FROM observers LIMIT 1").get()!.r);
  const insTx = db.prepare(
    `INSERT INTO transmissions (raw_hex, hash, first_seen, last_seen) VALUES (?, ?, ?, ?)`,
  );
  const insObs = db.prepare(
    `INSERT INTO observations (transmission_id, observer_idx, path_json, timestamp) VALUES (?, ?, ?, ?)`,
  );
  let written = 0;
  const loop = () => {
    for (let b = 0; b < 20 && !stop; b++) {
      db.exec("BEGIN IMMEDIATE");
      for (let i = 0; i < 50; i++) {
        const id = Number(
          insTx.run(
            "11" + "AB".repeat(40),
            `w${written}`.padStart(16, "0"),
            "2026-05-17T18:00:00Z",
            1,
          )
            .lastInsertRowid,
        );
        for (let k = 0; k < 3; k++) insObs.run(id, obsIdx, `["${k}"]`, 1779040800);
        written++;
      }
      db.exec("COMMIT");
    }
    self.postMessage({ written });
    if (stop) {
      db.close();
      self.postMessage({ done: true, written });
    } else setTimeout(loop, 0);
  };
  loop();
};
