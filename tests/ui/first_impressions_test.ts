/**
 * First impressions (issue 17) in Chromium, desktop 1280x800 and phone
 * 390x844, on the real server with the captured fixture (months-old rows)
 * plus fresh packets: the Packets time column, the grouped Live feed, the
 * observer and node labels, table and list layout, type colours, the phone
 * nav and packet detail, the map without a reachable tile server and the
 * served theme. Screenshots go to `test-output/first_impressions/`.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { buildUi } from "../../src/api/ui_build.ts";
import { advertHex, hasChromium, launchBrowser, ROOT } from "./e2e_harness.ts";
import { fixturePath, postPacket, type ServerProcess, startServer } from "../cli/server_process.ts";

const SHOTS = new URL("test-output/first_impressions/", ROOT);
const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
type View = keyof typeof VIEWPORTS;

async function open(browser: Browser, view: View, url: string): Promise<Page> {
  const page = await browser.newPage({
    viewport: VIEWPORTS[view],
    isMobile: view === "phone",
    hasTouch: view === "phone",
  });
  await page.goto(url);
  return page;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname });
}

/** The (hash) of a packet seen by several observers: posts `raw` as three observers. */
async function threeSightings(url: string, raw: string) {
  for (const o of ["FI-OBS-A", "FI-OBS-B", "FI-OBS-C"]) {
    const r = await postPacket(url, raw, o);
    await r.body?.cancel();
    assert.ok(r.ok, `POST /api/packets as ${o}: ${r.status}`);
  }
}

