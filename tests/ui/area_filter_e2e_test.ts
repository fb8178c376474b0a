/**
 * The area selector of the Packets, Nodes and Live pages in Chromium (issue
 * 13), on the real server over a copy of the fixture with two areas
 * configured: choosing an area narrows the rows to it, the choice is in the
 * URL and survives a reload, live rows follow each page's rule (Packets: an
 * ADVERT from the area; Live: a route or observer touching it), the selector
 * is hidden without configured areas, no console error, and the selector is
 * visible and nothing overflows at phone size (390×844).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { buildUi } from "../../src/api/ui_build.ts";
import {
  buildGroupTextPayload,
  bytesToHex,
  encodePacket,
  PAYLOAD,
  PUBLIC_CHANNEL_KEY,
  ROUTE,
} from "../../src/meshcore/encode.ts";
import {
  advertHex,
  FIXTURE,
  hasChromium,
  launchBrowser,
  postPacket,
  SHOTS,
  startHopwatch,
  TEST_AREAS,
  watchPage,
} from "./e2e_harness.ts";

/** The fixture's six positioned nodes around Paso Robles. */
const PASO_NODES = [
  "A-Town Repeater",
  "KB6CIO Tower 🗼",
  "MULTI PASS",
  "PRBROOF",
  "Paso Room Server",
  "Templeton Hills",
];
/** The fixture's two ADVERTs sent by those nodes (what `/api/packets?area=PASO` answers). */
const PASO_ADVERTS = ["300a8e65a12158b2", "a55e43b4a08bb6a4"];
const AREAS = TEST_AREAS;

/** A public-channel message relayed by hop `92` (only KB6CIO Tower, inside PASO, has it). */
function relayedByPaso(text: string): string {
  const payload = buildGroupTextPayload(PUBLIC_CHANNEL_KEY, {
    timestamp: Math.floor(Date.now() / 1000),
    flags: 0,
    text: `areatest: ${text}`,
  });
  return bytesToHex(encodePacket({
    routeType: ROUTE.FLOOD,
    payloadType: PAYLOAD.GRP_TXT,
    hashSize: 1,
    hops: ["92"],
    payload,
  }));
}

/** First-cell texts of the rendered table rows, and the column `col` (0-based) of each. */
function tableCol(page: Page, col: number): Promise<string[]> {
  return page.$$eval(
    ".vt-row:not(.vt-pending)",
    (rows, c) =>
      rows.map((r) => (r.querySelectorAll(".vt-td")[c as number]?.textContent ?? "").trim()),
    col,
  );
}

async function waitRows(page: Page, n: number, what: string) {
  await page.waitForFunction(
    (k) => document.querySelectorAll(".vt-row:not(.vt-pending)").length === k,
    n,
    { timeout: 20_000 },
  ).catch(async () => {
    assert.fail(`${what}: expected ${n} rows, got ${await tableCol(page, 0)}`);
  });
}

/** Asserts the area selector shows `value` inside the viewport and nothing overflows. */
async function selectorUsable(page: Page, value: string, where: string, width: number) {
  const sel = page.locator(".area-fld select");
  assert.ok(await sel.isVisible(), `${where}: the area selector is visible`);
  assert.equal(await sel.inputValue(), value, `${where}: selected area`);
  const box = await sel.boundingBox();
  assert.ok(
    box && box.x >= 0 && box.x + box.width <= width,
    `${where}: selector ${JSON.stringify(box)}`,
  );
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width + 2, `${where}: page is ${w}px wide in a ${width}px viewport`);
  await page.screenshot({ path: new URL(`area-${where}-${width}.png`, SHOTS).pathname });
}

