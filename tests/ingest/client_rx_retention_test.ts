import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/database.ts";
import { ClientRxIngest } from "../../src/ingest/client_rx.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-04T12:00:00Z");
const CLIENT = "c1".repeat(32);

/** Stores receptions 1, 5 and 40 days old, then expires and reloads with `days`. */
function keptAfterExpire(days: number): { index: number; table: number; reloaded: number } {
  const dir = Deno.makeTempDirSync({ prefix: "hopwatch-clientrx-" });
  const hdb = openDatabase(`${dir}/t.db`, { log: () => {} });
  try {
    const rx = new ClientRxIngest({ db: hdb.db, retentionDays: days, now: () => NOW });
    for (const [i, age] of [1, 5, 40].entries()) {
      rx.add({
        rxPubkey: CLIENT,
        heardKey: `a${i}b2c3`,
        lat: 37.5 + i / 100,
        lon: -122.2,
        snr: 4,
        rssi: -90,
        rxAtMs: NOW - age * DAY,
      });
    }
    rx.flush();
    rx.expire();
    const table = Number(
      hdb.db.prepare("SELECT COUNT(*) AS n FROM client_receptions").get()?.n,
    );
    const again = new ClientRxIngest({ db: hdb.db, retentionDays: days, now: () => NOW });
    const live = rx.index.byRx.get(rx.index.rxId(CLIENT) ?? -1)?.size ?? 0;
    return { index: live, table, reloaded: again.load() };
  } finally {
    hdb.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("retention.clientRxDays: older receptions leave SQLite and the grid index", () => {
  assert.deepEqual(keptAfterExpire(3), { index: 1, table: 1, reloaded: 1 });
  assert.deepEqual(keptAfterExpire(30), { index: 2, table: 2, reloaded: 2 });
});

Deno.test("retention.clientRxDays 0 keeps every reception (as CoreScope's 0)", () => {
  assert.deepEqual(keptAfterExpire(0), { index: 3, table: 3, reloaded: 3 });
});
