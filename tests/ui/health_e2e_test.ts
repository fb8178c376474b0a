/**
 * End-to-end UI test of the health views on the real server (main.ts) over a
 * copy of the fixture database with three days of observer status metrics
 * (one observer with a hostile name): the Overview page, the observers list
 * and an observer's detail (charts drawn, window switch), a node's battery and
 * clock panels, and the Analytics "RF health" and "Clock health" tabs, with no
 * console error, at desktop and phone (390x844) size, hostile names as text.
 *
 * @module
 */

import assert from "node:assert/strict";
import { buildUi } from "../../src/api/ui_build.ts";
import { openDatabase } from "../../src/db/database.ts";
import {
  advertHex,
  assertNoInjected,
  FIXTURE,
  hasChromium,
  launchBrowser,
  postPacket,
  SHOTS,
  startHopwatch,
  watchPage,
} from "./e2e_harness.ts";

const HOSTILE = "<img src=x onerror=alert(1)>";
const HOSTILE_ID = "ABAD1DEA".repeat(8);

/** A migrated copy of the fixture with metrics for three observers ending now. */
async function metricsDb(dir: string): Promise<string> {
  const path = `${dir}/health.db`;
  await Deno.copyFile(FIXTURE, path);
  const hdb = openDatabase(path, { log: () => {} });
  const db = hdb.db;
  const nowIso = new Date().toISOString().slice(0, 19) + "Z";
  db.prepare(
    `INSERT INTO observers (id, name, iata, last_seen, first_seen, noise_floor, battery_mv)
     VALUES (?, ?, 'XSS', ?, ?, -101, 3900)`,
  ).run(HOSTILE_ID, HOSTILE, nowIso, nowIso);
  const ids = db.prepare("SELECT id FROM observers WHERE id != ? LIMIT 2").all(HOSTILE_ID)
    .map((r) => String(r.id));
  ids.push(HOSTILE_ID);
  const ins = db.prepare(
    `INSERT INTO observer_metrics (observer_id, timestamp, noise_floor, tx_air_secs, rx_air_secs,
       recv_errors, battery_mv, packets_sent, packets_recv) VALUES (?,?,?,?,?,?,?,?,?)`,
  );
  const end = Math.floor(Date.now() / 300_000) * 300;
  db.exec("BEGIN");
  ids.forEach((id, k) => {
    for (let t = end - 3 * 86_400, i = 0; t <= end; t += 300, i++) {
      const ts = new Date(t * 1000).toISOString().slice(0, 19) + "Z";
      ins.run(id, ts, -112 + k * 4 + (i % 6), i * 3, i * 30, i, 4100 - i, i * 2, i * 20);
    }
  });
  db.exec("COMMIT");
  hdb.close();
  return path;
}

Deno.test({
  name: "health views end to end (Overview, observers, node, RF and Clock health)",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await buildUi();
    await Deno.mkdir(SHOTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "hopwatch-health-e2e-" });
    const server = await startHopwatch(await metricsDb(dir));
    const browser = await launchBrowser();
    const errors: string[] = [];
    const base = server.base;
    try {
      const advert = await advertHex("clocky", "repeater", 37.6, -122.2);
      await postPacket(base, advert.hex);
      for (
        const [kind, vp] of [
          ["desktop", { width: 1400, height: 850 }],
          ["phone", { width: 390, height: 844 }],
        ] as const
      ) {
        await t.step(`${kind}: every health view loads and draws`, async () => {
          const ctx = await browser.newContext({ viewport: vp });
          const page = await ctx.newPage();
          watchPage(page, errors);
          const visit = async (route: string, ready: string) => {
            await page.goto(`${base}/${route}`);
            await page.waitForSelector(ready, { timeout: 15_000 });
            await assertNoInjected(page, route);
            const overflow = await page.evaluate(() =>
              document.documentElement.scrollWidth - document.documentElement.clientWidth
            );
            assert.ok(overflow <= 2, `${route} scrolls sideways by ${overflow}px at ${kind}`);
            await page.waitForTimeout(300);
            const name = route.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").slice(0, 40);
            await page.screenshot({
              path: new URL(`health-${kind}-${name}.png`, SHOTS).pathname,
              fullPage: true,
            });
          };
          await visit("#/home", ".cards .card");
          assert.match(await page.textContent("main, body") ?? "", /packets last hour/);

          await visit("#/observers", "table.tbl tbody tr svg.spark");
          const list = await page.textContent("table.tbl") ?? "";
          assert.ok(list.includes(HOSTILE), "the hostile observer name is shown as text");

          await visit(
            `#/observers/${HOSTILE_ID}`,
            '.observer-health [data-chart="Noise floor (dBm)"] canvas',
          );
          assert.equal(await page.locator(".observer-health .uplot").count(), 5);
          await page.click('.observer-health .seg button[data-k="7d"]');
          await page.waitForFunction(() =>
            /points/.test(document.querySelector(".observer-health p.mut")?.textContent ?? "")
          );
          await page.waitForSelector(".observer-health .uplot canvas");

          await visit(`#/nodes/${advert.publicKey}`, ".node-health .badge");
          assert.match(await page.textContent(".node-health") ?? "", /ok/);

          await visit("#/analytics?tab=rf-health", '[data-chart="rf-noise"] canvas');
          assert.ok((await page.textContent(".tbl") ?? "").includes(HOSTILE));
          await visit("#/analytics?tab=clock-health", ".cards .card");
          await ctx.close();
        });
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
