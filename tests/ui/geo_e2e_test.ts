/**
 * End-to-end test of the geography pages on the real server (main.ts) over a
 * copy of the fixture with roaming-client receptions added and areas plus
 * client RX coverage configured: Map (area outline, area filter, coverage
 * layer, reach link), RX coverage (cells and leaderboard), node reach, and
 * Analytics Distance and Scopes — no console error or failed request, layers
 * drawn, and usable at phone size (390×844, no horizontal overflow).
 */

import assert from "node:assert/strict";
import { openDatabase } from "../../src/db/database.ts";
import type { Page } from "playwright-core";
import { buildUi } from "../../src/api/ui_build.ts";
import { FIXTURE, hasChromium, launchBrowser, SHOTS, startHopwatch } from "./e2e_harness.ts";

const BAY = [[36, -123.5], [36, -121], [38.5, -121], [38.5, -123.5]];

/** A fixture copy with roaming receptions (recent) around positioned nodes. */
function withReceptions(dir: string): { db: string; heardNode: string } {
  const db = `${dir}/geo.db`;
  Deno.copyFileSync(FIXTURE, db);
  const hdb = openDatabase(db, { log: () => {} }); // migrates: adds client_receptions
  const conn = hdb.db;
  const nodes = conn.prepare(
    `SELECT public_key AS pk, lat, lon FROM nodes WHERE lat IS NOT NULL AND lat != 0
     AND role = 'repeater' ORDER BY public_key LIMIT 5`,
  ).all() as { pk: string; lat: number; lon: number }[];
  const ins = conn.prepare(
    `INSERT OR IGNORE INTO client_receptions (rx_pubkey, heard_key, heard_keylen, rssi, snr,
      lat, lon, pos_acc_m, rx_at, ingested_at, src) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const now = Date.now();
  nodes.forEach((n, k) => {
    for (let i = 0; i < 40; i++) {
      const at = new Date(now - (i + 1) * 3_600_000).toISOString();
      const client = (k % 2 ? "c1" : "c2").repeat(32);
      ins.run(
        client,
        n.pk.slice(0, 4),
        2,
        -100,
        -8 + i / 4,
        n.lat + i * 0.003,
        n.lon + i * 0.002,
        5,
        at,
        at,
        "rxlog",
      );
    }
  });
  hdb.close();
  assert.ok(nodes.length > 0, "the fixture has positioned repeaters");
  return { db, heardNode: nodes[0].pk };
}

function watch(page: Page, errors: string[]) {
  page.on("console", (m) => {
    if (m.type() === "error" && !/favicon/i.test(m.text())) {
      errors.push(`${page.url()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: pageerror ${e.message}`));
  page.on("response", (r) => {
    if (r.url().includes("/api/") && r.status() >= 400) {
      errors.push(`${page.url()}: ${r.status()} ${r.url()}`);
    }
  });
}

async function noOverflow(page: Page, where: string) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 392, `${where}: page is ${w}px wide at phone size`);
}

Deno.test({
  name: "geography pages end to end (map, RX coverage, reach, distance, scopes)",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await buildUi();
    await Deno.mkdir(SHOTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "hw-geo-e2e-" });
    const { db, heardNode } = withReceptions(dir);
    const server = await startHopwatch(db, 60_000, {
      clientRxCoverage: { enabled: true },
      areas: { BAY: { label: "Bay Area", polygon: BAY } },
      mapDefaults: { center: [37.4, -122.0], zoom: 9 },
    });
    const browser = await launchBrowser();
    const errors: string[] = [];
    try {
      for (
        const [label, viewport] of [["desktop", { width: 1280, height: 900 }], ["phone", {
          width: 390,
          height: 844,
        }]] as const
      ) {
        const page = await browser.newPage({ viewport });
        watch(page, errors);
        const phone = label === "phone";

        await t.step(
          `${label}: map with area outline, area filter and coverage layer`,
          async () => {
            await page.goto(`${server.base}/#/map?cov=1&area=BAY`);
            await page.waitForFunction(
              () => {
                const el = document.querySelector(".mapbox .mapbox") as HTMLElement | null;
                return !!el && el.dataset.areas === "1" && Number(el.dataset.covCells ?? 0) > 0;
              },
              null,
              { timeout: 20_000 },
            );
            assert.ok(await page.locator("select.area-select").isVisible());
            if (phone) await noOverflow(page, "map");
            await page.screenshot({ path: new URL(`geo-map-${label}.png`, SHOTS).pathname });
          },
        );

        await t.step(`${label}: RX coverage page draws cells and the leaderboard`, async () => {
          await page.goto(`${server.base}/#/rx-coverage?days=7`);
          await page.waitForFunction(
            () =>
              /^[1-9][\d,]* cells/.test(document.querySelector(".cov-status b")?.textContent ?? ""),
            null,
            { timeout: 20_000 },
          );
          await page.waitForSelector(".cov-board table tbody tr");
          assert.equal(await page.locator(".cov-board table tbody tr").count(), 2);
          await page.locator(".cov-board table tbody tr a").first().click();
          await page.waitForFunction(() => location.hash.includes("rx="));
          await page.waitForSelector(".cov-bar .chip");
          if (phone) await noOverflow(page, "rx-coverage");
          await page.screenshot({ path: new URL(`geo-rx-coverage-${label}.png`, SHOTS).pathname });
        });

        await t.step(`${label}: node reach page`, async () => {
          await page.goto(`${server.base}/#/nodes/${heardNode}/reach?days=30`);
          await page.waitForSelector("h2:has-text('Reach')");
          await page.waitForFunction(
            () => {
              const el = document.querySelector(".reach-map") as HTMLElement | null;
              return !!el && Number(el.dataset.points ?? 0) > 0 &&
                Number(el.dataset.covCells ?? 0) > 0;
            },
            null,
            { timeout: 20_000 },
          );
          if (phone) await noOverflow(page, "reach");
          await page.screenshot({ path: new URL(`geo-reach-${label}.png`, SHOTS).pathname });
        });

        await t.step(`${label}: analytics Distance and Scopes tabs`, async () => {
          // Both tabs are reached from the tab bar, not only by URL.
          await page.goto(`${server.base}/#/analytics`);
          await page.click("nav.tabs a.tab:text-is('Distance')", { timeout: 20_000 });
          await page.waitForSelector("h3:has-text('Link distances')", { timeout: 30_000 });
          assert.equal(await page.locator("nav.tabs a.tab.on").textContent(), "Distance");
          await page.waitForSelector(".panel .chart canvas, .panel .chart .empty", {
            timeout: 20_000,
          });
          const links = await page.locator(".panel table").first().locator("tbody tr").count();
          assert.equal(links, 3, "three link categories");
          if (phone) await noOverflow(page, "distance");
          await page.screenshot({ path: new URL(`geo-distance-${label}.png`, SHOTS).pathname });
          assert.equal(await page.locator("nav.tabs a.tab:text-is('Scopes')").count(), 1);
          await page.goto(`${server.base}/#/analytics?tab=scopes&scope=7d`);
          await page.waitForSelector("h3:has-text('Transport scopes')", { timeout: 20_000 });
          if (phone) await noOverflow(page, "scopes");
          await page.screenshot({ path: new URL(`geo-scopes-${label}.png`, SHOTS).pathname });
        });
        await page.close();
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