Deno.test({
  name: "first impressions: pages say what they show, fit a phone and keep working offline",
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await buildUi();
    await Deno.mkdir(SHOTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "hw-first-" });
    const db = `${dir}/fixture.db`;
    await Deno.copyFile(fixturePath("corescope-e2e.db"), db);
    const server: ServerProcess = await startServer(db, {
      hashChannels: ["#test"],
      // Port 9 refuses connections: the tile server is "unreachable".
      map: { tiles: { url: "http://127.0.0.1:9/{z}/{x}/{y}.png", darkUrl: "" } },
      theme: { accent: "#d1246b", navBg: "#123456" },
      branding: { siteName: "Bay Mesh" },
    });
    const base = server.url;
    const browser = await launchBrowser();
    try {
      // A fresh packet (today) next to the capture's months-old rows.
      const fresh = await advertHex("FirstImpressions", "repeater", 37.6, -122.2);
      await threeSightings(base, fresh.hex);

      for (const view of ["desktop", "phone"] as View[]) {
        await t.step(`${view}: Packets time column says first seen, with dates`, async () => {
          const page = await open(browser, view, `${base}/#/packets`);
          await page.waitForSelector(".vt-row .vt-td");
          const head = await page.locator(".vt-th").first().textContent();
          // The header may carry the sort indicator (▲/▼) of the header sort.
          assert.match(head ?? "", /^First seen(?: [▲▼])?$/);
          const times = await page.$$eval(
            ".vt-row",
            (rows) =>
              rows.map((
                r,
              ) => [r.querySelector(".vt-td")?.textContent ?? "", r.getAttribute("data-i")])
                .sort((a, b) => Number(a[1]) - Number(b[1])).map((x) => String(x[0])),
          );
          assert.match(times[0], /^\d\d:\d\d:\d\d$/, `today's row shows a clock: ${times[0]}`);
          const old = times.filter((x) => /^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(x));
          assert.ok(old.length >= 5, `older rows show their date: ${times.join(", ")}`);
          const cut = await page.$$eval(
            ".vt-row",
            (rows) =>
              rows.map((r) => r.querySelector<HTMLElement>(".vt-td")!).filter((c) =>
                c.scrollWidth > c.clientWidth + 1
              ).length,
          );
          assert.equal(cut, 0, "time cells are not cut");
          const stamps = old.map((x) => x);
          assert.deepEqual(stamps, [...stamps].sort().reverse(), "grouped rows in time order");
          // The row's time is the detail's "First seen".
          await page.locator(".vt-row").nth(3).click();
          const cell = await page.locator(".vt-row.vt-sel .vt-td").first().textContent();
          await page.waitForSelector(".detail dt");
          const first = await page.$$eval(".detail dt", (dts) => {
            const dt = dts.find((d) => d.textContent === "First seen");
            return dt?.nextElementSibling?.textContent ?? "";
          });
          assert.ok(
            first.startsWith(cell ?? "?") || first.endsWith(cell ?? "?"),
            `${cell} vs ${first}`,
          );
          if (view === "phone") {
            const [bar, det] = await page.evaluate(() =>
              [".packets .toolbar", ".detail"].map((s) => {
                const r = document.querySelector(s)!.getBoundingClientRect();
                return { top: r.top, bottom: r.bottom };
              })
            );
            assert.ok(det.top >= bar.bottom - 1, `the detail starts below the toolbar`);
            const hit = await page.evaluate(() => {
              const r = document.querySelector(".packets .toolbar")!.getBoundingClientRect();
              const el = document.elementFromPoint(r.left + 20, r.top + r.height / 2);
              return !!el?.closest(".toolbar");
            });
            assert.ok(hit, "the toolbar stays reachable with a packet open");
          }
          await shot(page, `${view}-packets-detail`);
          await page.close();
        });

        await t.step(`${view}: Live feed groups a transmission's observations`, async () => {
          const page = await open(browser, view, `${base}/#/live`);
          await page.waitForSelector(".feed-list li");
          const again = await advertHex(`LiveGrouping${view}`, "companion", 37.55, -122.1);
          await page.waitForTimeout(300);
          await threeSightings(base, again.hex);
          // This view's own advert: the other view's row may be on the page already.
          await page.waitForFunction(
            (name) =>
              [...document.querySelectorAll(".feed-list li")].some((li) =>
                li.textContent?.includes(name) &&
                li.querySelector(".obs-count")?.textContent === "×3"
              ),
            `LiveGrouping${view}`,
            { timeout: 5000 },
          );
          const rows = await page.$$eval(
            ".feed-list li",
            (lis, name) => lis.filter((li) => li.textContent?.includes(name)).length,
            `LiveGrouping${view}`,
          );
          assert.equal(rows, 1, "one row for one transmission heard three times");
          await shot(page, `${view}-live-grouped`);
          await page.close();
        });

        await t.step(`${view}: observer detail agrees with the list`, async () => {
          const page = await open(browser, view, `${base}/#/observers`);
          await page.waitForSelector("table.tbl tbody tr");
          const row = page.locator("table.tbl tbody tr", { hasText: "Kennedy Repeater" });
          const listLast = (await row.locator("td").nth(3).textContent())?.trim() ?? "";
          assert.match(listLast, /ago$/);
          await row.locator("a").first().click();
          await page.waitForSelector(".kv dt");
          const kv = await page.$$eval(
            ".kv dt",
            (dts) =>
              Object.fromEntries(
                dts.map((d) => [d.textContent, d.nextElementSibling?.textContent]),
              ),
          );
          assert.ok(kv["Last packet"]?.startsWith(listLast), `${kv["Last packet"]} vs ${listLast}`);
          assert.equal(kv["Packets total"], undefined, "no unqualified total");
          assert.ok(kv["Packets reported (all time)"], "the observer's own counter is named");
          const heading = await page.locator("h3", { hasText: "packets stored" }).textContent();
          assert.match(heading ?? "", /^Latest \d+ of \d+ packets stored from this observer/);
          await shot(page, `${view}-observer-detail`);
          await page.close();
        });
      }

      await t.step("node overview and Paths name what they count; headers stay whole", async () => {
        const nodes = await (await fetch(`${base}/api/nodes?limit=200`)).json();
        let best = { pk: "", n: 0 };
        for (const n of nodes.nodes.filter((x: { role: string }) => x.role === "repeater")) {
          const p = await (await fetch(`${base}/api/nodes/${n.public_key}/paths`)).json();
          if ((p.totalTransmissions ?? 0) > best.n) {
            best = { pk: n.public_key, n: p.totalTransmissions };
          }
        }
        assert.ok(best.n > 0, "a repeater relays something in the fixture");
        for (const view of ["desktop", "phone"] as View[]) {
          const page = await open(browser, view, `${base}/#/nodes/${best.pk}`);
          await page.waitForSelector(".cards .card");
          const cards = await page.$$eval(".cards .card span", (s) => s.map((x) => x.textContent));
          assert.ok(cards.includes("Packets it sent"), cards.join(", "));
          assert.ok(!cards.includes("Transmissions"), "no bare Transmissions card");
          await page.goto(`${base}/#/nodes/${best.pk}?tab=paths`);
          await page.waitForSelector("table.tbl th");
          const text = await page.locator("p.mut", { hasText: "distinct paths" }).textContent();
          assert.match(text ?? "", /transmissions relayed through this node/);
          const broken = await page.$$eval("table.tbl th", (ths) =>
            ths.filter((th) => {
              const r = document.createRange();
              r.selectNodeContents(th);
              const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
              return lines.size > 1;
            }).map((th) => th.textContent));
          assert.deepEqual(broken, [], `headers broken over lines on ${view}`);
          await shot(page, `${view}-node-paths`);
          await page.close();
        }
      });

      await t.step("Nodes list: widths on desktop, every column on a phone", async () => {
        const page = await open(browser, "desktop", `${base}/#/nodes`);
        await page.waitForSelector(".vt-row .vt-td");
        const m = await page.evaluate(() => {
          const ths = [...document.querySelectorAll<HTMLElement>(".vt-th")];
          const head = ths[0].parentElement!.getBoundingClientRect().width;
          const name = ths[0].getBoundingClientRect().width;
          const fsIdx = ths.findIndex((t) => t.textContent?.startsWith("First seen"));
          const cut = [...document.querySelectorAll(".vt-row")].map((r) =>
            r.querySelectorAll<HTMLElement>(".vt-td")[fsIdx]
          ).filter((c) =>
            c && c.scrollWidth > c.clientWidth + 1
          ).length;
          const thCut = ths.filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) =>
            t.textContent
          );
          const input = document.querySelector<HTMLInputElement>("input.nodes-filter")!;
          const ctx = document.createElement("canvas").getContext("2d")!;
          const cs = getComputedStyle(input);
          ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
          const need = ctx.measureText(input.placeholder).width + parseFloat(cs.paddingLeft) +
            parseFloat(cs.paddingRight) + 20;
          return { share: name / head, cut, thCut, need, have: input.clientWidth };
        });
        assert.ok(m.share < 0.35, `Name takes ${Math.round(m.share * 100)} % of the width`);
        assert.equal(m.cut, 0, "First seen cells are not cut");
        assert.deepEqual(m.thCut, [], "no header is cut");
        assert.ok(m.have >= m.need, `filter ${m.have}px for a ${Math.round(m.need)}px placeholder`);
        await shot(page, "desktop-nodes");
        await page.close();

        const phone = await open(browser, "phone", `${base}/#/nodes`);
        await phone.waitForSelector(".vt-row .vt-td");
        const off = await phone.$$eval(
          ".vt-th",
          (ths) =>
            ths.filter((t) => t.getBoundingClientRect().right > innerWidth + 1).map((t) =>
              t.textContent
            ),
        );
        assert.deepEqual(off, [], "every Nodes column is on screen");
        await shot(phone, "phone-nodes");
        await phone.close();
      });

      for (const view of ["desktop", "phone"] as View[]) {
        await t.step(`${view}: ADVERT and CONTROL have their own colours`, async () => {
          const page = await open(browser, view, `${base}/#/packets`);
          const colors = await page.evaluate(() =>
            ["t-advert", "t-control", "t-grptxt", "t-grpdata", "t-multipart"].map((c) => {
              const s = document.createElement("span");
              s.className = `tcell ${c}`;
              document.body.append(s);
              const v = getComputedStyle(s).color;
              s.remove();
              return v;
            }).concat(getComputedStyle(document.body).color)
          );
          assert.equal(new Set(colors).size, colors.length, colors.join(" "));
          await page.close();
        });
      }

      await t.step("phone: the whole nav is reachable", async () => {
        const page = await open(browser, "phone", `${base}/#/packets`);
        const a = page.locator('.nav a[data-nav="analytics"]');
        const box = await a.boundingBox();
        assert.ok(
          box && box.x >= 0 && box.x + box.width <= 390,
          `Analytics at ${JSON.stringify(box)}`,
        );
        const hit = await page.evaluate(
          ([x, y]) => document.elementFromPoint(x, y)?.closest("a")?.dataset.nav,
          [
            box!.x + box!.width / 2,
            box!.y + box!.height / 2,
          ],
        );
        assert.equal(hit, "analytics");
        await shot(page, "phone-nav");
        await page.close();
      });

      for (const view of ["desktop", "phone"] as View[]) {
        await t.step(
          `${view}: map without a tile server says so and draws an outline`,
          async () => {
            const page = await open(browser, view, `${base}/#/map`);
            const note = page.locator(".map-offline-note");
            await note.waitFor({ state: "visible", timeout: 10_000 });
            assert.match((await note.textContent()) ?? "", /cannot be reached/);
            const layers = await page.locator("[data-offline-layers]").getAttribute(
              "data-offline-layers",
            );
            assert.ok(Number(layers) > 2, `offline layers drawn: ${layers}`);
            await shot(page, `${view}-map-offline`);
            await page.close();
          },
        );
      }

      for (const view of ["desktop", "phone"] as View[]) {
        await t.step(`${view}: the served theme and branding apply`, async () => {
          const page = await open(browser, view, `${base}/#/packets`);
          await page.waitForFunction(() => document.title === "Bay Mesh", null, { timeout: 5000 });
          const got = await page.evaluate(() => ({
            brand: document.querySelector(".brand-name")?.textContent,
            acc: getComputedStyle(document.documentElement).getPropertyValue("--acc").trim(),
            nav: getComputedStyle(document.querySelector(".top")!).backgroundColor,
            on: getComputedStyle(document.querySelector(".nav a.on")!).backgroundColor,
            onText: getComputedStyle(document.querySelector(".nav a.on")!).color,
          }));
          assert.deepEqual(got, {
            brand: "Bay Mesh",
            acc: "#d1246b",
            nav: "rgb(18, 52, 86)",
            on: "rgba(255, 255, 255, 0.18)",
            onText: "rgb(240, 243, 246)",
          });
          await shot(page, `${view}-theme`);
          await page.close();
        });
      }
    } finally {
      await browser.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