Deno.test({
  name: "area selector on Packets, Nodes and Live (URL, rows, live rows, phone, no areas)",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await buildUi();
    await Deno.mkdir(SHOTS, { recursive: true });
    const server = await startHopwatch(FIXTURE, 60_000, { areas: AREAS });
    const bare = await startHopwatch(FIXTURE, 60_000);
    const browser = await launchBrowser();
    const errors: string[] = [];
    // Names of the nodes whose adverts from inside PASO the steps post (the server keeps them).
    const postedInside: string[] = [];
    try {
      for (const [label, width, height] of [["desktop", 1280, 900], ["phone", 390, 844]] as const) {
        const phone = label === "phone";
        const page = await browser.newPage({ viewport: { width, height } });
        watchPage(page, errors);
        page.on("response", (r) => {
          if (r.url().includes("/api/") && r.status() >= 400) {
            errors.push(`${page.url()}: ${r.status()} ${r.url()}`);
          }
        });

        await t.step(`${label}: Nodes narrows to the area, survives reload`, async () => {
          await page.goto(`${server.base}/#/nodes`);
          await page.waitForSelector(".area-fld select option[value=PASO]", { state: "attached" });
          await page.waitForSelector(".vt-row .vt-td");
          await page.locator(".area-fld select").selectOption("PASO");
          await page.waitForFunction(() => location.hash.includes("area=PASO"));
          const inPaso = [...PASO_NODES, ...postedInside].sort();
          await waitRows(page, inPaso.length, "nodes?area=PASO");
          const names = (await tableCol(page, 0)).map((s) => s.replace(/^★ /, "")).sort();
          assert.deepEqual(names, inPaso);
          await page.reload();
          await waitRows(page, inPaso.length, "nodes?area=PASO after reload");
          await selectorUsable(page, "PASO", "nodes", width);
          await page.locator(".area-fld select").selectOption("");
          await page.waitForFunction(() => !location.hash.includes("area="));
          await page.waitForFunction(() =>
            document.querySelectorAll(".vt-row:not(.vt-pending)").length > 6
          );
        });

        await t.step(`${label}: Packets narrows to the area's adverts, live rows too`, async () => {
          await page.goto(`${server.base}/#/packets`);
          await page.waitForSelector(".vt-row .vt-td");
          if (phone) await page.locator(".ftoggle").click();
          await page.waitForSelector(".area-fld select option[value=PASO]", { state: "attached" });
          await page.locator(".area-fld select").selectOption("PASO");
          await page.waitForFunction(() => location.hash.includes("area=PASO"));
          const n = PASO_ADVERTS.length + postedInside.length;
          await waitRows(page, n, "packets?area=PASO");
          await page.reload();
          await waitRows(page, n, "packets?area=PASO after reload");
          if (phone) await page.locator(".ftoggle").click();
          await selectorUsable(page, "PASO", "packets", width);
          const hashCol = phone ? -1 : 3;
          if (hashCol >= 0 && !postedInside.length) {
            assert.deepEqual((await tableCol(page, hashCol)).sort(), PASO_ADVERTS);
          }
          // Live: an advert from inside the area is added; one from outside and a channel
          // message (no known sender) are not — the same rows a reload would show.
          const inside = await advertHex(`In Paso ${label}`, "repeater", 35.6, -120.7);
          const outside = await advertHex(`In Oakland ${label}`, "repeater", 37.8, -122.27);
          await postPacket(server.base, outside.hex);
          await postPacket(server.base, relayedByPaso(`packets ${label}`));
          await postPacket(server.base, inside.hex);
          postedInside.push(`In Paso ${label}`);
          await waitRows(page, n + 1, "packets?area=PASO after live posts");
          await page.waitForTimeout(600);
          await waitRows(page, n + 1, "packets?area=PASO a moment later");
          const sums = await tableCol(page, phone ? 3 : 9);
          assert.ok(sums.some((s) => s.includes(`In Paso ${label}`)), sums.join(" | "));
          assert.ok(!sums.some((s) => s.includes("Oakland") || s.includes("areatest")));
          await page.reload();
          await waitRows(page, n + 1, "packets?area=PASO reloaded after live posts");
        });

        await t.step(`${label}: Live keeps the area's nodes and traffic touching it`, async () => {
          await page.goto(`${server.base}/#/live?area=PASO`);
          await page.waitForFunction(
            () => (document.querySelector(".mapbox .mapbox") as HTMLElement)?.dataset.nodes,
            null,
            { timeout: 20_000 },
          );
          const dots = Number(
            await page.evaluate(() =>
              (document.querySelector(".mapbox .mapbox") as HTMLElement).dataset.nodes
            ),
          );
          // The fixture's six and the nodes from inside posted by earlier steps.
          assert.equal(dots, 6 + postedInside.length, `live?area=PASO draws ${dots} nodes`);
          await page.waitForSelector(".area-fld select option[value=PASO]", { state: "attached" });
          await selectorUsable(page, "PASO", "live", width);
          const inside = await advertHex(`Live Paso ${label}`, "companion", 35.65, -120.6);
          const outside = await advertHex(`Live Oakland ${label}`, "companion", 37.8, -122.27);
          await new Promise((r) => setTimeout(r, 500)); // the WebSocket is open by now
          await postPacket(server.base, outside.hex);
          await postPacket(server.base, relayedByPaso(`live ${label}`));
          await postPacket(server.base, inside.hex);
          postedInside.push(`Live Paso ${label}`);
          // The feed: these two, and from the last 15 minutes (the seed) the Packets step's
          // advert from inside and its relayed message — never the ones from Oakland.
          const want = [`Live Paso ${label}`, `areatest: live ${label}`];
          await page.waitForFunction(
            (w) => {
              const text = [...document.querySelectorAll(".feed-list li")].map((li) =>
                li.textContent ?? ""
              );
              return w.every((x) => text.some((s) => s.includes(x)));
            },
            want,
            { timeout: 15_000 },
          );
          await page.waitForTimeout(600);
          const feed = await page.$$eval(
            ".feed-list li",
            (li) => li.map((x) => x.textContent ?? ""),
          );
          for (const w of [...want, `In Paso ${label}`, `areatest: packets ${label}`]) {
            assert.ok(feed.some((s) => s.includes(w)), `${w} in ${feed.join(" | ")}`);
          }
          assert.ok(!feed.some((s) => s.includes("Oakland")), feed.join(" | "));
          // "All areas": every located node is back and the buffered rows all show.
          await page.locator(".area-fld select").selectOption("");
          await page.waitForFunction(() =>
            Number((document.querySelector(".mapbox .mapbox") as HTMLElement).dataset.nodes) > 100
          );
          await page.waitForFunction(() =>
            [...document.querySelectorAll(".feed-list li")].some((li) =>
              li.textContent?.includes("Live Oakland")
            )
          );
        });

        await t.step(`${label}: Live says so for an unknown area (from an old link)`, async () => {
          await page.goto(`${server.base}/#/live?area=NOPE`);
          await page.waitForFunction(
            () => document.querySelector(".map-overlay")?.textContent?.includes('area "NOPE"'),
            null,
            { timeout: 15_000 },
          );
          assert.equal(await page.locator(".feed-list li").count(), 0);
        });

        await t.step(`${label}: no selector without configured areas`, async () => {
          for (const path of ["/#/nodes", "/#/packets", "/#/live"]) {
            await page.goto(bare.base + path);
            await page.waitForSelector(".area-fld", { state: "attached" });
            await page.waitForTimeout(800);
            assert.equal(await page.locator(".area-fld").isVisible(), false, path);
            assert.equal(await page.locator(".area-fld option").count(), 0, path);
          }
        });
        await page.close();
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.stop();
      await bare.stop();
    }
  },
});
